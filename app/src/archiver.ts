import { S3Client } from "@aws-sdk/client-s3";
import { promises as fsp } from "fs";
import * as path from "path";
import { archiveItem, ItemContext, Slots } from "./archiveItem";
import { AppConfig } from "./config";
import { Lease } from "./lease";
import { errorFields, Logger } from "./log";
import { Metrics } from "./metrics";
import { SignedPut } from "./put";
import { ownClaims } from "./claims";
import { fsyncDir, isErrno, Layout, list, META, ORIGINAL, REASON, writeFileDurable } from "./store";
import { takeOverExpired } from "./takeover";

const MAX_BACKOFF_MS = 15_000;
/** Multipart uploads in flight at once per task: each holds up to 4 parts in memory. */
const LARGE_SLOTS = 2;
/**
 * Items processed at once per task: sharp decodes a whole image in memory, so this stays at the 8 the archive
 * workers were before the claim shards let twice as many of them pay off; the others archive meanwhile.
 */
const PROCESS_SLOTS = 8;
/**
 * Attempts before an item S3 refuses to confirm (403 on both HeadObject and the listing of its key) is quarantined:
 * a missing permission does not heal by retrying, and an item retried forever hides it.
 */
export const MAX_FORBIDDEN_ATTEMPTS = 5;

export interface Attempt {
    failures: number;
    notBefore: number;
}

/** How often a task lists its own claim shards even when it knows of nothing there to retry. */
const OWN_LISTING_MS = 60_000;

/**
 * The archive worker that runs in every task. Claims items by renaming them from incoming/ into a shard of
 * this task's own claims/<task>/ (rename is atomic on NFS, so exactly one task wins), archives
 * them, and only then deletes them. The claims of a task whose lease expired are taken over (takeover.ts);
 * every claim is made under the current lease generation and abandoned if that lease lapses (lease.ts).
 */
export class Archiver {
    readonly attempts = new Map<string, Attempt>();
    readonly quarantined = new Set<string>();
    queue: string[] = [];
    private readonly inFlight = new Set<string>();
    private running = false;
    private readonly waiters = new Set<() => void>();
    private workers: Promise<void>[] = [];
    private refilling?: Promise<void>;
    private readonly item: ItemContext;
    /** When and under which lease generation this task last listed its own shards (see refill). */
    private listed = { at: -Infinity, generation: 0 };

    constructor(
        readonly config: AppConfig,
        readonly layout: Layout,
        client: S3Client,
        private readonly log: Logger,
        readonly metrics: Metrics,
        readonly lease: Lease,
    ) {
        const target = { client, signedPut: new SignedPut(client, config.region, config.s3Endpoint), bucket: config.bucket, partSize: config.multipartPartBytes };
        this.item = { config, target, metrics, lease, largeSlots: new Slots(LARGE_SLOTS), processSlots: new Slots(PROCESS_SLOTS) };
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

    /**
     * Stops the workers and, with `handBack` (the default), hands unfinished claims back. The heartbeat goes on until
     * the lease retires. The one hook the shutdown (shutdown.ts) calls to give work back.
     */
    async stop(options: { handBack?: boolean } = {}): Promise<void> {
        this.running = false;
        this.notify();
        await Promise.all(this.workers);
        if (options.handBack ?? true) await this.releaseClaims();
    }

    /** Hands this task's unfinished claims back to incoming/ so other tasks need not wait for the lease. */
    private async releaseClaims(): Promise<void> {
        const generation = this.lease.generation;
        const me = this.lease.id;
        for (const { id, dir } of await ownClaims(this.layout, me)) {
            if (!this.lease.owns(generation)) return; // a peer takes them over after the lease instead
            await fsp.rename(dir, path.join(this.layout.incoming, id)).catch(() => undefined);
        }
        await Promise.all(this.layout.shardDirs(me).map((dir) => fsp.rmdir(dir).catch(() => undefined)));
        await fsp.rmdir(this.layout.claimRoot(me)).catch(() => undefined);
    }

    private async workLoop(): Promise<void> {
        while (this.running) {
            const id = this.queue.shift();
            if (id === undefined) {
                this.refilling ??= this.refill().finally(() => (this.refilling = undefined));
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
            await this.handle(id).catch((e) => this.log.error("archive step failed", { uploadId: id, ...errorFields(e) }));
        }
    }

    /**
     * Finds work: this task's own claims that are due, dead tasks' claims (taken over), then incoming/. What this task
     * holds is what it failed to archive yet (the attempts) and what it just took over, so its sixteen shards are
     * listed only when that may miss something: at the first refill of a lease generation, after a takeover, for the
     * drain, and every {@link OWN_LISTING_MS} in case a step failed in a way no attempt recorded. Listing them at
     * every refill would cost an idle task ~50 requests a second.
     */
    async refill(includeDeferred = false): Promise<void> {
        await this.lease.ready();
        const taken = await takeOverExpired(this.layout, this.lease, this.log);
        const now = includeDeferred ? Infinity : Date.now();
        const generation = this.lease.generation;
        let held: string[];
        if (includeDeferred || taken > 0 || this.listed.generation !== generation || Date.now() - this.listed.at > OWN_LISTING_MS) {
            this.listed = { at: Date.now(), generation };
            held = (await ownClaims(this.layout, this.lease.id)).map((c) => c.id);
        } else {
            held = [...this.attempts.keys()];
        }
        const mine = held.filter((id) => !this.inFlight.has(id) && (this.attempts.get(id)?.notBefore ?? 0) <= now);
        // Shuffled so that tasks scanning the same directory rarely race for the same item.
        const incoming = shuffle((await list(this.layout.incoming)).filter((id) => !this.inFlight.has(id)));
        const queued = new Set(this.queue);
        for (const id of [...mine, ...incoming]) if (!queued.has(id)) this.queue.push(id);
    }

    /** Claims (if needed) and archives one item under the current lease generation. */
    async handle(id: string): Promise<void> {
        if (this.inFlight.has(id)) return;
        this.inFlight.add(id);
        try {
            await this.lease.ready();
            const generation = this.lease.generation;
            const claimed = this.lease.claimPath(id);
            if (!(await this.claim(id, claimed))) {
                this.attempts.delete(id); // not ours (any more): another task holds or finished it
                return;
            }
            const { outcome, log } = await archiveItem(this.item, id, claimed, generation, this.log);
            if (outcome.kind === "archived") {
                this.attempts.delete(id);
            } else if (outcome.kind === "lost") {
                this.attempts.delete(id);
                log.warn("item left alone: this task's lease lapsed and the claim may be a peer's now");
            } else if (outcome.kind === "quarantine") {
                await this.quarantine(id, claimed, generation, outcome.reason, log);
            } else {
                const a = this.attempts.get(id) ?? { failures: 0, notBefore: 0 };
                a.failures++;
                if (outcome.forbidden && a.failures >= MAX_FORBIDDEN_ATTEMPTS) {
                    await this.quarantine(id, claimed, generation, `${errorFields(outcome.error).error} (refused ${a.failures} times)`, log);
                    return;
                }
                const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** a.failures) * (0.5 + Math.random() / 2);
                a.notBefore = Date.now() + backoff;
                this.attempts.set(id, a);
                log.warn("archive failed, will retry; the file stays on EFS", { ...errorFields(outcome.error), attempt: a.failures, retryInMs: Math.round(backoff) });
            }
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
            await this.quarantine(id, dir, this.lease.generation, "meta.json is missing but the original is still there");
            return;
        }
        await fsp.rm(dir, { recursive: true, force: true });
        this.log.warn("finished removing an archived item whose cleanup was cut short", { uploadId: id, leftover: files });
    }

    private async quarantine(id: string, dir: string, generation: number, reason: string, log = this.log.child({ uploadId: id })): Promise<void> {
        if (!this.lease.owns(generation)) {
            log.warn("not quarantined: this task's lease lapsed and the item may be a peer's now", { reason });
            return;
        }
        try {
            await writeFileDurable(path.join(dir, REASON), JSON.stringify({ reason, task: this.lease.id, at: new Date().toISOString() }));
            await fsp.rename(dir, path.join(this.layout.quarantine, id));
            await fsyncDir(this.layout.quarantine);
            this.attempts.delete(id);
            this.quarantined.add(id);
            log.error("quarantined", { reason });
        } catch (e) {
            log.error("quarantine failed; item left in claim directory", { reason, ...errorFields(e) });
        }
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
