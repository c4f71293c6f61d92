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
exports.takeOverExpired = takeOverExpired;
const fs_1 = require("fs");
const path = __importStar(require("path"));
const log_1 = require("./log");
const store_1 = require("./store");
/** A file under uploads/tmp untouched this long belongs to an upload that never completed. */
const STALE_TMP_MS = 3600_000;
/**
 * Takes over what tasks whose lease expired left behind: their claims are renamed into this task's claim directory
 * (one winner per item) and their logs are queued for archiving. Only server times are compared: another task's
 * heartbeat mtime with this task's own. A task whose own lease has lapsed takes nothing: it may be the one frozen.
 */
async function takeOverExpired(layout, lease, log) {
    const generation = lease.generation;
    const me = lease.id;
    const myBeat = await fs_1.promises.stat(layout.heartbeat(me)).catch(() => undefined);
    if (!myBeat || !lease.owns(generation))
        return;
    const leaseMs = lease.leaseSeconds * 1000;
    const tasks = new Set([...(await (0, store_1.list)(layout.processing)), ...(await (0, store_1.list)(layout.logs))]);
    for (const task of tasks) {
        if (task === me)
            continue;
        const beat = await fs_1.promises.stat(layout.heartbeat(task)).catch(() => undefined);
        const lastSign = beat ?? (await fs_1.promises.stat(layout.claimDir(task)).catch(() => undefined)) ?? (await fs_1.promises.stat(layout.logDir(task)).catch(() => undefined));
        if (!lastSign || myBeat.mtimeMs - lastSign.mtimeMs <= leaseMs)
            continue;
        if (!lease.owns(generation))
            return;
        let taken = 0;
        for (const id of await (0, store_1.list)(layout.claimDir(task))) {
            try {
                await fs_1.promises.rename(path.join(layout.claimDir(task), id), path.join(layout.claimDir(me), id));
                taken++;
            }
            catch (e) {
                if (!(0, store_1.isErrno)(e, "ENOENT", "EEXIST", "ENOTEMPTY"))
                    throw e;
            }
        }
        // Its live log is copied, never moved: if the task was only frozen, a write it had already begun must not
        // land in bytes that are being archived (Lease keeps a resumed task from starting new ones).
        const logs = await (0, log_1.enqueueRotatedLogs)(layout, task, true).catch(() => 0);
        if (taken > 0 || logs > 0) {
            await (0, store_1.fsyncDir)(layout.claimDir(me));
            log.warn("took over claims of a task whose lease expired", { deadTask: task, items: taken, logFiles: logs });
        }
        await fs_1.promises.rmdir(layout.claimDir(task)).catch(() => undefined);
        await fs_1.promises.rmdir(layout.logDir(task)).catch(() => undefined);
        if ((await (0, store_1.list)(layout.claimDir(task))).length === 0)
            await fs_1.promises.rm(layout.heartbeat(task), { force: true });
    }
    await removeStaleTmp(layout, lease.leaseSeconds * 1000, log);
}
/**
 * Publishes complete log items that a stopped task left in uploads/tmp (they hold the only copy of that log) and
 * removes uploads that never completed (they were never acknowledged).
 */
async function removeStaleTmp(layout, leaseMs, log) {
    const now = Date.now();
    for (const id of await (0, store_1.list)(layout.tmp)) {
        const dir = path.join(layout.tmp, id);
        let newest = 0;
        for (const f of ["", ...(await (0, store_1.list)(dir))]) {
            const st = await fs_1.promises.stat(path.join(dir, f)).catch(() => undefined);
            if (st)
                newest = Math.max(newest, st.mtimeMs);
        }
        const meta = await (0, store_1.readMeta)(dir).catch(() => undefined);
        if (meta?.kind === "log" && newest > 0 && now - newest > leaseMs && (await (0, store_1.exists)(path.join(dir, store_1.ORIGINAL)))) {
            try {
                await (0, store_1.publish)(layout, id);
                log.warn("published a log item that a stopped task left unpublished", { logItemId: id, key: meta.key });
            }
            catch (e) {
                if (!(0, store_1.isErrno)(e, "ENOENT", "EEXIST", "ENOTEMPTY"))
                    throw e; // another task published it first
            }
            continue;
        }
        if (newest > 0 && now - newest > STALE_TMP_MS) {
            await fs_1.promises.rm(dir, { recursive: true, force: true });
            log.warn("removed an upload that was never completed", { uploadId: id });
        }
    }
}
//# sourceMappingURL=takeover.js.map