import { promises as fsp } from "fs";
import * as path from "path";
import { AppConfig } from "../config";
import { Lease } from "../store/lease";
import { Logger } from "../observability/log";
import { Metrics } from "../observability/metrics";
import { parseMeta } from "../store/metaSchema";
import type * as ProcessModule from "./process";
import { ForbiddenError } from "../s3/objectPresence";
import { ArchiveTarget, confirmArchived, ConflictError, IntegrityError, ObjectToArchive, putVerified } from "../s3/s3";
import { isErrno, ItemMeta, META, ORIGINAL, readSmallFile, THUMBNAIL } from "../store/store";

/** What became of one claimed item. */
export type Outcome =
    | { readonly kind: "archived" }
    /** Left in the claim, to be tried again later (S3 away, a network error). */
    | { readonly kind: "retry"; readonly error: unknown; readonly forbidden: boolean }
    /** Must leave the archive queue for quarantine, with this reason. */
    | { readonly kind: "quarantine"; readonly reason: string }
    /** No longer ours: the message's visibility lapsed (another consumer may hold it now). Not touched again. */
    | { readonly kind: "lost" }
    /** Not in uploads/incoming/ (archived by another consumer, quarantined, or held by a task of the version before the queue). */
    | { readonly kind: "gone" };

/** Whether this consumer still holds the item's message (its visibility has not lapsed): asked before every write. */
export interface Hold {
    holds(): boolean;
    /**
     * Aborted once the hold is given up (handed back on SIGTERM, or lost): a multipart upload then stops sending parts
     * and is aborted instead of being left incomplete when the task exits. Absent: never aborted.
     */
    readonly signal?: AbortSignal;
}

/** Counts multipart uploads in flight: each holds up to 4 parts in memory. */
export class Slots {
    private used = 0;
    private readonly waiters: (() => void)[] = [];
    constructor(private readonly size: number) {}
    async acquire(): Promise<void> {
        while (this.used >= this.size) await new Promise<void>((r) => this.waiters.push(r));
        this.used++;
    }
    release(): void {
        this.used--;
        this.waiters.shift()?.();
    }
}

export interface ItemContext {
    readonly config: AppConfig;
    readonly target: ArchiveTarget;
    readonly metrics: Metrics;
    /** Only for the backlog gauge's counters (lease.ts carries them on the heartbeat). */
    readonly lease: Lease;
    readonly largeSlots: Slots;
    /** Items being processed at once (PROCESS_SLOTS). */
    readonly processSlots: Slots;
}

/**
 * Processes (once) and archives one item whose message this task holds, and removes it from EFS only after S3
 * confirmed every object. Before each step that writes on EFS it checks that it still holds the message: once its
 * visibility lapses (a task frozen past it) another consumer may receive it, and the two must not both write.
 */
export async function archiveItem(ctx: ItemContext, id: string, dir: string, hold: Hold, baseLog: Logger): Promise<{ outcome: Outcome; log: Logger }> {
    let log = baseLog.child({ uploadId: id });
    let meta: ItemMeta;
    try {
        meta = parseMeta(await readSmallFile(path.join(dir, META)), id);
    } catch (e) {
        if (isErrno(e, "ENOENT", "ENOTDIR")) return { outcome: { kind: "gone" }, log }; // archived or quarantined by another consumer, or never here
        return { outcome: { kind: "quarantine", reason: `unreadable meta.json: ${e instanceof Error ? e.message : String(e)}` }, log };
    }
    if (meta.kind === "log") log = baseLog.child({ logItemId: id });
    return { outcome: await archiveMeta(ctx, id, dir, hold, meta, log), log };
}

async function archiveMeta(ctx: ItemContext, id: string, dir: string, hold: Hold, meta: ItemMeta, log: Logger): Promise<Outcome> {
    const { config, lease } = ctx;
    const started = Date.now();
    let large = false;
    try {
        // The original leaves EFS first, and only after S3 confirmed every object: if it is gone, a task was
        // killed while cleaning up, and S3 is asked to confirm again instead of being sent the bytes. A processed
        // item (meta.json says so) is looked at here; an unprocessed one (processing found nothing to write down,
        // process.ts) by processing, which opens the original anyway.
        const originalMissing = () =>
            fsp.access(path.join(dir, ORIGINAL)).then(
                () => false,
                (e) => (isErrno(e, "ENOENT") ? true : Promise.reject(e)),
            );
        let originalGone = meta.processed ? await originalMissing() : false;
        if (!meta.processed) {
            if (!hold.holds()) return { kind: "lost" };
            // The chaos specs kill a task on this line: an item whose processing kills its task must end in quarantine
            // through the dead-letter queue, and the line says which item it was.
            log.info("processing started", { size: meta.size });
            // Loaded on first use: sharp and file-type cost startup time that archive --once rarely needs.
            const { processItem } = require("./process") as typeof ProcessModule;
            const thumbKey = `${meta.key.slice(0, meta.key.length - meta.name.length)}thumbnails/${meta.name}.webp`;
            await ctx.processSlots.acquire();
            try {
                meta = await processItem(dir, meta, config.allowedTypes, thumbKey);
            } catch (e) {
                if (!isErrno(e, "ENOENT") || !(await originalMissing())) throw e;
                originalGone = true;
            } finally {
                ctx.processSlots.release();
            }
            if (meta.thumbnail) log.info("thumbnail written", { key: meta.thumbnail.key, size: meta.thumbnail.size });
            else if (meta.noThumbnail) log.warn("no thumbnail", { reason: meta.noThumbnail });
        }
        const objects: ObjectToArchive[] = [];
        const tags = { "upload-id": id, kind: meta.kind };
        if (meta.thumbnail) {
            objects.push({ key: meta.thumbnail.key, file: path.join(dir, THUMBNAIL), size: meta.thumbnail.size, sha256Hex: meta.thumbnail.sha256, contentType: meta.thumbnail.contentType, metadata: tags });
        }
        objects.push({ key: meta.key, file: path.join(dir, ORIGINAL), size: meta.size, sha256Hex: meta.sha256, contentType: meta.contentType, metadata: { ...tags, name: encodeURIComponent(meta.name), ...(meta.noThumbnail ? { "no-thumbnail": encodeURIComponent(meta.noThumbnail) } : {}) } });

        large = !originalGone && meta.size > config.multipartPartBytes;
        if (large) await ctx.largeSlots.acquire();
        let versionId: string | undefined;
        let alreadyThere = false;
        for (const obj of originalGone ? objects.filter((o) => o.key === meta.key) : objects) {
            if (!hold.holds()) return { kind: "lost" };
            const r = originalGone ? await confirmArchived(ctx.target, obj) : await putVerified(ctx.target, obj, hold.signal);
            if (obj.key === meta.key) {
                versionId = r.versionId;
                alreadyThere = r.alreadyThere;
            }
        }
        // S3 confirmed every object: only now does the item leave EFS. No fsync: if a crash loses the
        // deletion, the item is archived again, finds its object in place (412) and is cleaned up.
        if (!hold.holds()) {
            log.warn("archived, but the message's visibility lapsed meanwhile: the item is left to the consumer that holds it now", { key: meta.key, versionId, alreadyThere });
            return { kind: "lost" };
        }
        for (const f of [ORIGINAL, ...(meta.thumbnail ? [THUMBNAIL] : []), META]) {
            await fsp.unlink(path.join(dir, f)).catch((e) => (isErrno(e, "ENOENT") ? undefined : Promise.reject(e)));
        }
        // What else is left (a `queued` mark of the versions before issue 23, a last-error.json) goes with the directory.
        await fsp.rmdir(dir).catch(() => fsp.rm(dir, { recursive: true, force: true }));
        ctx.metrics.archivedFiles++;
        if (meta.kind === "upload") lease.backlog.addLeft(meta.size);
        ctx.metrics.archivedBytes += meta.size;
        log.info("archived", { key: meta.key, versionId, size: meta.size, sha256: meta.sha256, alreadyThere, ms: Date.now() - started });
        return { kind: "archived" };
    } catch (e) {
        ctx.metrics.failures++;
        if ((e instanceof Error && e.name === "ProcessingError") || e instanceof ConflictError || e instanceof IntegrityError) {
            return { kind: "quarantine", reason: e.message };
        }
        return { kind: "retry", error: e, forbidden: e instanceof ForbiddenError };
    } finally {
        if (large) ctx.largeSlots.release();
    }
}
