/**
 * The EFS-like mount for benchmarks (see README.md): builds `efsfuse` from this folder on first use (Go, through
 * the module proxy, into bin/, gitignored), mounts a backing directory through it and talks to its control socket.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as readline from "readline";

const HERE = __dirname;
const BINARY = path.join(HERE, "bin", "efsfuse");

export interface FuseStats {
    readonly ops: Record<string, number>;
    readonly metaOps: number;
    readonly dataOps: number;
    /** Per kind, the summed time its requests spent in the daemon, latency included. */
    readonly busyMs: Record<string, number>;
    /** inFlightMs[i]: the wall time during which exactly i requests were in the daemon. */
    readonly inFlightMs: number[];
}

export interface EfsMount {
    /** Where the app's DATA_DIR goes: every request the kernel makes here is delayed and counted. */
    readonly mountPoint: string;
    /** The same files, reached without FUSE (to prefill or wipe without paying or counting). */
    readonly backing: string;
    stats(): Promise<FuseStats>;
    reset(): Promise<void>;
    setLatency(metaMs: number, dataMs: number): Promise<void>;
    unmount(): Promise<void>;
}

/** Why the mount cannot run here, or undefined when it can. */
export function unavailable(): string | undefined {
    if (process.platform !== "linux") return `FUSE mount needs Linux (this is ${process.platform})`;
    if (!fs.existsSync("/dev/fuse")) return "no /dev/fuse: FUSE is not available here (a container needs --device /dev/fuse --cap-add SYS_ADMIN)";
    const fusermount = ["fusermount3", "fusermount"].some((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status === 0);
    if (process.getuid?.() !== 0 && !fusermount) return "not root and no fusermount/fusermount3 on PATH: nothing can mount FUSE as this user";
    if (!fs.existsSync(BINARY) && spawnSync("go", ["version"]).status !== 0) return `${BINARY} is not built and no Go toolchain is on PATH to build it`;
    return undefined;
}

/** Builds efsfuse unless the binary is newer than its sources. */
function build(): void {
    const sources = fs.readdirSync(HERE).filter((f) => f.endsWith(".go") || f === "go.mod" || f === "go.sum");
    const built = fs.existsSync(BINARY) ? fs.statSync(BINARY).mtimeMs : 0;
    if (sources.every((f) => fs.statSync(path.join(HERE, f)).mtimeMs < built)) return;
    execFileSync("go", ["build", "-o", BINARY, "."], { cwd: HERE, stdio: ["ignore", "inherit", "inherit"] });
}

/** Detaches a mount that a killed run left behind (its daemon gone: "Transport endpoint is not connected"). */
function clearStaleMount(mountPoint: string): void {
    const mounted = fs.readFileSync("/proc/mounts", "utf8").split("\n").some((l) => l.split(" ")[1] === mountPoint);
    if (mounted) spawnSync("umount", ["-l", mountPoint]);
}

export async function mountEfsLike(workDir: string, metaMs: number, dataMs: number): Promise<EfsMount> {
    build();
    const backing = path.join(workDir, "backing");
    const mountPoint = path.join(workDir, "mnt");
    const control = path.join(workDir, "control.sock");
    clearStaleMount(mountPoint);
    fs.mkdirSync(backing, { recursive: true });
    fs.mkdirSync(mountPoint, { recursive: true });
    const child: ChildProcess = spawn(BINARY, ["-control", control, "-meta-latency", `${metaMs}ms`, "-data-latency", `${dataMs}ms`, backing, mountPoint], {
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
        readline.createInterface({ input: child.stdout! }).on("line", (l) => l === "ready" && resolve());
        child.once("exit", (code) => reject(new Error(`efsfuse exited with ${code} before mounting: ${stderr.trim()}`)));
    });
    const call = (method: string, route: string) =>
        new Promise<string>((resolve, reject) => {
            const req = http.request({ socketPath: control, method, path: route }, (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () => ((res.statusCode ?? 500) < 300 ? resolve(body) : reject(new Error(`efsfuse ${route}: ${res.statusCode} ${body}`))));
            });
            req.on("error", reject);
            req.end();
        });
    return {
        mountPoint,
        backing,
        stats: async () => JSON.parse(await call("GET", "/stats")) as FuseStats,
        reset: async () => void (await call("POST", "/reset")),
        setLatency: async (m, d) => void (await call("POST", `/latency?meta=${m}ms&data=${d}ms`)),
        unmount: async () => {
            if (child.exitCode !== null) return;
            const exited = new Promise((r) => child.once("exit", r));
            child.kill("SIGTERM");
            await exited;
        },
    };
}

/** Operations between two snapshots. */
export function delta(after: FuseStats, before: FuseStats): FuseStats {
    const ops: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.ops)) if (v - (before.ops[k] ?? 0) > 0) ops[k] = v - (before.ops[k] ?? 0);
    const busyMs: Record<string, number> = {};
    for (const [k, v] of Object.entries(after.busyMs)) if (v - (before.busyMs[k] ?? 0) > 0) busyMs[k] = v - (before.busyMs[k] ?? 0);
    const inFlightMs = after.inFlightMs.map((v, i) => v - (before.inFlightMs[i] ?? 0));
    return { ops, metaOps: after.metaOps - before.metaOps, dataOps: after.dataOps - before.dataOps, busyMs, inFlightMs };
}

/** The mean number of requests in the daemon over a window, and the share of it with none there. */
export function concurrency(d: FuseStats): { mean: number; idleShare: number } {
    const total = d.inFlightMs.reduce((a, b) => a + b, 0);
    const weighted = d.inFlightMs.reduce((a, ms, i) => a + ms * i, 0);
    return { mean: total > 0 ? weighted / total : 0, idleShare: total > 0 ? (d.inFlightMs[0] ?? 0) / total : 0 };
}
