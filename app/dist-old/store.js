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
exports.REASON = exports.THUMBNAIL = exports.ORIGINAL = exports.META = exports.Layout = void 0;
exports.fsyncDir = fsyncDir;
exports.writeFileDurable = writeFileDurable;
exports.writeFileAtomic = writeFileAtomic;
exports.readMeta = readMeta;
exports.readSmallFile = readSmallFile;
exports.isErrno = isErrno;
exports.list = list;
exports.publish = publish;
exports.findItem = findItem;
exports.exists = exists;
exports.backlog = backlog;
const crypto_1 = require("crypto");
const fs_1 = require("fs");
const path = __importStar(require("path"));
/**
 * The layout of DATA_DIR, shared by every task over NFS. An item is a directory named by its id that
 * holds `meta.json`, the bytes in `original` and, once processed, maybe `thumbnail.webp`. An item
 * moves between the directories below only by rename(2) of the whole directory, which is atomic on
 * one file system (NFS included), so every task sees it in exactly one place.
 *
 *   uploads/tmp/<id>/               being written; never seen by the archiver
 *   uploads/incoming/<id>/          acknowledged, waiting to be claimed
 *   uploads/processing/<task>/<id>/ claimed by <task>
 *   uploads/quarantine/<id>/        failed processing; kept with reason.json
 *   uploads/tasks/<task>.alive      heartbeat of a live task
 *   logs/<task>/current.jsonl       the task's own log, rotated into incoming/ as an item
 */
class Layout {
    dataDir;
    tmp;
    incoming;
    processing;
    quarantine;
    tasks;
    logs;
    constructor(dataDir) {
        this.dataDir = dataDir;
        this.tmp = path.join(dataDir, "uploads", "tmp");
        this.incoming = path.join(dataDir, "uploads", "incoming");
        this.processing = path.join(dataDir, "uploads", "processing");
        this.quarantine = path.join(dataDir, "uploads", "quarantine");
        this.tasks = path.join(dataDir, "uploads", "tasks");
        this.logs = path.join(dataDir, "logs");
    }
    claimDir(task) {
        return path.join(this.processing, task);
    }
    heartbeat(task) {
        return path.join(this.tasks, `${task}.alive`);
    }
    logDir(task) {
        return path.join(this.logs, task);
    }
    async ensure(task) {
        for (const dir of [this.tmp, this.incoming, this.processing, this.quarantine, this.tasks, this.claimDir(task), this.logDir(task)]) {
            await fs_1.promises.mkdir(dir, { recursive: true, mode: 0o750 });
        }
    }
}
exports.Layout = Layout;
exports.META = "meta.json";
exports.ORIGINAL = "original";
exports.THUMBNAIL = "thumbnail.webp";
exports.REASON = "reason.json";
/** fsync a directory so that a rename or create inside it survives a crash of the server or client. */
async function fsyncDir(dir) {
    const fh = await fs_1.promises.open(dir, fs_1.constants.O_RDONLY | fs_1.constants.O_DIRECTORY);
    try {
        await fh.sync();
    }
    finally {
        await fh.close();
    }
}
/** temp name → fsync → rename → fsync of the directory: readers see the old file or the whole new one, never a part, and the new one survives a crash. */
async function writeFileDurable(file, data) {
    await writeFileAtomic(file, data);
    await fsyncDir(path.dirname(file));
}
/**
 * temp name → fsync → rename, without the directory's fsync: for a file whose loss in a crash only means redoing
 * idempotent work (the processed meta.json: the item is processed again). Readers still never see a part.
 */
async function writeFileAtomic(file, data) {
    const tmp = `${file}.${(0, crypto_1.randomUUID)()}.part`;
    const fh = await fs_1.promises.open(tmp, "wx", 0o640);
    try {
        await fh.writeFile(data);
        await fh.sync();
    }
    finally {
        await fh.close();
    }
    try {
        await fs_1.promises.rename(tmp, file);
    }
    catch (e) {
        await fs_1.promises.rm(tmp, { force: true });
        throw e;
    }
}
async function readMeta(itemDir) {
    return JSON.parse(await readSmallFile(path.join(itemDir, exports.META)));
}
/**
 * A small file (meta.json) in as few requests as it takes: open, read, close. readFile() also stats the file first
 * and reads again to find the end, each one more NFS round trip. A read shorter than asked is the end of a regular
 * file (the NFS client returns short reads only at end of file).
 */
async function readSmallFile(file) {
    const fh = await fs_1.promises.open(file, "r");
    try {
        const chunks = [];
        for (;;) {
            const buf = Buffer.allocUnsafe(16 * 1024);
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            chunks.push(buf.subarray(0, bytesRead));
            if (bytesRead < buf.length)
                return Buffer.concat(chunks).toString("utf8");
        }
    }
    finally {
        await fh.close();
    }
}
function isErrno(e, ...codes) {
    return typeof e === "object" && e !== null && codes.includes(e.code ?? "");
}
/** Lists a directory, treating a missing one as empty. */
async function list(dir) {
    try {
        return await fs_1.promises.readdir(dir);
    }
    catch (e) {
        if (isErrno(e, "ENOENT", "ENOTDIR"))
            return [];
        throw e;
    }
}
/**
 * Publishes a fully written item from uploads/tmp/<id> into uploads/incoming/<id>: one atomic rename,
 * then fsync of both directories so the acknowledgement that follows is durable.
 */
async function publish(layout, id) {
    await fs_1.promises.rename(path.join(layout.tmp, id), path.join(layout.incoming, id));
    await fsyncDir(layout.incoming);
    await fsyncDir(layout.tmp);
}
/** Where an item is on EFS right now, if anywhere. */
async function findItem(layout, id) {
    const candidates = [path.join(layout.incoming, id)];
    for (const task of await list(layout.processing))
        candidates.push(path.join(layout.processing, task, id));
    for (const dir of candidates) {
        if (await exists(path.join(dir, exports.META)))
            return { dir, quarantined: false };
    }
    const q = path.join(layout.quarantine, id);
    if (await exists(path.join(q, exports.META)))
        return { dir: q, quarantined: true };
    return undefined;
}
async function exists(file) {
    try {
        await fs_1.promises.access(file);
        return true;
    }
    catch {
        return false;
    }
}
/** Files and bytes waiting on EFS to be archived (incoming + claimed), for backpressure and metrics. */
async function backlog(layout) {
    const dirs = (await list(layout.incoming)).map((id) => path.join(layout.incoming, id));
    for (const task of await list(layout.processing)) {
        for (const id of await list(path.join(layout.processing, task)))
            dirs.push(path.join(layout.processing, task, id));
    }
    let files = 0;
    let bytes = 0;
    await Promise.all(dirs.map(async (dir) => {
        try {
            const st = await fs_1.promises.stat(path.join(dir, exports.ORIGINAL));
            files++;
            bytes += st.size;
        }
        catch {
            // archived or moved between the listing and the stat
        }
    }));
    return { files, bytes };
}
//# sourceMappingURL=store.js.map