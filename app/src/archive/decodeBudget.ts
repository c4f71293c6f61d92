import { readFileSync } from "fs";
import * as path from "path";
import { ByteBudget } from "../s3/parts";

/**
 * Image decodes are admitted through a byte budget set from the task's own memory limit, the way inline bodies share
 * theirs (parts.ts): before a decode starts, its memory is estimated from the image's header, and the decode waits
 * until the estimate fits beside the decodes already running. An image whose estimate exceeds the whole budget is
 * never decoded: it gets no thumbnail, and the item says why (meta.json `noThumbnail`); its original is archived.
 */

/**
 * What the process needs beside decodes, at most: Node, the SDK and sharp loaded (~95 MiB measured), the hashing
 * worker (~20 MiB), part buffers (2 × 8 MiB) and inline bodies (8 MiB) in flight (parts.ts), uploads streaming to EFS
 * (their 1 MiB write blocks: 32 MiB for all uploads at once, http/ingest.ts BLOCK_BUDGET_BYTES),
 * and the V8 heap's headroom. The rest of the task's memory is the decode budget.
 */
export const RESERVED_BYTES = 224 * 1024 * 1024;

/** The smallest decode budget: below it (a task of less than ~300 MiB), no image is decoded. */
export const MIN_DECODE_BUDGET_BYTES = 32 * 1024 * 1024;

/**
 * Pixels of the largest image decoded at all (sharp's `limitInputPixels`): the 50 MP of the largest phone-camera
 * photos. At the worst case per pixel (16-bit RGBA, decoded whole and copied once, see estimateDecodeBytes) that is
 * ~0.8 GB, which a 2 GB task affords; a smaller task decodes such an image only if it fits its own budget.
 */
export const PIXEL_LIMIT = 50_000_000;

/** What sharp's `metadata()` tells from the header alone, before anything is decoded. */
export interface ImageHeader {
    readonly format?: string;
    readonly width?: number;
    readonly height?: number;
    /** The height of one frame of an animated image (GIF, APNG, WebP); `height` is then that too. */
    readonly pageHeight?: number;
    readonly channels?: number;
    /** libvips band format: uchar, char, ushort, short, uint, int, float, complex, double, dpcomplex. */
    readonly depth?: string;
    readonly isProgressive?: boolean;
    readonly pages?: number;
    readonly orientation?: number;
}

const BYTES_PER_SAMPLE: Record<string, number> = { uchar: 1, char: 1, ushort: 2, short: 2, uint: 4, int: 4, float: 4, complex: 8, double: 8, dpcomplex: 16 };

/** Fixed cost of any decode: libvips' per-operation buffers and the thumbnail's encoder. */
const DECODE_OVERHEAD_BYTES = 16 * 1024 * 1024;

/**
 * The most memory decoding the first frame of this image into a thumbnail can take, from its header. Assumed the
 * worst for every format: the frame decoded whole (interlaced PNG, GIF and progressive JPEG are; libvips streams the
 * others, but an EXIF rotation needs the whole frame again), in its own sample size (16-bit PNG at 2 bytes), GIF
 * always as RGBA (libnsgif's frame buffer), and one working copy of it (the rotation, the 16- to 8-bit conversion)
 * beside the decoded frame. Only the first frame of an animation is decoded (sharp's default `pages: 1`).
 */
export function estimateDecodeBytes(header: ImageHeader): number {
    const width = header.width ?? 0;
    const height = header.pageHeight ?? header.height ?? 0;
    const bands = header.format === "gif" ? 4 : Math.max(1, header.channels ?? 4);
    const sample = BYTES_PER_SAMPLE[header.depth ?? "uchar"] ?? 8;
    return width * height * bands * sample * 2 + DECODE_OVERHEAD_BYTES;
}

/** Why this image is not decoded, or undefined when it may be (waiting for its share of the budget). */
export function refusal(header: ImageHeader, budgetBytes: number): string | undefined {
    const width = header.width ?? 0;
    const height = header.pageHeight ?? header.height ?? 0;
    if (!(width > 0 && height > 0)) return "its header states no dimensions";
    if (width * height > PIXEL_LIMIT) return `${width}x${height} is ${width * height} pixels, above the ${PIXEL_LIMIT} decoded at most`;
    const need = estimateDecodeBytes(header);
    if (need > budgetBytes) {
        return `decoding ${width}x${height} (${header.channels ?? "?"} channels, ${header.depth ?? "?"}) takes up to ${mib(need)} MiB, above this task's decode budget of ${mib(budgetBytes)} MiB (task memory minus ${mib(RESERVED_BYTES)} MiB)`;
    }
    return undefined;
}

function mib(bytes: number): number {
    return Math.ceil(bytes / (1024 * 1024));
}

/**
 * The memory limit of this process's cgroup, the task's limit on Fargate: cgroup v2 `memory.max` or v1
 * `memory.limit_in_bytes`, the smallest on the way from its own cgroup up to the mount (a parent's limit binds a
 * child). Undefined where none is set or readable.
 * https://docs.kernel.org/admin-guide/cgroup-v2.html#memory-interface-files ("memory.max … the memory usage hard limit")
 * https://docs.kernel.org/admin-guide/cgroup-v1/memory.html ("memory.limit_in_bytes # set/show limit of memory usage")
 */
export function cgroupMemoryLimit(procSelf = "/proc/self"): number | undefined {
    const limits: number[] = [];
    for (const { dir, mount, v2 } of memoryCgroups(procSelf)) {
        for (let d = dir; ; d = path.dirname(d)) {
            const limit = readLimit(path.join(d, v2 ? "memory.max" : "memory.limit_in_bytes"));
            if (limit !== undefined) limits.push(limit);
            if (d === mount || d === path.dirname(d)) break;
        }
    }
    return limits.length > 0 ? Math.min(...limits) : undefined;
}

/**
 * The directories of this process's memory cgroup: under the cgroup2 mount (v2) and under the v1 mount of the memory
 * controller, from /proc/self/cgroup and /proc/self/mountinfo (the mount's root is the process's group inside a
 * cgroup namespace, as in a container, where /proc/self/cgroup then says "/").
 */
export function memoryCgroups(procSelf = "/proc/self"): { dir: string; mount: string; v2: boolean }[] {
    let cgroups: string;
    let mounts: string;
    try {
        cgroups = readFileSync(path.join(procSelf, "cgroup"), "utf8");
        mounts = readFileSync(path.join(procSelf, "mountinfo"), "utf8");
    } catch {
        return [];
    }
    const found: { dir: string; mount: string; v2: boolean }[] = [];
    for (const line of cgroups.split("\n")) {
        const [, controllers, group] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
        if (group === undefined) continue;
        const v2 = controllers === "";
        if (!v2 && !controllers.split(",").includes("memory")) continue;
        for (const mount of mounts.split("\n")) {
            // mountinfo: id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            const fields = mount.split(" ");
            const dash = fields.indexOf("-");
            if (dash < 0) continue;
            const fstype = fields[dash + 1];
            if (v2 ? fstype !== "cgroup2" : fstype !== "cgroup" || !(fields[dash + 3] ?? "").split(",").includes("memory")) continue;
            const relative = path.posix.relative(fields[3], group);
            if (relative.startsWith("..")) continue;
            found.push({ dir: path.join(fields[4], relative), mount: fields[4], v2 });
        }
    }
    return found;
}

/** A limit file's value; "max" (v2) or a page-rounded 2^63 (v1) mean none. */
function readLimit(file: string): number | undefined {
    let text: string;
    try {
        text = readFileSync(file, "utf8").trim();
    } catch {
        return undefined;
    }
    if (!/^\d+$/.test(text)) return undefined;
    const value = Number(text);
    return value >= 2 ** 62 ? undefined : value;
}

/** The task's memory: its cgroup's limit, else the fallback (TASK_MEMORY_BYTES). */
export function taskMemoryBytes(fallbackBytes: number): { bytes: number; source: "cgroup" | "TASK_MEMORY_BYTES" } {
    const limit = cgroupMemoryLimit();
    return limit !== undefined ? { bytes: limit, source: "cgroup" } : { bytes: fallbackBytes, source: "TASK_MEMORY_BYTES" };
}

export function decodeBudgetBytes(taskBytes: number): number {
    const budget = taskBytes - RESERVED_BYTES;
    return budget >= MIN_DECODE_BUDGET_BYTES ? budget : 0;
}

/** The budget every decode of this process goes through. */
export class DecodeBudget {
    private readonly budget: ByteBudget;
    constructor(readonly bytes: number) {
        this.budget = new ByteBudget(bytes);
    }
    /** Runs `decode` once `need` bytes fit beside the decodes running; `need` must be at most the whole budget. */
    async run<T>(need: number, decode: () => Promise<T>): Promise<T> {
        if (need > this.bytes) throw new Error(`a decode of ${need} bytes can never fit a budget of ${this.bytes}`);
        await this.budget.take(need);
        try {
            return await decode();
        } finally {
            this.budget.give(need);
        }
    }
}

let current: DecodeBudget | undefined;

/** Set once at start from the task's memory (main.ts); until then, the budget of a 512 MiB task. */
export function setDecodeBudget(budget: DecodeBudget): void {
    current = budget;
}
export function decodeBudget(): DecodeBudget {
    return (current ??= new DecodeBudget(decodeBudgetBytes(512 * 1024 * 1024)));
}
