import { Worker } from "worker_threads";

/**
 * Part buffers of every transfer in this process together, whatever the file size: multipart parts and
 * single-part bodies above {@link INLINE_BYTES}. At the default 8 MiB parts, 16 MiB: with the ~78 MiB the process
 * needs to load the SDK and the ~20 MiB of the hashing worker, `archive --once` peaks at ~122 MiB (measured:
 * `npm run bench -- archive`). Each of two large files in flight then has one part hashed or sent while its next
 * part is read; a third buffer measured no faster here and would pass 128 MiB.
 */
export const PARTS_IN_MEMORY = 2;
/** Bodies up to this size are read and hashed inline: a round trip to the worker would cost more than the hash. */
export const INLINE_BYTES = 1024 * 1024;

/**
 * Inline bodies in memory at once, for the whole process: what ARCHIVE_CONCURRENCY's old default of 8 could hold
 * (8 × {@link INLINE_BYTES}), so that the default of 16 keeps the same peak. Files of 64 KiB still go 16 at a time.
 */
export const INLINE_BUDGET_BYTES = 8 * INLINE_BYTES;

/** A count of bytes that callers take from and give back, waiting while taking more would pass the budget. */
export class ByteBudget {
    private used = 0;
    private waiters: (() => void)[] = [];
    constructor(private readonly size: number) {}
    async take(bytes: number): Promise<void> {
        while (this.used > 0 && this.used + bytes > this.size) await new Promise<void>((r) => this.waiters.push(r));
        this.used += bytes;
    }
    give(bytes: number): void {
        this.used -= bytes;
        const waiting = this.waiters;
        this.waiters = [];
        for (const w of waiting) w();
    }
}

export const inlineBodies = new ByteBudget(INLINE_BUDGET_BYTES);

/**
 * The worker: SHA-256 of each part it is shown and, per file, the running SHA-256 of the whole file (parts
 * arrive in file order). Part buffers are shared memory, posted once per slot: nothing is copied or moved, and
 * no buffer object is created per part (transferring 8 MiB ArrayBuffers to and fro cost more in GC than hashing).
 */
function hashWorker(): void {
    const { parentPort } = require("worker_threads") as typeof import("worker_threads");
    const { createHash } = require("crypto") as typeof import("crypto");
    const slots = new Map<number, Uint8Array>();
    const files = new Map<number, import("crypto").Hash>();
    parentPort!.on("message", (m: { seq: number; op: "part" | "feed" | "end" | "drop"; file: number; slot?: number; memory?: SharedArrayBuffer; length?: number }) => {
        try {
            if (m.op === "feed") {
                // Only the whole file's hash (ingest's blocks, in file order): the memory is posted with each block.
                if (!files.has(m.file)) files.set(m.file, createHash("sha256"));
                files.get(m.file)!.update(new Uint8Array(m.memory!, 0, m.length));
                parentPort!.postMessage({ seq: m.seq });
            } else if (m.op === "part") {
                if (m.memory) slots.set(m.slot!, new Uint8Array(m.memory));
                const view = slots.get(m.slot!)!.subarray(0, m.length);
                if (m.file >= 0) {
                    if (!files.has(m.file)) files.set(m.file, createHash("sha256"));
                    files.get(m.file)!.update(view);
                }
                parentPort!.postMessage({ seq: m.seq, digest: createHash("sha256").update(view).digest() });
            } else {
                const full = files.get(m.file);
                files.delete(m.file);
                if (m.op === "end") parentPort!.postMessage({ seq: m.seq, digest: (full ?? createHash("sha256")).digest() });
            }
        } catch (e) {
            parentPort!.postMessage({ seq: m.seq, error: String(e) });
        }
    });
}

interface Reply {
    seq: number;
    digest?: Uint8Array;
    error?: string;
}

/** A part buffer of the pool: `bytes` spans the whole slot; a part uses its first bytes. */
export interface PartSlot {
    readonly id: number;
    readonly memory: SharedArrayBuffer;
    readonly bytes: Buffer;
}

/**
 * A bounded pool of part buffers and the worker thread that hashes them, so that the two SHA-256 every byte
 * needs (its part's, which S3 checks, and the whole file's, which ties the bytes sent to the ones acknowledged
 * at ingest) are computed off the event loop while it reads the next part and sends the previous ones.
 */
export class PartPool {
    private readonly free: PartSlot[] = [];
    private allocated = 0;
    private readonly waiting: (() => void)[] = [];
    private worker?: Worker;
    /** Slots whose memory the current worker has been sent. */
    private shown = new Set<number>();
    private seq = 0;
    private nextFile = 0;
    private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

    constructor(
        readonly partSize: number,
        private readonly capacity = PARTS_IN_MEMORY,
    ) {}

    /** Buffers allocated so far: never more than the capacity. */
    get buffers(): number {
        return this.allocated;
    }

    async acquire(): Promise<PartSlot> {
        while (this.free.length === 0 && this.allocated >= this.capacity) await new Promise<void>((r) => this.waiting.push(r));
        const slot = this.free.pop();
        if (slot) return slot;
        const memory = new SharedArrayBuffer(this.partSize);
        return { id: this.allocated++, memory, bytes: Buffer.from(memory) };
    }

    release(slot: PartSlot): void {
        this.free.push(slot);
        this.waiting.shift()?.();
    }

    /** A new whole-file hash, fed by {@link hashPart} in order. */
    openFile(): number {
        return this.nextFile++;
    }

    /**
     * The SHA-256 of the slot's first `length` bytes, also added to the running hash of `file` unless it is -1.
     * Parts of one file must be submitted in file order, and the slot left untouched until this resolves.
     */
    async hashPart(slot: PartSlot, length: number, file: number): Promise<Buffer> {
        const worker = this.start();
        const first = !this.shown.has(slot.id);
        this.shown.add(slot.id);
        return Buffer.from((await this.call(worker, { op: "part", file, slot: slot.id, memory: first ? slot.memory : undefined, length })).digest!);
    }

    /**
     * Adds the first `length` bytes of `memory` to the running hash of `file`, without a hash of their own (ingest's
     * blocks). Blocks of one file must be fed in file order, and left untouched until this resolves.
     */
    async feed(file: number, memory: SharedArrayBuffer, length: number): Promise<void> {
        await this.call(this.start(), { op: "feed", file, memory, length });
    }

    /** The whole file's SHA-256 (hex), once every part was submitted. */
    async endFile(file: number): Promise<string> {
        return Buffer.from((await this.call(this.start(), { op: "end", file })).digest!).toString("hex");
    }

    /** Forgets a file's running hash (its upload failed). */
    dropFile(file: number): void {
        this.worker?.postMessage({ seq: -1, op: "drop", file });
    }

    private call(worker: Worker, message: object): Promise<Reply> {
        const seq = this.seq++;
        if (this.pending.size === 0) worker.ref();
        return new Promise<Reply>((resolve, reject) => {
            this.pending.set(seq, { resolve, reject });
            worker.postMessage({ ...message, seq });
        });
    }

    private start(): Worker {
        if (this.worker) return this.worker;
        const worker = new Worker(`(${hashWorker.toString()})()`, { eval: true });
        worker.unref(); // referenced only while a hash is pending, so an idle pool never keeps the process alive
        worker.on("message", (r: Reply) => {
            const p = this.pending.get(r.seq);
            if (!p) return;
            this.pending.delete(r.seq);
            if (this.pending.size === 0) worker.unref();
            if (r.error !== undefined) p.reject(new Error(`hashing failed: ${r.error}`));
            else p.resolve(r);
        });
        const fail = (e: Error) => {
            if (this.worker !== worker) return;
            this.worker = undefined;
            this.shown = new Set();
            for (const [seq, p] of this.pending) {
                this.pending.delete(seq);
                p.reject(e);
            }
        };
        worker.on("error", fail);
        worker.on("exit", (code) => fail(new Error(`the hashing worker exited with ${code}`)));
        this.worker = worker;
        return worker;
    }
}

const pools = new Map<number, PartPool>();

/** The process-wide pool for a part size (one per configuration, in practice one). */
export function partPool(partSize: number): PartPool {
    let pool = pools.get(partSize);
    if (!pool) pools.set(partSize, (pool = new PartPool(partSize)));
    return pool;
}
