import busboy from "busboy";
import { createHash, Hash, randomUUID } from "crypto";
import { promises as fsp } from "fs";
import type { FileHandle } from "fs/promises";
import { IncomingMessage } from "http";
import * as path from "path";
import { Readable } from "stream";
import { AppConfig } from "../config";
import { Logger } from "../observability/log";
import { SNIFF_BYTES, sniff } from "../archive/process";
import { Enqueuer } from "../queue/reconcile";
import { fsyncDir, ItemMeta, Layout, META, META_MODE, ORIGINAL, publish } from "../store/store";
import { metaJson, unsafeName } from "../store/metaSchema";
import { PartPool, partPool } from "../s3/parts";

/** A refusal with the HTTP status, the offending field and how to fix it. */
export class HttpError extends Error {
    constructor(
        readonly status: number,
        readonly field: string,
        message: string,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
    }
}

export interface Accepted {
    readonly id: string;
    readonly name: string;
    readonly size: number;
    readonly sha256: string;
    readonly status: "stored";
}

/**
 * The size of each write(2) of an upload's bytes: the NFS client's wsize on EFS (1 MiB, the mount options EFS
 * recommends) and what `dd bs=1M` writes. The multipart parser hands over chunks of a few KiB to 64 KiB; written one by
 * one, each is a WRITE request of its own (and a trip through libuv's thread pool).
 */
export const WRITE_BLOCK_BYTES = 1024 * 1024;

/**
 * Block memory for every upload of this process at once: 16 uploads coalescing (two blocks each) at a time. Beyond it
 * an upload writes the parser's chunks as they come, as every upload did before coalescing, so that hundreds of slow
 * clients cannot pin two blocks each and take the task past its memory (test/app/adv23Memory.spec.ts: 400 trickling
 * uploads held ~2.2 MiB of RSS each without this bound).
 */
export const BLOCK_BUDGET_BYTES = 32 * WRITE_BLOCK_BYTES;
/** The longest a block holds a slow upload's bytes before they are written, full or not. */
export const PARTIAL_BLOCK_MS = 60_000;
let blockBytesReserved = 0;

/**
 * Uploads declared at least this large are hashed on the hashing worker (s3/parts.ts), block by block beside each
 * block's write, instead of on the event loop, which parses the body meanwhile (SHA-256 was ~0.8 ms of the ~2.7 ms of
 * main-thread CPU a MiB of ingest cost: bench/efs/README.md). Smaller ones are hashed inline: for them a round trip
 * to the worker would cost more than the hash (as parts.ts INLINE_BYTES).
 */
export const WORKER_HASH_BYTES = WRITE_BLOCK_BYTES;

/**
 * Gathers an upload's chunks into blocks of up to {@link WRITE_BLOCK_BYTES} and writes each when full, while the next
 * fills: two blocks per upload, never more (the parser waits when both are taken), each sized down to the declared
 * body for small uploads. With one block the parser would wait for every write, and a write for the parser. When the
 * process's {@link BLOCK_BUDGET_BYTES} is taken, the upload writes each chunk directly instead (one write at a time).
 * It also takes the SHA-256 of every byte it is given ({@link digest}): of each block on the hashing worker while the
 * block is written (a block is refilled only once both are done), or of each chunk inline.
 */
export class BlockWriter {
    private readonly blocks: Buffer[] = [];
    private readonly writing: (Promise<void> | undefined)[] = [undefined, undefined];
    private current = 0;
    private used = 0;
    private failed: unknown;
    private reserved = 0;
    /** When the current block received its first byte. */
    private filledSince = 0;
    /** The inline hash, or the worker's file and the blocks' shared memory. */
    private readonly hash?: Hash;
    private readonly worker?: { readonly pool: PartPool; readonly file: number; readonly memory: SharedArrayBuffer[]; ended: boolean };
    constructor(
        private readonly fh: FileHandle,
        capacity: number,
        private readonly now: () => number = Date.now,
    ) {
        const size = Math.max(1, Math.min(WRITE_BLOCK_BYTES, capacity));
        if (blockBytesReserved + 2 * size <= BLOCK_BUDGET_BYTES) {
            this.reserved = 2 * size;
            blockBytesReserved += this.reserved;
            if (size >= WORKER_HASH_BYTES) {
                const pool = partPool(WRITE_BLOCK_BYTES);
                const memory = [new SharedArrayBuffer(size), new SharedArrayBuffer(size)];
                this.worker = { pool, file: pool.openFile(), memory, ended: false };
                this.blocks = memory.map((m) => Buffer.from(m));
            } else {
                this.blocks = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
            }
        }
        if (!this.worker) this.hash = createHash("sha256");
    }
    async add(chunk: Buffer): Promise<void> {
        this.hash?.update(chunk);
        if (this.blocks.length === 0) {
            // Over the budget: the chunk itself is written, and the parser waits for it (no copy held).
            await this.writing[0];
            if (this.failed !== undefined) throw this.failed;
            this.writing[0] = this.write(chunk, chunk.length);
            await this.writing[0];
            if (this.failed !== undefined) throw this.failed;
            return;
        }
        let from = 0;
        while (from < chunk.length) {
            if (this.used === 0) await this.writing[this.current]; // this block's previous write must be done first
            if (this.failed !== undefined) throw this.failed;
            if (this.used === 0) this.filledSince = this.now();
            const n = chunk.copy(this.blocks[this.current], this.used, from);
            this.used += n;
            from += n;
            if (this.used === this.blocks[this.current].length) this.send();
        }
        // A slow client's bytes still reach EFS at least every PARTIAL_BLOCK_MS (as each chunk did before coalescing):
        // the sweep of uploads/tmp/ (store/takeover.ts removeStaleTmp) judges an upload by its files' mtimes.
        if (this.used > 0 && this.now() - this.filledSince >= PARTIAL_BLOCK_MS) this.send();
    }
    /** Writes what is left and waits for every write: their errors surface here at the latest. */
    async flush(): Promise<void> {
        if (this.used > 0) this.send();
        await Promise.all(this.writing);
        if (this.failed !== undefined) throw this.failed;
    }
    /** The hex SHA-256 of every byte added, once flush() has resolved. */
    async digest(): Promise<string> {
        if (this.hash) return this.hash.digest("hex");
        this.worker!.ended = true;
        return this.worker!.pool.endFile(this.worker!.file);
    }
    /** Waits for the writes in flight, whatever they do, and gives the blocks back: before the file is closed, always. */
    async settled(): Promise<void> {
        await Promise.all(this.writing);
        if (this.worker && !this.worker.ended) {
            this.worker.ended = true;
            this.worker.pool.dropFile(this.worker.file);
        }
        blockBytesReserved -= this.reserved;
        this.reserved = 0;
        this.blocks.length = 0;
    }
    /**
     * Starts the current block's write (appended in order: one write at a time, each after the previous) and its hash
     * (posted now, so in file order), and switches blocks.
     */
    private send(): void {
        const block = this.blocks[this.current];
        const length = this.used;
        const previous = this.writing[1 - this.current];
        const hashed = this.worker?.pool.feed(this.worker.file, this.worker.memory[this.current], length);
        this.writing[this.current] = (async () => {
            await previous;
            await this.write(block, length);
            await hashed?.catch((e) => (this.failed ??= e));
        })();
        this.current = 1 - this.current;
        this.used = 0;
        if (this.failed !== undefined) throw this.failed;
    }
    /** Writes `length` bytes of `buffer` whole, unless an earlier write failed; a failure is kept for add() and flush(). */
    private async write(buffer: Buffer, length: number): Promise<void> {
        if (this.failed !== undefined) return;
        try {
            let written = 0;
            while (written < length) written += (await this.fh.write(buffer, written, length - written)).bytesWritten;
        } catch (e) {
            this.failed = e;
        }
    }
}

/**
 * Streams one multipart upload to uploads/tmp/<id>/original, hashing and sniffing it on the way, then
 * fsyncs and publishes it into uploads/incoming/. Resolves only once the item is durable there; on any
 * refusal or failure the temporary directory is removed, so nothing partial is left behind.
 */
export async function ingest(req: IncomingMessage, config: AppConfig, layout: Layout, log: Logger, enqueuer?: Enqueuer): Promise<Accepted> {
    const contentType = req.headers["content-type"] ?? "";
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
        throw new HttpError(415, "Content-Type", "send the file as multipart/form-data with the file in the field \"file\"");
    }
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (Number.isFinite(declared) && declared > config.maxUploadBytes + 64 * 1024) {
        throw new HttpError(413, "file", `the request is ${declared} bytes; files may be at most MAX_UPLOAD_BYTES=${config.maxUploadBytes} bytes`);
    }

    const id = randomUUID();
    const itemDir = path.join(layout.tmp, id);
    const ulog = log.child({ uploadId: id });
    let bb: busboy.Busboy;
    try {
        bb = busboy({
            headers: req.headers,
            preservePath: true, // keep "../x" as sent, so that it is refused rather than silently cut
            defParamCharset: "utf8",
            // The limit is inclusive: busboy reports "limit" once a file reaches fileSize, so it is asked for one byte
            // more than a file may have, and only a file that gets there is refused.
            limits: { files: 1, fileSize: config.maxUploadBytes + 1, fields: 20, fieldSize: 64 * 1024, parts: 21, headerPairs: 50 },
        });
    } catch (e) {
        throw new HttpError(400, "Content-Type", `malformed multipart request: ${e instanceof Error ? e.message : String(e)}`);
    }

    let work: Promise<Accepted> | undefined;
    let fileStream: Readable | undefined;
    let firstError: HttpError | undefined;
    const fail = (e: HttpError) => {
        firstError ??= e;
    };

    const parsed = new Promise<void>((resolve, reject) => {
        /** Ends everything the request feeds: the parser, and the file stream it feeds, so that receive() closes its file. */
        const stop = (e: HttpError) => {
            req.unpipe(bb);
            bb.destroy();
            fileStream?.destroy(e);
            reject(e);
        };
        bb.on("file", (field: string, stream: Readable, info: busboy.FileInfo) => {
            // Before anything else: busboy fails a file stream itself when the body ends early ("Unexpected end of
            // form"), possibly while receive() still awaits its directory. The failure reaches receive() through its
            // iteration of the stream; this listener only keeps an unobserved one from crashing the process.
            stream.on("error", () => undefined);
            if (field !== "file" || work !== undefined) {
                fail(new HttpError(400, field, `unexpected file field "${field}": send exactly one file, in the field "file"`));
                stream.resume();
                return;
            }
            fileStream = stream;
            work = receive(stream, info, id, itemDir, config, declared);
            work.catch(() => stream.resume()); // keep draining so the response can be sent
        });
        bb.on("filesLimit", () => fail(new HttpError(400, "file", "send exactly one file, in the field \"file\"")));
        bb.on("partsLimit", () => fail(new HttpError(400, "form", "too many form parts")));
        bb.on("fieldsLimit", () => fail(new HttpError(400, "form", "too many form fields")));
        bb.on("error", (e: Error) => stop(new HttpError(400, "form", `malformed multipart body: ${e.message}`)));
        bb.on("close", () => resolve());
        const aborted = () => stop(new HttpError(400, "form", "the client aborted the upload"));
        req.on("error", aborted);
        req.on("close", () => {
            if (!req.complete) aborted();
        });
        req.pipe(bb);
    });

    let accepted: Accepted | undefined;
    try {
        await parsed;
        if (work === undefined) {
            throw firstError ?? new HttpError(400, "file", "the form has no field \"file\": send the file as multipart/form-data field \"file\"");
        }
        accepted = await work;
        if (firstError) throw firstError;
        await publish(layout, id);
        ulog.info("upload stored", { name: accepted.name, size: accepted.size, sha256: accepted.sha256 });
    } catch (e) {
        await work?.catch(() => undefined);
        await fsp.rm(itemDir, { recursive: true, force: true });
        const err = e instanceof HttpError ? e : new HttpError(500, "file", `upload could not be stored: ${e instanceof Error ? e.message : String(e)}`);
        ulog[err.status >= 500 ? "error" : "warn"]("upload refused", { status: err.status, field: err.field, reason: err.message });
        throw err;
    }
    // Durable on EFS: from here on the upload is accepted whatever SQS does. The send is bounded (SEND_LINGER_MS to share
    // a SendMessageBatch with concurrent uploads, then SEND_TIMEOUT_MS) and never throws; an item whose message did not go out (SQS unreachable, a crash right here) is sent by the
    // reconciling scan, so the client gets 202 as long as EFS takes the upload (BACKLOG_MAX_BYTES), as during an
    // S3 outage.
    // The mark is set by path (Enqueuer.mark: one SETATTR; the name was just created, so the client has it).
    if (enqueuer) await enqueuer.enqueueUpload({ id, kind: "upload", size: accepted.size, sha256: accepted.sha256 });
    return accepted;
}

/**
 * Writes the item into uploads/tmp/<id>/ under its final names (`original` and `meta.json`), each fsynced: the
 * directory is invisible to every other task until publish() renames it into incoming/, so no temporary name inside it
 * is needed (a task that dies here leaves an unpublished directory, removed after an hour). Every file is closed before
 * the item is published: once its message is out, this very task may take the item, replace its meta.json
 * (process.ts) and remove it, and on NFS a file still open would be renamed to .nfsXXXX instead of removed (the
 * client's "silly rename"), so that the item's directory could not go.
 */
async function receive(stream: Readable & { truncated?: boolean }, info: busboy.FileInfo, id: string, itemDir: string, config: AppConfig, declared: number): Promise<Accepted> {
    const name = info.filename ?? "";
    const problem = info.filename === undefined ? "is missing" : unsafeName(name);
    if (problem !== undefined) {
        throw new HttpError(400, "filename", `the file name ${JSON.stringify(name)} ${problem}: use a plain file name such as photo.png`);
    }
    await fsp.mkdir(itemDir, { mode: 0o750 });
    // Both files are created first, so that at the end the original's fsync and close run beside meta.json's write,
    // fsync and close instead of before them: an upload's last steps cost one chain of round trips, not two.
    const [opened, metaOpened] = await Promise.allSettled([fsp.open(path.join(itemDir, ORIGINAL), "wx", 0o640), fsp.open(path.join(itemDir, META), "wx", META_MODE)]);
    if (opened.status === "rejected" || metaOpened.status === "rejected") {
        await Promise.all([opened, metaOpened].map((o) => (o.status === "fulfilled" ? o.value.close().catch(() => undefined) : undefined)));
        throw opened.status === "rejected" ? opened.reason : (metaOpened as PromiseRejectedResult).reason;
    }
    const fh = opened.value;
    const metaFh = metaOpened.value;
    const blocks = new BlockWriter(fh, Number.isFinite(declared) ? declared : WRITE_BLOCK_BYTES);
    let size = 0;
    let head: Buffer[] | undefined = [];
    let headBytes = 0;
    let type: string | undefined;
    let limited = false;
    let sha256: string;
    stream.on("limit", () => (limited = true));
    try {
        const checkType = async () => {
            type = await sniff(Buffer.concat(head!));
            head = undefined;
            if (type === undefined || !config.allowedTypes.includes(type)) {
                throw new HttpError(415, "file", `the content is ${type ?? "of an unknown type"} (detected from the bytes); allowed: ${config.allowedTypes.join(", ")}`);
            }
        };
        // The loop never throws: busboy stalls if a file stream is destroyed mid-part, so after a refusal
        // the rest of the part is read and dropped.
        let refused: unknown;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
            if (limited || refused !== undefined) continue;
            try {
                size += chunk.length;
                if (head) {
                    head.push(chunk);
                    headBytes += chunk.length;
                    if (headBytes >= SNIFF_BYTES) await checkType();
                }
                await blocks.add(chunk);
            } catch (e) {
                refused = e;
            }
        }
        if (refused !== undefined) throw refused;
        if (limited || stream.truncated || size > config.maxUploadBytes) {
            throw new HttpError(413, "file", `the file is larger than MAX_UPLOAD_BYTES=${config.maxUploadBytes} bytes`);
        }
        if (size === 0) throw new HttpError(400, "file", "the file is empty");
        if (head) await checkType();
        await blocks.flush();
        sha256 = await blocks.digest();
        const meta: ItemMeta = {
            id,
            kind: "upload",
            name,
            size,
            sha256,
            contentType: type!,
            key: `${config.archivePrefix}${id}/${name}`,
            receivedAt: new Date().toISOString(),
        };
        // Both settle before either file is closed; the first failure is the upload's.
        const synced = await Promise.allSettled([
            fh.sync(),
            (async () => {
                await metaFh.writeFile(metaJson(meta));
                await metaFh.sync();
            })(),
        ]);
        for (const r of synced) if (r.status === "rejected") throw r.reason;
    } finally {
        await blocks.settled();
        await Promise.all([fh.close(), metaFh.close()]);
    }
    // Both names in the directory survive a crash of a local disk (nothing to do on NFS: fsyncDir).
    await fsyncDir(itemDir);
    return { id, name, size, sha256, status: "stored" };
}
