import { S3Client } from "@aws-sdk/client-s3";
import { promises as fsp } from "fs";
import * as path from "path";
import { AppConfig } from "./config";
import { enqueueRotatedLogs, errorFields, Logger } from "./log";
import { Metrics } from "./metrics";
import type * as ProcessModule from "./process";
import { SignedPut } from "./put";
import { ArchiveTarget, confirmArchived, ConflictError, IntegrityError, ObjectToArchive, putVerified } from "./s3";
import { exists, fsyncDir, isErrno, ItemMeta, Layout, list, META, ORIGINAL, publish, readMeta, REASON, THUMBNAIL, writeFileDurable } from "./store";

const MAX_BACKOFF_MS = 15_000;
/** Multipart uploads in flight at once per task: each holds up to 4 parts in memory. */
const LARGE_SLOTS = 2;
/** A file under uploads/tmp untouched this long belongs to an upload that never completed. */
const STALE_TMP_MS = 3600_000;

interface Attempt {
    failures: number;
    notBefore: number;
}

/**
 * The archive worker that runs in every task. Claims items by renaming them from incoming/ into this
 * task's own processing/<task>/ directory (rename is atomic on NFS, so exactly one task wins), archives
 * them, and only then deletes them. Keeps a heartbeat; the claims of a task whose heartbeat is older
 * than the lease are renamed into a live task's directory and archived there.
 */
export class Archiver {
    private readonly claimDir: string;
    private readonly inFlight = new Set<string>();
    private readonly attempts = new Map<string, Attempt>();
    private readonly quarantined = new Set<string>();
    private queue: string[] = [];
    private largeInFlight = 0;
    private readonly largeWaiters: (() => void)[] = [];
    private running = false;
    private readonly waiters = new Set<() => void>();
    private heartbeatTimer?: NodeJS.Timeout;
    private workers: Promise<void>[] = [];
    private readonly target: ArchiveTarget;

    constructor(
        private readonly config: AppConfig,
        private readonly layout: Layout,
        private readonly client: S3Client,
        private readonly log: Logger,
        private readonly metrics: Metrics,
    ) {
        this.claimDir = layout.claimDir(config.taskId);
        this.target = { client, signedPut: new SignedPut(client, config.region, config.s3Endpoint), bucket: config.bucket, partSize: config.multipartPartBytes };
    }

    async init(): Promise<void> {
        await this.layout.ensure(this.config.taskId);
        await this.beat();
        this.heartbeatTimer = setInterval(() => {
            this.beat().catch((e) => this.log.error("heartbeat failed", errorFields(e)));
        }, Math.max(250, (this.config.claimLeaseSeconds * 1000) / 4));
        this.heartbeatTimer.unref();
    }

    /** Writing (not utimes) makes the NFS server stamp the mtime, so leases compare server times only. */
    private async beat(): Promise<void> {
        await fsp.writeFile(this.layout.heartbeat(this.config.taskId), `${Date.now()}\n`);
    }

    /** Serve mode: workers run until stop(). */
    start(): void {
        this.running = true;
        for (let i = 0; i < this.config.archiveConcurrency; i++) this.workers.push(this.workLoop());
    }

    /** Called after a local upload is published, so it is archived without waiting for the next poll. */
    notify(): void {
        for (const w of this.waiters) w();
    }

    /** Stops the workers and hands unfinished claims back. The heartbeat goes on until {@link retire}. */
    async stop(): Promise<void> {
        this.running = false;
        this.notify();
        await Promise.all(this.workers);
        await this.releaseClaims();
    }

    /**
     * Ends the heartbeat, last: until then this task still writes its own log, and a peer that saw no heartbeat
     * would take that log over while lines are still being appended to it.
     */
    async retire(): Promise<void> {
        if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
        await fsp.rm(this.layout.heartbeat(this.config.taskId), { force: true });
    }

    /** Hands this task's unfinished claims back to incoming/ so other tasks need not wait for the lease. */
    private async releaseClaims(): Promise<void> {
        for (const id of await list(this.claimDir)) {
            await fsp.rename(path.join(this.claimDir, id), path.join(this.layout.incoming, id)).catch(() => undefined);
        }
        await fsp.rmdir(this.claimDir).catch(() => undefined);
    }

    /**
     * `archive --once`: drain DATA_DIR (everything not claimed by a live task), retrying each item a few
     * times, and report what could not be archived.
     */
    async drain(maxFailuresPerItem = 3): Promise<{ archived: number; failed: string[] }> {
        this.running = true;
        const failedIds = new Set<string>();
        const before = this.metrics.archivedFiles;
        // However an item behaves, the drain ends: one that keeps coming back without being archived, failing
        // or quarantined is reported as failed after a bounded number of passes.
        const handled = new Map<string, number>();
        const maxPasses = maxFailuresPerItem * 2 + 2;
        for (;;) {
            await this.refill(true);
            const eligible = this.queue.filter((id) => (this.attempts.get(id)?.failures ?? 0) < maxFailuresPerItem);
            this.queue = [];
            if (eligible.length === 0) break;
            let next = 0;
            await Promise.all(
                Array.from({ length: this.config.archiveConcurrency }, async () => {
                    while (next < eligible.length) {
                        const id = eligible[next++];
                        const passes = (handled.get(id) ?? 0) + 1;
                        handled.set(id, passes);
                        if (passes > maxPasses) {
                            this.attempts.set(id, { failures: maxFailuresPerItem, notBefore: 0 });
                            this.log.error("item neither archived nor failed after repeated passes; left on EFS", { uploadId: id, passes: passes - 1 });
                            continue;
                        }
                        const wait = (this.attempts.get(id)?.notBefore ?? 0) - Date.now();
                        if (wait > 0) await sleep(wait);
                        await this.handle(id);
                    }
                }),
            );
        }
        for (const id of await list(this.claimDir)) failedIds.add(id);
        for (const [id, a] of this.attempts) if (a.failures >= maxFailuresPerItem) failedIds.add(id);
        for (const id of this.quarantined) failedIds.add(id);
        this.running = false;
        return { archived: this.metrics.archivedFiles - before, failed: [...failedIds] };
    }

    private async workLoop(): Promise<void> {
        while (this.running) {
            const id = this.queue.shift();
            if (id === undefined) {
                if (!this.refilling) {
                    this.refilling = this.refill().finally(() => (this.refilling = undefined));
                }
                await this.refilling.catch((e) => this.log.error("scan failed", errorFields(e)));
                if (this.queue.length === 0 && this.running) {
                    await new Promise<void>((resolve) => {
                        const done = () => {
                            clearTimeout(t);
                            this.waiters.delete(done);
                            resolve();
                        };
                        const t = setTimeout(done, 1000);
                        this.waiters.add(done);
                    });
                }
                continue;
            }
            await this.handle(id);
        }
    }
    private refilling?: Promise<void>;

    /** Finds work: this task's own claims that are due, dead tasks' claims (taken over), then incoming/. */
    private async refill(includeDeferred = false): Promise<void> {
        await this.takeOverDeadTasks();
        const now = includeDeferred ? Infinity : Date.now();
        const mine = (await list(this.claimDir)).filter((id) => !this.inFlight.has(id) && (this.attempts.get(id)?.notBefore ?? 0) <= now);
        // Shuffled so that tasks scanning the same directory rarely race for the same item.
        const incoming = shuffle((await list(this.layout.incoming)).filter((id) => !this.inFlight.has(id)));
        const queued = new Set(this.queue);
        for (const id of [...mine, ...incoming]) if (!queued.has(id)) this.queue.push(id);
    }

    private async takeOverDeadTasks(): Promise<void> {
        const me = this.config.taskId;
        const myBeat = await fsp.stat(this.layout.heartbeat(me)).catch(() => undefined);
        if (!myBeat) return;
        const leaseMs = this.config.claimLeaseSeconds * 1000;
        const tasks = new Set([...(await list(this.layout.processing)), ...(await list(this.layout.logs))]);
        for (const task of tasks) {
            if (task === me) continue;
            const beat = await fsp.stat(this.layout.heartbeat(task)).catch(() => undefined);
            const lastSign = beat ?? (await fsp.stat(this.layout.claimDir(task)).catch(() => undefined)) ?? (await fsp.stat(this.layout.logDir(task)).catch(() => undefined));
            if (!lastSign || myBeat.mtimeMs - lastSign.mtimeMs <= leaseMs) continue;
            let taken = 0;
            for (const id of await list(this.layout.claimDir(task))) {
                try {
                    await fsp.rename(path.join(this.layout.claimDir(task), id), path.join(this.claimDir, id));
                    taken++;
                } catch (e) {
                    if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e;
                }
            }
            const logs = await enqueueRotatedLogs(this.layout, task, true).catch(() => 0);
            if (taken > 0 || logs > 0) {
                await fsyncDir(this.claimDir);
                this.log.warn("took over claims of a task whose lease expired", { deadTask: task, items: taken, logFiles: logs });
            }
            await fsp.rmdir(this.layout.claimDir(task)).catch(() => undefined);
            await fsp.rmdir(this.layout.logDir(task)).catch(() => undefined);
            if ((await list(this.layout.claimDir(task))).length === 0) await fsp.rm(this.layout.heartbeat(task), { force: true });
        }
        await this.removeStaleTmp();
    }

    private async removeStaleTmp(): Promise<void> {
        const now = Date.now();
        for (const id of await list(this.layout.tmp)) {
            const dir = path.join(this.layout.tmp, id);
            let newest = 0;
            for (const f of ["", ...(await list(dir))]) {
                const st = await fsp.stat(path.join(dir, f)).catch(() => undefined);
                if (st) newest = Math.max(newest, st.mtimeMs);
            }
            // A complete log item (its file already moved in) whose task died before publishing it holds the only
            // copy of that log: publish it once it is older than a lease, never delete it.
            const meta = await readMeta(dir).catch(() => undefined);
            if (meta?.kind === "log" && newest > 0 && now - newest > this.config.claimLeaseSeconds * 1000 && (await exists(path.join(dir, ORIGINAL)))) {
                try {
                    await publish(this.layout, id);
                    this.log.warn("published a log item that a stopped task left unpublished", { logItemId: id, key: meta.key });
                } catch (e) {
                    if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e; // another task published it first
                }
                continue;
            }
            if (newest > 0 && now - newest > STALE_TMP_MS) {
                await fsp.rm(dir, { recursive: true, force: true });
                this.log.warn("removed an upload that was never completed", { uploadId: id });
            }
        }
    }

    /** Claims (if needed) and archives one item. Never throws: failures are logged and retried later. */
    private async handle(id: string): Promise<void> {
        if (this.inFlight.has(id)) return;
        this.inFlight.add(id);
        const claimed = path.join(this.claimDir, id);
        try {
            if (!(await this.claim(id, claimed))) return;
            await this.archiveClaimed(id, claimed);
        } finally {
            this.inFlight.delete(id);
        }
    }

    private async claim(id: string, claimed: string): Promise<boolean> {
        try {
            await fsp.rename(path.join(this.layout.incoming, id), claimed);
            this.metrics.claims++;
            return true;
        } catch (e) {
            if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e;
            // Either another task won, or it is already ours (our own claim, or a retransmitted NFS
            // rename whose first attempt succeeded): check our directory.
            try {
                await fsp.access(path.join(claimed, META));
                return true;
            } catch {
                await this.removeArchivedLeftover(id, claimed);
                return false;
            }
        }
    }

    /**
     * A claimed directory without meta.json is an item S3 already confirmed: its files go in the order original,
     * thumbnail, meta.json, and the directory last, so a task killed in between leaves exactly this. Finishing
     * the removal loses nothing; a directory that still holds the original is quarantined instead, never deleted.
     */
    private async removeArchivedLeftover(id: string, dir: string): Promise<void> {
        let files: string[];
        try {
            files = await fsp.readdir(dir);
        } catch (e) {
            if (isErrno(e, "ENOENT", "ENOTDIR")) return; // not ours: another task claimed it
            throw e;
        }
        if (files.includes(ORIGINAL)) {
            await this.quarantine(id, dir, "meta.json is missing but the original is still there");
            return;
        }
        await fsp.rm(dir, { recursive: true, force: true });
        this.log.warn("finished removing an archived item whose cleanup was cut short", { uploadId: id, leftover: files });
    }

    private async archiveClaimed(id: string, dir: string): Promise<void> {
        let meta: ItemMeta;
        try {
            meta = await readMeta(dir);
        } catch (e) {
            if (isErrno(e, "ENOENT")) return; // taken over by another task after we stalled past the lease
            await this.quarantine(id, dir, `unreadable meta.json: ${errorFields(e).error}`);
            return;
        }
        const log = meta.kind === "upload" ? this.log.child({ uploadId: id }) : this.log.child({ logItemId: id });
        const started = Date.now();
        let large = false;
        try {
            // The original leaves EFS first, and only after S3 confirmed every object: if it is gone, a task was
            // killed while cleaning up, and S3 is asked to confirm again instead of being sent the bytes.
            const originalGone = await fsp.access(path.join(dir, ORIGINAL)).then(
                () => false,
                (e) => (isErrno(e, "ENOENT") ? true : Promise.reject(e)),
            );
            if (!meta.processed && !originalGone) {
                // Loaded on first use: sharp and file-type cost startup time that archive --once rarely needs.
                const { processItem } = require("./process") as typeof ProcessModule;
                const thumbKey = `${meta.key.slice(0, meta.key.length - meta.name.length)}thumbnails/${meta.name}.webp`;
                meta = await processItem(dir, meta, this.config.allowedTypes, thumbKey);
                if (meta.thumbnail) log.info("thumbnail written", { key: meta.thumbnail.key, size: meta.thumbnail.size });
            }
            const objects: ObjectToArchive[] = [];
            const tags = { "upload-id": id, kind: meta.kind };
            if (meta.thumbnail) {
                objects.push({ key: meta.thumbnail.key, file: path.join(dir, THUMBNAIL), size: meta.thumbnail.size, sha256Hex: meta.thumbnail.sha256, contentType: meta.thumbnail.contentType, metadata: tags });
            }
            objects.push({ key: meta.key, file: path.join(dir, ORIGINAL), size: meta.size, sha256Hex: meta.sha256, contentType: meta.contentType, metadata: { ...tags, name: encodeURIComponent(meta.name) } });

            large = !originalGone && meta.size > this.config.multipartPartBytes;
            if (large) await this.acquireLarge();
            let versionId: string | undefined;
            let alreadyThere = false;
            for (const obj of originalGone ? objects.filter((o) => o.key === meta.key) : objects) {
                const r = originalGone ? await confirmArchived(this.target, obj) : await putVerified(this.target, obj);
                if (obj.key === meta.key) {
                    versionId = r.versionId;
                    alreadyThere = r.alreadyThere;
                }
            }
            // S3 confirmed every object: only now does the item leave EFS. No fsync: if a crash loses the
            // deletion, the item is archived again, finds its object in place (412) and is cleaned up.
            for (const f of meta.thumbnail ? [ORIGINAL, THUMBNAIL, META] : [ORIGINAL, META]) {
                await fsp.unlink(path.join(dir, f)).catch((e) => (isErrno(e, "ENOENT") ? undefined : Promise.reject(e)));
            }
            await fsp.rmdir(dir).catch(() => fsp.rm(dir, { recursive: true, force: true }));
            this.attempts.delete(id);
            this.metrics.archivedFiles++;
            this.metrics.archivedBytes += meta.size;
            log.info("archived", { key: meta.key, versionId, size: meta.size, sha256: meta.sha256, alreadyThere, ms: Date.now() - started });
        } catch (e) {
            if ((e instanceof Error && e.name === "ProcessingError") || e instanceof ConflictError || e instanceof IntegrityError) {
                this.metrics.failures++;
                await this.quarantine(id, dir, e.message, log);
                return;
            }
            this.metrics.failures++;
            const a = this.attempts.get(id) ?? { failures: 0, notBefore: 0 };
            a.failures++;
            const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** a.failures) * (0.5 + Math.random() / 2);
            a.notBefore = Date.now() + backoff;
            this.attempts.set(id, a);
            log.warn("archive failed, will retry; the file stays on EFS", { ...errorFields(e), attempt: a.failures, retryInMs: Math.round(backoff) });
        } finally {
            if (large) this.releaseLarge();
        }
    }

    private async quarantine(id: string, dir: string, reason: string, log: Logger = this.log.child({ uploadId: id })): Promise<void> {
        try {
            await writeFileDurable(path.join(dir, REASON), JSON.stringify({ reason, task: this.config.taskId, at: new Date().toISOString() }));
            await fsp.rename(dir, path.join(this.layout.quarantine, id));
            await fsyncDir(this.layout.quarantine);
            this.attempts.delete(id);
            this.quarantined.add(id);
            log.error("quarantined", { reason });
        } catch (e) {
            log.error("quarantine failed; item left in claim directory", { reason, ...errorFields(e) });
        }
    }

    private async acquireLarge(): Promise<void> {
        while (this.largeInFlight >= LARGE_SLOTS) await new Promise<void>((r) => this.largeWaiters.push(r));
        this.largeInFlight++;
    }
    private releaseLarge(): void {
        this.largeInFlight--;
        this.largeWaiters.shift()?.();
    }
}

function shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}
