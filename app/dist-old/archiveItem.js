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
exports.Slots = void 0;
exports.archiveItem = archiveItem;
const fs_1 = require("fs");
const path = __importStar(require("path"));
const objectPresence_1 = require("./objectPresence");
const s3_1 = require("./s3");
const store_1 = require("./store");
/** Counts multipart uploads in flight: each holds up to 4 parts in memory. */
class Slots {
    size;
    used = 0;
    waiters = [];
    constructor(size) {
        this.size = size;
    }
    async acquire() {
        while (this.used >= this.size)
            await new Promise((r) => this.waiters.push(r));
        this.used++;
    }
    release() {
        this.used--;
        this.waiters.shift()?.();
    }
}
exports.Slots = Slots;
/**
 * Processes (once) and archives one item that this task claimed under lease `generation`, and removes it from EFS
 * only after S3 confirmed every object. Before each step that writes on EFS it checks that it still owns the item:
 * a peer takes over the claims of a task frozen past its lease, and the two must never both work on it.
 */
async function archiveItem(ctx, id, dir, generation, baseLog) {
    let log = baseLog.child({ uploadId: id });
    let meta;
    try {
        meta = JSON.parse(await (0, store_1.readSmallFile)(path.join(dir, store_1.META)));
    }
    catch (e) {
        if ((0, store_1.isErrno)(e, "ENOENT"))
            return { outcome: { kind: "lost" }, log }; // taken over by another task after we stalled past the lease
        return { outcome: { kind: "quarantine", reason: `unreadable meta.json: ${e instanceof Error ? e.message : String(e)}` }, log };
    }
    if (meta.kind === "log")
        log = baseLog.child({ logItemId: id });
    return { outcome: await archiveMeta(ctx, id, dir, generation, meta, log), log };
}
async function archiveMeta(ctx, id, dir, generation, meta, log) {
    const { config, lease } = ctx;
    const started = Date.now();
    let large = false;
    try {
        // The original leaves EFS first, and only after S3 confirmed every object: if it is gone, a task was
        // killed while cleaning up, and S3 is asked to confirm again instead of being sent the bytes. An item is
        // processed (meta.json says so) before anything is sent, so only a processed item can have lost its
        // original; an unprocessed one is looked at by processing, which opens the original anyway.
        const originalMissing = () => fs_1.promises.access(path.join(dir, store_1.ORIGINAL)).then(() => false, (e) => ((0, store_1.isErrno)(e, "ENOENT") ? true : Promise.reject(e)));
        let originalGone = meta.processed ? await originalMissing() : false;
        if (!meta.processed) {
            if (!lease.owns(generation))
                return { kind: "lost" };
            // Loaded on first use: sharp and file-type cost startup time that archive --once rarely needs.
            const { processItem } = require("./process");
            const thumbKey = `${meta.key.slice(0, meta.key.length - meta.name.length)}thumbnails/${meta.name}.webp`;
            try {
                meta = await processItem(dir, meta, config.allowedTypes, thumbKey);
            }
            catch (e) {
                if (!(0, store_1.isErrno)(e, "ENOENT") || !(await originalMissing()))
                    throw e;
                originalGone = true;
            }
            if (meta.thumbnail)
                log.info("thumbnail written", { key: meta.thumbnail.key, size: meta.thumbnail.size });
        }
        const objects = [];
        const tags = { "upload-id": id, kind: meta.kind };
        if (meta.thumbnail) {
            objects.push({ key: meta.thumbnail.key, file: path.join(dir, store_1.THUMBNAIL), size: meta.thumbnail.size, sha256Hex: meta.thumbnail.sha256, contentType: meta.thumbnail.contentType, metadata: tags });
        }
        objects.push({ key: meta.key, file: path.join(dir, store_1.ORIGINAL), size: meta.size, sha256Hex: meta.sha256, contentType: meta.contentType, metadata: { ...tags, name: encodeURIComponent(meta.name) } });
        large = !originalGone && meta.size > config.multipartPartBytes;
        if (large)
            await ctx.largeSlots.acquire();
        let versionId;
        let alreadyThere = false;
        for (const obj of originalGone ? objects.filter((o) => o.key === meta.key) : objects) {
            if (!lease.owns(generation))
                return { kind: "lost" };
            const r = originalGone ? await (0, s3_1.confirmArchived)(ctx.target, obj) : await (0, s3_1.putVerified)(ctx.target, obj);
            if (obj.key === meta.key) {
                versionId = r.versionId;
                alreadyThere = r.alreadyThere;
            }
        }
        // S3 confirmed every object: only now does the item leave EFS. No fsync: if a crash loses the
        // deletion, the item is archived again, finds its object in place (412) and is cleaned up.
        if (!lease.owns(generation)) {
            log.warn("archived, but the lease lapsed meanwhile: the item is left to the task that took it over", { key: meta.key, versionId, alreadyThere });
            return { kind: "lost" };
        }
        for (const f of meta.thumbnail ? [store_1.ORIGINAL, store_1.THUMBNAIL, store_1.META] : [store_1.ORIGINAL, store_1.META]) {
            await fs_1.promises.unlink(path.join(dir, f)).catch((e) => ((0, store_1.isErrno)(e, "ENOENT") ? undefined : Promise.reject(e)));
        }
        await fs_1.promises.rmdir(dir).catch(() => fs_1.promises.rm(dir, { recursive: true, force: true }));
        ctx.metrics.archivedFiles++;
        if (meta.kind === "upload")
            lease.backlog.addLeft(meta.size);
        ctx.metrics.archivedBytes += meta.size;
        log.info("archived", { key: meta.key, versionId, size: meta.size, sha256: meta.sha256, alreadyThere, ms: Date.now() - started });
        return { kind: "archived" };
    }
    catch (e) {
        ctx.metrics.failures++;
        if ((e instanceof Error && e.name === "ProcessingError") || e instanceof s3_1.ConflictError || e instanceof s3_1.IntegrityError) {
            return { kind: "quarantine", reason: e.message };
        }
        return { kind: "retry", error: e, forbidden: e instanceof objectPresence_1.ForbiddenError };
    }
    finally {
        if (large)
            ctx.largeSlots.release();
    }
}
//# sourceMappingURL=archiveItem.js.map