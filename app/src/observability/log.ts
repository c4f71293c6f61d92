import { createHash, randomUUID } from "crypto";
import { createReadStream, promises as fsp } from "fs";
import * as fs from "fs";
import * as path from "path";
import { pipeline } from "stream/promises";
import { archivedLogKey } from "./logKey";
import type { ItemMessage } from "../queue/queue";
import { fsyncDir, isErrno, ItemMeta, Layout, list, META, ORIGINAL, publish, writeFileDurable } from "../store/store";
import { metaJson } from "../store/metaSchema";

type Fields = Record<string, unknown>;

/**
 * One JSON object per line, to stdout (the container log driver) and to DATA_DIR/logs/<task>/current.jsonl,
 * which is rotated by size or age into the archive queue like any upload.
 */
export class Logger {
    private sink?: LogFile;

    constructor(private readonly fields: Fields = {}, sink?: LogFile) {
        this.sink = sink;
    }

    /** A child writes wherever its root writes at the time of each line, so a log file swapped later is followed. */
    child(fields: Fields): Logger {
        const c = new Logger({ ...this.fields, ...fields });
        c.parent = this;
        return c;
    }
    private parent?: Logger;

    private currentSink(): LogFile | undefined {
        return this.sink ?? this.parent?.currentSink();
    }

    attach(sink: LogFile | undefined): void {
        this.sink = sink;
    }

    info(msg: string, fields: Fields = {}): void {
        this.write("info", msg, fields);
    }
    warn(msg: string, fields: Fields = {}): void {
        this.write("warn", msg, fields);
    }
    error(msg: string, fields: Fields = {}): void {
        this.write("error", msg, fields);
    }

    private write(level: string, msg: string, fields: Fields): void {
        const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...fields }) + "\n";
        process.stdout.write(line);
        this.currentSink()?.append(line);
    }
}

export function errorFields(e: unknown): Fields {
    if (e instanceof Error) return { error: e.message, errorName: e.name };
    return { error: String(e) };
}

/** Lines kept in memory while a lapsed lease fences the file, for the log file of the next generation. */
const MAX_PENDING_BYTES = 1024 * 1024;

/**
 * The task's log file on EFS. Appends are synchronous so that a line written is a line kept. Every append first
 * asks `owns()`: once the lease it was opened under has lapsed, a peer may have taken this file over, so the file
 * is closed without being touched again (fenced) and later lines wait in memory for the next generation's file.
 */
export class LogFile {
    private fd: number;
    private bytes = 0;
    private openedAt = Date.now();
    private readonly current: string;
    private rotating: Promise<void> = Promise.resolve();
    private rotationQueued = false;
    private fenced = false;
    private pending: string[] = [];
    private pendingBytes = 0;

    constructor(
        private readonly layout: Layout,
        private readonly task: string,
        private readonly rotateBytes: number,
        private readonly rotateSeconds: number,
        private readonly owns: () => boolean = () => true,
        private readonly onFenced: () => void = () => undefined,
        /** Sends the work queue's messages for rotated logs queued as items (archiver.enqueuer). */
        private readonly send?: (items: ItemMessage[]) => Promise<unknown>,
    ) {
        this.current = path.join(layout.logDir(task), "current.jsonl");
        this.fd = fs.openSync(this.current, "a", 0o640);
        this.bytes = fs.fstatSync(this.fd).size;
    }

    append(line: string): void {
        if (this.fd >= 0 && !this.owns()) this.fence();
        if (this.fenced) {
            if (this.pendingBytes + line.length <= MAX_PENDING_BYTES) {
                this.pending.push(line);
                this.pendingBytes += line.length;
            }
            return;
        }
        if (this.fd < 0) return;
        try {
            this.bytes += fs.writeSync(this.fd, line);
        } catch (e) {
            process.stderr.write(`log file write failed: ${String(e)}\n`);
            return;
        }
        if (!this.rotationQueued && (this.bytes >= this.rotateBytes || Date.now() - this.openedAt >= this.rotateSeconds * 1000)) {
            this.rotationQueued = true;
            this.rotateSoon();
        }
    }

    /** Stops writing this file for good, without renaming or syncing it: it may already be a peer's. */
    private fence(): void {
        if (this.fd >= 0) {
            try {
                fs.closeSync(this.fd);
            } catch {
                // closing is all that is left to do with it
            }
        }
        this.fd = -1;
        if (!this.fenced) {
            this.fenced = true;
            this.onFenced();
        }
    }

    /** Ends this file because the lease it was opened under is gone; returns the lines that could not be written. */
    abandon(): string[] {
        this.fence();
        const lines = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        return lines;
    }

    private rotateSoon(): void {
        this.rotating = this.rotating.then(() => this.rotate()).catch((e) => {
                process.stderr.write(`log rotation failed: ${String(e)}\n`);
            });
    }

    /** Closes the current file, renames it aside and queues every rotated file for archiving. */
    private async rotate(reopen = true): Promise<void> {
        this.rotationQueued = false;
        if (this.fd < 0) return;
        if (!this.owns()) {
            this.fence();
            return;
        }
        fs.fsyncSync(this.fd);
        fs.closeSync(this.fd);
        this.fd = -1;
        if (this.bytes > 0) {
            fs.renameSync(this.current, path.join(this.layout.logDir(this.task), `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomUUID().slice(0, 8)}.jsonl`));
        }
        if (reopen) {
            this.fd = fs.openSync(this.current, "a", 0o640);
            this.bytes = 0;
            this.openedAt = Date.now();
        }
        await enqueueRotatedLogs(this.layout, this.task, false, this.send);
    }

    /** Rotates one last time and waits until everything written is queued; later lines go to stdout only. */
    async close(): Promise<void> {
        await this.rotating;
        if (this.fenced) return;
        await this.rotate(false);
        if (!this.fenced) await fsp.rm(this.current, { force: true });
    }
}

/**
 * Queues every rotated log of `task` (all but current.jsonl, or all of them when `includeCurrent`, for
 * a task whose lease expired) as an item in incoming/. Safe to repeat after a crash at any step: a log file
 * stays in logs/<task>/ until its complete item (meta.json and original) is in uploads/tmp/, and an archiver
 * publishes any complete log item it finds there older than a lease (takeover.ts).
 *
 * A rotated file was closed by its writer before it was renamed aside, so it is moved. current.jsonl may still
 * be open in a task that was only frozen: it is copied, the copy is what gets hashed and archived, and the file is
 * removed afterwards, so a late write can never make the archived bytes differ from those hashed.
 */
export async function enqueueRotatedLogs(layout: Layout, task: string, includeCurrent = false, send?: (items: ItemMessage[]) => Promise<unknown>): Promise<number> {
    const dir = layout.logDir(task);
    let queued = 0;
    const published: ItemMessage[] = [];
    for (const file of await list(dir)) {
        const live = file === "current.jsonl";
        if (!file.endsWith(".jsonl") || (live && !includeCurrent)) continue;
        const src = path.join(dir, file);
        const st = await fsp.stat(src).catch(() => undefined);
        if (!st || !st.isFile()) continue;
        if (st.size === 0) {
            await fsp.rm(src, { force: true });
            continue;
        }
        const id = randomUUID();
        const itemDir = path.join(layout.tmp, id);
        const original = path.join(itemDir, ORIGINAL);
        await fsp.mkdir(itemDir, { mode: 0o750 });
        let message: ItemMessage;
        try {
            const copy = `${original}.part`;
            if (live) {
                await fsp.copyFile(src, copy);
                const fh = await fsp.open(copy, "r+");
                await fh.sync().finally(() => fh.close());
            }
            const hashed = live ? copy : src;
            const hash = createHash("sha256");
            await pipeline(createReadStream(hashed), hash);
            const size = (await fsp.stat(hashed)).size;
            // A copy of a live file is named by its last write, so two tasks that copy the same file produce one key.
            const name = live ? `${st.mtime.toISOString().replace(/[:.]/g, "-")}-final.jsonl` : file;
            const meta: ItemMeta = {
                id,
                kind: "log",
                name,
                size,
                sha256: hash.digest("hex"),
                contentType: "application/x-ndjson",
                key: archivedLogKey(task, name, st.mtime),
                receivedAt: new Date().toISOString(),
                processed: true,
            };
            await writeFileDurable(path.join(itemDir, META), metaJson(meta));
            await fsp.rename(hashed, original);
            message = { id, kind: "log", size: meta.size, sha256: meta.sha256 };
        } catch {
            // another task queued it first (the rename found no file), or the copy failed: the log stays where it was
            await fsp.rm(itemDir, { recursive: true, force: true });
            continue;
        }
        await fsyncDir(itemDir);
        if (live) await fsp.rm(src, { force: true });
        try {
            await publish(layout, id);
            published.push(message);
        } catch (e) {
            if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e; // an archiver published it after we stalled
        }
        queued++;
    }
    // Logs go through the work queue like uploads; one not sent here is sent by the reconciling scan.
    if (send && published.length > 0) await send(published);
    return queued;
}
