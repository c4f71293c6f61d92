"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.PartPool = exports.INLINE_BYTES = exports.PARTS_IN_MEMORY = void 0;
exports.partPool = partPool;
const worker_threads_1 = require("worker_threads");
/**
 * Part buffers of every transfer in this process together, whatever the file size: multipart parts and
 * single-part bodies above {@link INLINE_BYTES}. At the default 8 MiB parts, 16 MiB: with the ~78 MiB the process
 * needs to load the SDK and the ~20 MiB of the hashing worker, `archive --once` peaks at ~122 MiB (measured:
 * `npm run bench -- archive`). Each of two large files in flight then has one part hashed or sent while its next
 * part is read; a third buffer measured no faster here and would pass 128 MiB.
 */
exports.PARTS_IN_MEMORY = 2;
/** Bodies up to this size are read and hashed inline: a round trip to the worker would cost more than the hash. */
exports.INLINE_BYTES = 1024 * 1024;
/**
 * The worker: SHA-256 of each part it is shown and, per file, the running SHA-256 of the whole file (parts
 * arrive in file order). Part buffers are shared memory, posted once per slot: nothing is copied or moved, and
 * no buffer object is created per part (transferring 8 MiB ArrayBuffers to and fro cost more in GC than hashing).
 */
function hashWorker() {
    const { parentPort } = require("worker_threads");
    const { createHash } = require("crypto");
    const slots = new Map();
    const files = new Map();
    parentPort.on("message", (m) => {
        try {
            if (m.op === "part") {
                if (m.memory)
                    slots.set(m.slot, new Uint8Array(m.memory));
                const view = slots.get(m.slot).subarray(0, m.length);
                if (m.file >= 0) {
                    if (!files.has(m.file))
                        files.set(m.file, createHash("sha256"));
                    files.get(m.file).update(view);
                }
                parentPort.postMessage({ seq: m.seq, digest: createHash("sha256").update(view).digest() });
            }
            else {
                const full = files.get(m.file);
                files.delete(m.file);
                if (m.op === "end")
                    parentPort.postMessage({ seq: m.seq, digest: (full ?? createHash("sha256")).digest() });
            }
        }
        catch (e) {
            parentPort.postMessage({ seq: m.seq, error: String(e) });
        }
    });
}
/**
 * A bounded pool of part buffers and the worker thread that hashes them, so that the two SHA-256 every byte
 * needs (its part's, which S3 checks, and the whole file's, which ties the bytes sent to the ones acknowledged
 * at ingest) are computed off the event loop while it reads the next part and sends the previous ones.
 */
class PartPool {
    partSize;
    capacity;
    free = [];
    allocated = 0;
    waiting = [];
    worker;
    /** Slots whose memory the current worker has been sent. */
    shown = new Set();
    seq = 0;
    nextFile = 0;
    pending = new Map();
    constructor(partSize, capacity = exports.PARTS_IN_MEMORY) {
        this.partSize = partSize;
        this.capacity = capacity;
    }
    /** Buffers allocated so far: never more than the capacity. */
    get buffers() {
        return this.allocated;
    }
    async acquire() {
        while (this.free.length === 0 && this.allocated >= this.capacity)
            await new Promise((r) => this.waiting.push(r));
        const slot = this.free.pop();
        if (slot)
            return slot;
        const memory = new SharedArrayBuffer(this.partSize);
        return { id: this.allocated++, memory, bytes: Buffer.from(memory) };
    }
    release(slot) {
        this.free.push(slot);
        this.waiting.shift()?.();
    }
    /** A new whole-file hash, fed by {@link hashPart} in order. */
    openFile() {
        return this.nextFile++;
    }
    /**
     * The SHA-256 of the slot's first `length` bytes, also added to the running hash of `file` unless it is -1.
     * Parts of one file must be submitted in file order, and the slot left untouched until this resolves.
     */
    async hashPart(slot, length, file) {
        const worker = this.start();
        const first = !this.shown.has(slot.id);
        this.shown.add(slot.id);
        return Buffer.from((await this.call(worker, { op: "part", file, slot: slot.id, memory: first ? slot.memory : undefined, length })).digest);
    }
    /** The whole file's SHA-256 (hex), once every part was submitted. */
    async endFile(file) {
        return Buffer.from((await this.call(this.start(), { op: "end", file })).digest).toString("hex");
    }
    /** Forgets a file's running hash (its upload failed). */
    dropFile(file) {
        this.worker?.postMessage({ seq: -1, op: "drop", file });
    }
    call(worker, message) {
        const seq = this.seq++;
        if (this.pending.size === 0)
            worker.ref();
        return new Promise((resolve, reject) => {
            this.pending.set(seq, { resolve, reject });
            worker.postMessage({ ...message, seq });
        });
    }
    start() {
        if (this.worker)
            return this.worker;
        const worker = new worker_threads_1.Worker(`(${hashWorker.toString()})()`, { eval: true });
        worker.unref(); // referenced only while a hash is pending, so an idle pool never keeps the process alive
        worker.on("message", (r) => {
            const p = this.pending.get(r.seq);
            if (!p)
                return;
            this.pending.delete(r.seq);
            if (this.pending.size === 0)
                worker.unref();
            if (r.error !== undefined)
                p.reject(new Error(`hashing failed: ${r.error}`));
            else
                p.resolve(r);
        });
        const fail = (e) => {
            if (this.worker !== worker)
                return;
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
exports.PartPool = PartPool;
const pools = new Map();
/** The process-wide pool for a part size (one per configuration, in practice one). */
function partPool(partSize) {
    let pool = pools.get(partSize);
    if (!pool)
        pools.set(partSize, (pool = new PartPool(partSize)));
    return pool;
}
//# sourceMappingURL=parts.js.map