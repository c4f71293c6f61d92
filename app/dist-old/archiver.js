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
exports.Archiver = exports.MAX_FORBIDDEN_ATTEMPTS = void 0;
exports.sleep = sleep;
const fs_1 = require("fs");
const path = __importStar(require("path"));
const archiveItem_1 = require("./archiveItem");
const log_1 = require("./log");
const put_1 = require("./put");
const store_1 = require("./store");
const takeover_1 = require("./takeover");
const MAX_BACKOFF_MS = 15_000;
/** Multipart uploads in flight at once per task: each holds up to 4 parts in memory. */
const LARGE_SLOTS = 2;
/**
 * Attempts before an item S3 refuses to confirm (403 on both HeadObject and the listing of its key) is quarantined:
 * a missing permission does not heal by retrying, and an item retried forever hides it.
 */
exports.MAX_FORBIDDEN_ATTEMPTS = 5;
/**
 * The archive worker that runs in every task. Claims items by renaming them from incoming/ into this
 * task's own processing/<task>/ directory (rename is atomic on NFS, so exactly one task wins), archives
 * them, and only then deletes them. The claims of a task whose lease expired are taken over (takeover.ts);
 * every claim is made under the current lease generation and abandoned if that lease lapses (lease.ts).
 */
class Archiver {
    config;
    layout;
    log;
    metrics;
    lease;
    attempts = new Map();
    quarantined = new Set();
    queue = [];
    inFlight = new Set();
    running = false;
    waiters = new Set();
    workers = [];
    refilling;
    item;
    constructor(config, layout, client, log, metrics, lease) {
        this.config = config;
        this.layout = layout;
        this.log = log;
        this.metrics = metrics;
        this.lease = lease;
        const target = { client, signedPut: new put_1.SignedPut(client, config.region, config.s3Endpoint), bucket: config.bucket, partSize: config.multipartPartBytes };
        this.item = { config, target, metrics, lease, largeSlots: new archiveItem_1.Slots(LARGE_SLOTS) };
    }
    /** Serve mode: workers run until stop(). */
    start() {
        this.running = true;
        for (let i = 0; i < this.config.archiveConcurrency; i++)
            this.workers.push(this.workLoop());
    }
    /** Called after a local upload is published, so it is archived without waiting for the next poll. */
    notify() {
        for (const w of this.waiters)
            w();
    }
    /** Stops the workers and hands unfinished claims back. The heartbeat goes on until the lease retires. */
    async stop() {
        this.running = false;
        this.notify();
        await Promise.all(this.workers);
        await this.releaseClaims();
    }
    /** Hands this task's unfinished claims back to incoming/ so other tasks need not wait for the lease. */
    async releaseClaims() {
        const generation = this.lease.generation;
        const claimDir = this.lease.claimDir;
        for (const id of await (0, store_1.list)(claimDir)) {
            if (!this.lease.owns(generation))
                return; // a peer takes them over after the lease instead
            await fs_1.promises.rename(path.join(claimDir, id), path.join(this.layout.incoming, id)).catch(() => undefined);
        }
        await fs_1.promises.rmdir(claimDir).catch(() => undefined);
    }
    async workLoop() {
        while (this.running) {
            const id = this.queue.shift();
            if (id === undefined) {
                this.refilling ??= this.refill().finally(() => (this.refilling = undefined));
                await this.refilling.catch((e) => this.log.error("scan failed", (0, log_1.errorFields)(e)));
                if (this.queue.length === 0 && this.running) {
                    await new Promise((resolve) => {
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
            await this.handle(id).catch((e) => this.log.error("archive step failed", { uploadId: id, ...(0, log_1.errorFields)(e) }));
        }
    }
    /** Finds work: this task's own claims that are due, dead tasks' claims (taken over), then incoming/. */
    async refill(includeDeferred = false) {
        await this.lease.ready();
        await (0, takeover_1.takeOverExpired)(this.layout, this.lease, this.log);
        const now = includeDeferred ? Infinity : Date.now();
        const mine = (await (0, store_1.list)(this.lease.claimDir)).filter((id) => !this.inFlight.has(id) && (this.attempts.get(id)?.notBefore ?? 0) <= now);
        // Shuffled so that tasks scanning the same directory rarely race for the same item.
        const incoming = shuffle((await (0, store_1.list)(this.layout.incoming)).filter((id) => !this.inFlight.has(id)));
        const queued = new Set(this.queue);
        for (const id of [...mine, ...incoming])
            if (!queued.has(id))
                this.queue.push(id);
    }
    /** Claims (if needed) and archives one item under the current lease generation. */
    async handle(id) {
        if (this.inFlight.has(id))
            return;
        this.inFlight.add(id);
        try {
            await this.lease.ready();
            const generation = this.lease.generation;
            const claimed = path.join(this.lease.claimDir, id);
            if (!(await this.claim(id, claimed)))
                return;
            const { outcome, log } = await (0, archiveItem_1.archiveItem)(this.item, id, claimed, generation, this.log);
            if (outcome.kind === "archived") {
                this.attempts.delete(id);
            }
            else if (outcome.kind === "lost") {
                this.attempts.delete(id);
                log.warn("item left alone: this task's lease lapsed and the claim may be a peer's now");
            }
            else if (outcome.kind === "quarantine") {
                await this.quarantine(id, claimed, generation, outcome.reason, log);
            }
            else {
                const a = this.attempts.get(id) ?? { failures: 0, notBefore: 0 };
                a.failures++;
                if (outcome.forbidden && a.failures >= exports.MAX_FORBIDDEN_ATTEMPTS) {
                    await this.quarantine(id, claimed, generation, `${(0, log_1.errorFields)(outcome.error).error} (refused ${a.failures} times)`, log);
                    return;
                }
                const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** a.failures) * (0.5 + Math.random() / 2);
                a.notBefore = Date.now() + backoff;
                this.attempts.set(id, a);
                log.warn("archive failed, will retry; the file stays on EFS", { ...(0, log_1.errorFields)(outcome.error), attempt: a.failures, retryInMs: Math.round(backoff) });
            }
        }
        finally {
            this.inFlight.delete(id);
        }
    }
    async claim(id, claimed) {
        try {
            await fs_1.promises.rename(path.join(this.layout.incoming, id), claimed);
            this.metrics.claims++;
            return true;
        }
        catch (e) {
            if (!(0, store_1.isErrno)(e, "ENOENT", "EEXIST", "ENOTEMPTY"))
                throw e;
            // Either another task won, or it is already ours (our own claim, or a retransmitted NFS
            // rename whose first attempt succeeded): check our directory.
            try {
                await fs_1.promises.access(path.join(claimed, store_1.META));
                return true;
            }
            catch {
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
    async removeArchivedLeftover(id, dir) {
        let files;
        try {
            files = await fs_1.promises.readdir(dir);
        }
        catch (e) {
            if ((0, store_1.isErrno)(e, "ENOENT", "ENOTDIR"))
                return; // not ours: another task claimed it
            throw e;
        }
        if (files.includes(store_1.ORIGINAL)) {
            await this.quarantine(id, dir, this.lease.generation, "meta.json is missing but the original is still there");
            return;
        }
        await fs_1.promises.rm(dir, { recursive: true, force: true });
        this.log.warn("finished removing an archived item whose cleanup was cut short", { uploadId: id, leftover: files });
    }
    async quarantine(id, dir, generation, reason, log = this.log.child({ uploadId: id })) {
        if (!this.lease.owns(generation)) {
            log.warn("not quarantined: this task's lease lapsed and the item may be a peer's now", { reason });
            return;
        }
        try {
            await (0, store_1.writeFileDurable)(path.join(dir, store_1.REASON), JSON.stringify({ reason, task: this.lease.id, at: new Date().toISOString() }));
            await fs_1.promises.rename(dir, path.join(this.layout.quarantine, id));
            await (0, store_1.fsyncDir)(this.layout.quarantine);
            this.attempts.delete(id);
            this.quarantined.add(id);
            log.error("quarantined", { reason });
        }
        catch (e) {
            log.error("quarantine failed; item left in claim directory", { reason, ...(0, log_1.errorFields)(e) });
        }
    }
}
exports.Archiver = Archiver;
function shuffle(a) {
    for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
}
function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}
//# sourceMappingURL=archiver.js.map