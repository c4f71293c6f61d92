import { createHash, randomUUID } from "crypto";
import { createReadStream, promises as fsp } from "fs";
import * as fs from "fs";
import * as path from "path";
import { pipeline } from "stream/promises";
import { fsyncDir, isErrno, ItemMeta, Layout, list, META, ORIGINAL, publish, writeFileDurable } from "./store";

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

    child(fields: Fields): Logger {
        const c = new Logger({ ...this.fields, ...fields }, this.sink);
        c.parent = this;
        return c;
    }
    private parent?: Logger;

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
        (this.sink ?? this.parent?.sink)?.append(line);
    }
}

export function errorFields(e: unknown): Fields {
    if (e instanceof Error) return { error: e.message, errorName: e.name };
    return { error: String(e) };
}

/** The task's log file on EFS. Appends are synchronous so that a line written is a line kept. */
export class LogFile {
    private fd: number;
    private bytes = 0;
    private openedAt = Date.now();
    private readonly current: string;
    private rotating: Promise<void> = Promise.resolve();
    private rotationQueued = false;

    constructor(
        private readonly layout: Layout,
        private readonly task: string,
        private readonly rotateBytes: number,
        private readonly rotateSeconds: number,
    ) {
        this.current = path.join(layout.logDir(task), "current.jsonl");
        this.fd = fs.openSync(this.current, "a", 0o640);
        this.bytes = fs.fstatSync(this.fd).size;
    }

    append(line: string): void {
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

    private rotateSoon(): void {
        this.rotating = this.rotating.then(() => this.rotate()).catch((e) => {
                process.stderr.write(`log rotation failed: ${String(e)}\n`);
            });
    }

    /** Closes the current file, renames it aside and queues every rotated file for archiving. */
    private async rotate(reopen = true): Promise<void> {
        this.rotationQueued = false;
        if (this.fd < 0) return;
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
        await enqueueRotatedLogs(this.layout, this.task);
    }

    /** Rotates one last time and waits until everything written is queued; later lines go to stdout only. */
    async close(): Promise<void> {
        await this.rotating;
        await this.rotate(false);
        await fsp.rm(this.current, { force: true });
    }
}

/**
 * Queues every rotated log of `task` (all but current.jsonl, or all of them when `includeCurrent`, for
 * a task that died) as an item in incoming/. Safe to repeat after a crash at any step: a rotated file
 * stays in logs/<task>/ until it is moved into its complete item in uploads/tmp/, and an archiver
 * publishes any complete log item it finds there older than a lease (Archiver.removeStaleTmp).
 */
export async function enqueueRotatedLogs(layout: Layout, task: string, includeCurrent = false): Promise<number> {
    const dir = layout.logDir(task);
    let queued = 0;
    for (const file of await list(dir)) {
        if (!file.endsWith(".jsonl") || (file === "current.jsonl" && !includeCurrent)) continue;
        const src = path.join(dir, file);
        const st = await fsp.stat(src).catch(() => undefined);
        if (!st || !st.isFile()) continue;
        if (st.size === 0) {
            await fsp.rm(src, { force: true });
            continue;
        }
        const hash = createHash("sha256");
        await pipeline(createReadStream(src), hash);
        const id = randomUUID();
        const itemDir = path.join(layout.tmp, id);
        await fsp.mkdir(itemDir, { mode: 0o750 });
        const name = file === "current.jsonl" ? `${new Date().toISOString().replace(/[:.]/g, "-")}-final.jsonl` : file;
        const meta: ItemMeta = {
            id,
            kind: "log",
            name,
            size: st.size,
            sha256: hash.digest("hex"),
            contentType: "application/x-ndjson",
            key: `logs/${task}/${name}`,
            receivedAt: new Date().toISOString(),
            processed: true,
        };
        await writeFileDurable(path.join(itemDir, META), JSON.stringify(meta));
        try {
            await fsp.rename(src, path.join(itemDir, ORIGINAL));
        } catch (e) {
            // another task queued it first
            await fsp.rm(itemDir, { recursive: true, force: true });
            continue;
        }
        await fsyncDir(itemDir);
        try {
            await publish(layout, id);
        } catch (e) {
            if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e; // an archiver published it after we stalled
        }
        queued++;
    }
    return queued;
}
