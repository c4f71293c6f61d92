"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.LogFile = exports.Logger = void 0;
exports.errorFields = errorFields;
exports.enqueueRotatedLogs = enqueueRotatedLogs;
const crypto_1 = require("crypto");
const fs_1 = require("fs");
const fs = __importStar(require("fs"));
const path = __importStar(require("path"));
const promises_1 = require("stream/promises");
const logKey_1 = require("./logKey");
const store_1 = require("./store");
/**
 * One JSON object per line, to stdout (the container log driver) and to DATA_DIR/logs/<task>/current.jsonl,
 * which is rotated by size or age into the archive queue like any upload.
 */
class Logger {
    fields;
    sink;
    constructor(fields = {}, sink) {
        this.fields = fields;
        this.sink = sink;
    }
    /** A child writes wherever its root writes at the time of each line, so a log file swapped later is followed. */
    child(fields) {
        const c = new Logger({ ...this.fields, ...fields });
        c.parent = this;
        return c;
    }
    parent;
    currentSink() {
        return this.sink ?? this.parent?.currentSink();
    }
    attach(sink) {
        this.sink = sink;
    }
    info(msg, fields = {}) {
        this.write("info", msg, fields);
    }
    warn(msg, fields = {}) {
        this.write("warn", msg, fields);
    }
    error(msg, fields = {}) {
        this.write("error", msg, fields);
    }
    write(level, msg, fields) {
        const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...this.fields, ...fields }) + "\n";
        process.stdout.write(line);
        this.currentSink()?.append(line);
    }
}
exports.Logger = Logger;
function errorFields(e) {
    if (e instanceof Error)
        return { error: e.message, errorName: e.name };
    return { error: String(e) };
}
/** Lines kept in memory while a lapsed lease fences the file, for the log file of the next generation. */
const MAX_PENDING_BYTES = 1024 * 1024;
/**
 * The task's log file on EFS. Appends are synchronous so that a line written is a line kept. Every append first
 * asks `owns()`: once the lease it was opened under has lapsed, a peer may have taken this file over, so the file
 * is closed without being touched again (fenced) and later lines wait in memory for the next generation's file.
 */
class LogFile {
    layout;
    task;
    rotateBytes;
    rotateSeconds;
    owns;
    onFenced;
    fd;
    bytes = 0;
    openedAt = Date.now();
    current;
    rotating = Promise.resolve();
    rotationQueued = false;
    fenced = false;
    pending = [];
    pendingBytes = 0;
    constructor(layout, task, rotateBytes, rotateSeconds, owns = () => true, onFenced = () => undefined) {
        this.layout = layout;
        this.task = task;
        this.rotateBytes = rotateBytes;
        this.rotateSeconds = rotateSeconds;
        this.owns = owns;
        this.onFenced = onFenced;
        this.current = path.join(layout.logDir(task), "current.jsonl");
        this.fd = fs.openSync(this.current, "a", 0o640);
        this.bytes = fs.fstatSync(this.fd).size;
    }
    append(line) {
        if (this.fd >= 0 && !this.owns())
            this.fence();
        if (this.fenced) {
            if (this.pendingBytes + line.length <= MAX_PENDING_BYTES) {
                this.pending.push(line);
                this.pendingBytes += line.length;
            }
            return;
        }
        if (this.fd < 0)
            return;
        try {
            this.bytes += fs.writeSync(this.fd, line);
        }
        catch (e) {
            process.stderr.write(`log file write failed: ${String(e)}\n`);
            return;
        }
        if (!this.rotationQueued && (this.bytes >= this.rotateBytes || Date.now() - this.openedAt >= this.rotateSeconds * 1000)) {
            this.rotationQueued = true;
            this.rotateSoon();
        }
    }
    /** Stops writing this file for good, without renaming or syncing it: it may already be a peer's. */
    fence() {
        if (this.fd >= 0) {
            try {
                fs.closeSync(this.fd);
            }
            catch {
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
    abandon() {
        this.fence();
        const lines = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        return lines;
    }
    rotateSoon() {
        this.rotating = this.rotating.then(() => this.rotate()).catch((e) => {
            process.stderr.write(`log rotation failed: ${String(e)}\n`);
        });
    }
    /** Closes the current file, renames it aside and queues every rotated file for archiving. */
    async rotate(reopen = true) {
        this.rotationQueued = false;
        if (this.fd < 0)
            return;
        if (!this.owns()) {
            this.fence();
            return;
        }
        fs.fsyncSync(this.fd);
        fs.closeSync(this.fd);
        this.fd = -1;
        if (this.bytes > 0) {
            fs.renameSync(this.current, path.join(this.layout.logDir(this.task), `${new Date().toISOString().replace(/[:.]/g, "-")}-${(0, crypto_1.randomUUID)().slice(0, 8)}.jsonl`));
        }
        if (reopen) {
            this.fd = fs.openSync(this.current, "a", 0o640);
            this.bytes = 0;
            this.openedAt = Date.now();
        }
        await enqueueRotatedLogs(this.layout, this.task);
    }
    /** Rotates one last time and waits until everything written is queued; later lines go to stdout only. */
    async close() {
        await this.rotating;
        if (this.fenced)
            return;
        await this.rotate(false);
        if (!this.fenced)
            await fs_1.promises.rm(this.current, { force: true });
    }
}
exports.LogFile = LogFile;
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
async function enqueueRotatedLogs(layout, task, includeCurrent = false) {
    const dir = layout.logDir(task);
    let queued = 0;
    for (const file of await (0, store_1.list)(dir)) {
        const live = file === "current.jsonl";
        if (!file.endsWith(".jsonl") || (live && !includeCurrent))
            continue;
        const src = path.join(dir, file);
        const st = await fs_1.promises.stat(src).catch(() => undefined);
        if (!st || !st.isFile())
            continue;
        if (st.size === 0) {
            await fs_1.promises.rm(src, { force: true });
            continue;
        }
        const id = (0, crypto_1.randomUUID)();
        const itemDir = path.join(layout.tmp, id);
        const original = path.join(itemDir, store_1.ORIGINAL);
        await fs_1.promises.mkdir(itemDir, { mode: 0o750 });
        try {
            const copy = `${original}.part`;
            if (live) {
                await fs_1.promises.copyFile(src, copy);
                const fh = await fs_1.promises.open(copy, "r+");
                await fh.sync().finally(() => fh.close());
            }
            const hashed = live ? copy : src;
            const hash = (0, crypto_1.createHash)("sha256");
            await (0, promises_1.pipeline)((0, fs_1.createReadStream)(hashed), hash);
            const size = (await fs_1.promises.stat(hashed)).size;
            // A copy of a live file is named by its last write, so two tasks that copy the same file produce one key.
            const name = live ? `${st.mtime.toISOString().replace(/[:.]/g, "-")}-final.jsonl` : file;
            const meta = {
                id,
                kind: "log",
                name,
                size,
                sha256: hash.digest("hex"),
                contentType: "application/x-ndjson",
                key: (0, logKey_1.archivedLogKey)(task, name, st.mtime),
                receivedAt: new Date().toISOString(),
                processed: true,
            };
            await (0, store_1.writeFileDurable)(path.join(itemDir, store_1.META), JSON.stringify(meta));
            await fs_1.promises.rename(hashed, original);
        }
        catch {
            // another task queued it first (the rename found no file), or the copy failed: the log stays where it was
            await fs_1.promises.rm(itemDir, { recursive: true, force: true });
            continue;
        }
        await (0, store_1.fsyncDir)(itemDir);
        if (live)
            await fs_1.promises.rm(src, { force: true });
        try {
            await (0, store_1.publish)(layout, id);
        }
        catch (e) {
            if (!(0, store_1.isErrno)(e, "ENOENT", "EEXIST", "ENOTEMPTY"))
                throw e; // an archiver published it after we stalled
        }
        queued++;
    }
    return queued;
}
//# sourceMappingURL=log.js.map