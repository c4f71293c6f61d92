import { S3Client } from "@aws-sdk/client-s3";
import { promises as fsp } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { archiveItem, ItemContext, Slots } from "./archiveItem";
import { AppConfig } from "../config";
import { DEAD_LETTER_LOOK_MAX_SECONDS, WORK_QUEUE_POLL_WAIT_SECONDS } from "../contract";
import { Lease } from "../store/lease";
import { errorFields, Logger } from "../observability/log";
import { Metrics } from "../observability/metrics";
import { SignedPut } from "../s3/put";
import { MAX_WAIT_SECONDS, Received, SQS_BATCH, WorkQueue } from "../queue/queue";
import { Batcher } from "../queue/batcher";
import { Enqueuer } from "../queue/reconcile";
import { bucketReachable } from "../s3/s3";
import { exists, fsyncDir, isErrno, LAST_ERROR, Layout, list, META, META_MODE, ORIGINAL, QUEUED, readSmallFile, REASON, writeFileAtomic, writeFileDurable } from "../store/store";
import { takeOverExpired } from "../store/takeover";
import { MessageHold, Visibility } from "../queue/visibility";

const MAX_BACKOFF_MS = 15_000;
/** Multipart uploads in flight at once per task: each holds up to 4 parts in memory. */
const LARGE_SLOTS = 2;
/** Items processed at once per task: sharp decodes a whole image in memory; the others archive meanwhile. */
const PROCESS_SLOTS = 8;
/**
 * Attempts before an item S3 refuses to confirm (403 on both HeadObject and the listing of its key) is quarantined:
 * a missing permission does not heal by retrying, and an item retried forever hides it.
 */
export const MAX_FORBIDDEN_ATTEMPTS = 5;
/**
 * How long stop() lets in-flight items finish before it hands their messages back, unless the caller says (main.ts's
 * shutdown passes what its deadline below the task definition's stopTimeout leaves). The poll in progress ends
 * within the same time (RECEIVE_WAIT_SECONDS).
 */
export const HAND_BACK_AFTER_MS = 5_000;
/**
 * How long stop() waits, after handing messages back, for their items to notice: a cancelled multipart upload sends
 * its AbortMultipartUpload in that time.
 */
const SETTLE_AFTER_HAND_BACK_MS = 1_500;
/**
 * The long poll's wait. Not the maximum of 20 s: a poll is never aborted, because SQS may already have handed it
 * messages that an aborted request never sees (they would stay invisible, and have spent a receive, until their
 * timeout), so stop() waits for the poll in progress to return and hands back what it brought. 5 s bounds that wait;
 * an idle task makes 12 requests a minute instead of 3.
 */
const RECEIVE_WAIT_SECONDS = Math.min(WORK_QUEUE_POLL_WAIT_SECONDS, MAX_WAIT_SECONDS);
/**
 * The longest a finished item's DeleteMessage waits to share a DeleteMessageBatch with other finished items (only while
 * another delete of this task is in flight: Batcher). The item is already gone from EFS; the worker does not wait for
 * the delete, so the delay costs no archiving time, and a message deleted a few ms later is no different.
 */
const DELETE_LINGER_MS = 10;
/** The longest a task waits between looks at the dead-letter queue. */
const DEAD_LETTER_POLL_MAX_MS = DEAD_LETTER_LOOK_MAX_SECONDS * 1000;
/**
 * How long one look at the dead-letter queue hides the messages it took (queue.ts takeDeadLetters): the next pages of
 * this look, and other tasks' looks meanwhile, get the ones behind them. Half the longest period between looks, so that
 * an uncleared dead letter is visible (the depth alarm) about half of each minute and received (the same alarm) in it.
 */
const DEAD_LETTER_HIDE_SECONDS = 30;
/** Pages of 10 one look takes at most: it ends earlier at an empty answer. */
const DEAD_LETTER_PAGES = 10;

export interface Attempt {
    failures: number;
    notBefore: number;
}

export interface StopOptions {
    /**
     * Make the messages still in flight at the deadline visible again at once (ChangeMessageVisibility 0), so that
     * other tasks take them without waiting for their timeout. Defaults to true.
     */
    readonly handBack?: boolean;
    /** How long in-flight items may still finish first, in ms. Defaults to {@link HAND_BACK_AFTER_MS}. */
    readonly deadlineMs?: number;
}

/**
 * The archive worker that runs in every task, on the SQS work queue: it long-polls for messages in batches, keeps
 * each message invisible while it works on the item (visibility.ts), archives the item from uploads/incoming/<id>/
 * (archiveItem.ts), removes it from EFS and only then deletes the message. A message whose item is gone (archived
 * through a duplicate message, quarantined) is deleted. An item that keeps failing in one task is retried there,
 * message held, so that an S3 outage does not spend the message's receives; an item that kills its task comes back
 * to another until the redrive policy moves its message to the dead-letter queue, which every task looks at to
 * quarantine the item with its reason. Besides, on timers: the takeover of dead tasks' logs and of the previous
 * version's claims (takeover.ts), and the reconciling scan for items whose message was never sent (reconcile.ts).
 */
export class Archiver {
    /** Items this task is retrying (failed at least once), for /status. */
    readonly attempts = new Map<string, Attempt>();
    readonly quarantined = new Set<string>();
    readonly queue: WorkQueue;
    readonly enqueuer: Enqueuer;
    private visibility?: Visibility;
    private running = false;
    private stopping = false;
    private readonly abort = new AbortController();
    private readonly inFlight = new Map<MessageHold, Promise<void>>();
    private readonly wakers = new Set<() => void>();
    private loops: Promise<void>[] = [];
    /** The pending timer of each periodic job (takeover, reconciling scan, dead-letter look). */
    private readonly timers = new Map<string, NodeJS.Timeout>();
    private readonly item: ItemContext;
    /** archive --once: attempts per item in this run; items that used them up stay invisible until the run ends. */
    private drainMax?: number;
    private readonly failedThisRun = new Map<string, MessageHold[]>();
    /**
     * The items this task works on, by id. SQS may deliver a message twice, and the reconciling scan may send one
     * again: a second message for an item in hand waits for the first to finish and then finds the item gone, instead
     * of working on it beside it (across tasks, S3's conditional write lets only one object in).
     */
    private readonly active = new Map<string, Promise<void>>();
    /** Finished items' messages, deleted in batches (DeleteMessageBatch: the grant of DeleteMessage, queue.ts deleteMany). */
    private readonly deletes: Batcher<string>;
    /** Deletes submitted and not yet answered: stop() and drain() wait for them. */
    private readonly deleting = new Set<Promise<void>>();

    constructor(
        readonly config: AppConfig,
        readonly layout: Layout,
        private readonly client: S3Client,
        private readonly log: Logger,
        readonly metrics: Metrics,
        readonly lease: Lease,
        queue?: WorkQueue,
    ) {
        const target = { client, signedPut: new SignedPut(client, config.region, config.s3Endpoint), bucket: config.bucket, partSize: config.multipartPartBytes };
        this.item = { config, target, metrics, lease, largeSlots: new Slots(LARGE_SLOTS), processSlots: new Slots(PROCESS_SLOTS) };
        this.queue = queue ?? new WorkQueue(config.queue, config.region);
        this.enqueuer = new Enqueuer(layout, this.queue, log);
        this.deletes = new Batcher((handles) => this.queue.deleteBatch(handles), SQS_BATCH, DELETE_LINGER_MS);
    }

    /** serve and work: receives until stop(), with the takeover, the reconciling scan and the dead-letter look on timers. */
    start(): void {
        this.running = true;
        this.loops.push(this.receiveLoop());
        const leaseMs = Math.max(1000, this.lease.leaseSeconds * 1000);
        this.every(leaseMs, () => takeOverExpired(this.layout, this.lease, this.log, this.enqueuer), "takeover failed", true);
        this.scheduleReconcile(Math.random() * this.config.queue.reconcileSeconds * 1000);
    }

    /**
     * Stops receiving (the poll in progress returns within RECEIVE_WAIT_SECONDS; what it brings is handed back at once),
     * lets in-flight items finish until the deadline, then hands the
     * messages of those still running back (replaced by fresh ones, so a stop spends no receive: visibility.ts), and
     * stops extending any. Items waiting to retry are
     * handed back at once. What a handed-back item was doing stops at its next write (its hold is released).
     */
    async stop(options: StopOptions = {}): Promise<void> {
        const { handBack = true, deadlineMs = HAND_BACK_AFTER_MS } = options;
        this.running = false;
        this.stopping = true;
        this.abort.abort();
        for (const t of this.timers.values()) clearTimeout(t);
        this.wake();
        if (handBack) {
            // One deadline for both: the poll in progress returning (what it brings is handed back by the loop) and the
            // items in flight finishing.
            let timer: NodeJS.Timeout | undefined;
            const deadline = new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)));
            await Promise.race([Promise.all(this.loops), deadline]);
            await Promise.race([Promise.all(this.inFlight.values()), deadline]);
            clearTimeout(timer);
            const left = [...this.inFlight.keys(), ...[...this.failedThisRun.values()].flat()];
            if (left.length > 0) this.log.warn("stopping: handing back the messages of unfinished items", { messages: left.length });
            await this.visibility?.handBack(left);
            // Handing back released their holds, which cancels what they still send to S3 and aborts their multipart
            // uploads: waited for, so that the process does not exit with an upload left incomplete. At most
            // SETTLE_AFTER_HAND_BACK_MS, within the 2 s main.ts keeps of the hand-back step's share for the hand-back:
            // an item that cannot be cancelled (a single PUT, an image being decoded) must not hold the shutdown up.
            let settleTimer: NodeJS.Timeout | undefined;
            // The finished items' deletes too, within the same bound: one SQS leaves unanswered is only a message that
            // comes back and finds its item gone, while a shutdown past the deadline is a SIGKILL.
            await Promise.race([Promise.all([...this.inFlight.values(), this.deletesSettled()]), new Promise<void>((r) => (settleTimer = setTimeout(r, SETTLE_AFTER_HAND_BACK_MS)))]);
            clearTimeout(settleTimer);
        } else {
            await Promise.all(this.loops);
            await Promise.all(this.inFlight.values());
            await this.deletesSettled();
        }
        this.visibility?.stop();
    }

    /**
     * archive --once: takes over what dead tasks left, sends what was never sent, quarantines what the dead-letter queue
     * holds, then receives until the queue has no visible message left for this run. Each item gets
     * `maxFailuresPerItem` attempts; the messages of those that used them up stay invisible until the run ends and are
     * then handed back. With S3 unreachable it receives nothing: every receive counts towards the redrive policy.
     */
    async drain(maxFailuresPerItem = 3): Promise<{ archived: number; failed: string[]; s3Unreachable?: string }> {
        const before = this.metrics.archivedFiles;
        this.drainMax = maxFailuresPerItem;
        this.running = true;
        const s3 = await bucketReachable(this.client, this.config.bucket, this.config.archivePrefix, 10_000);
        if (!s3.reachable) return { archived: 0, failed: [], s3Unreachable: s3.error };
        await takeOverExpired(this.layout, this.lease, this.log, this.enqueuer);
        await this.enqueuer.reconcile(0);
        await this.deadLetters().catch((e) => this.log.error("dead-letter look failed", errorFields(e)));
        const visibility = await this.ensureVisibility();
        let emptyReceives = 0;
        while (!this.stopping) {
            const free = this.config.archiveConcurrency - this.inFlight.size;
            if (free <= 0) {
                await this.nextWake();
                continue;
            }
            const requestedAt = performance.now();
            // Long polling asks every SQS server, so an empty answer means no visible message: "Long polling ...
            // Eliminate false empty responses by querying all—rather than a subset of—Amazon SQS servers."
            // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html)
            let messages: Received[];
            try {
                messages = await this.queue.receive(free, 1, visibility.seconds);
            } catch (e) {
                if (++emptyReceives > 5) throw e;
                this.log.error("receive failed", errorFields(e));
                await this.pause(1000 * emptyReceives);
                continue;
            }
            emptyReceives = 0;
            if (messages.length === 0) {
                if (this.inFlight.size === 0) break;
                await this.nextWake();
                continue;
            }
            for (const m of messages) this.dispatch(m, requestedAt);
        }
        await Promise.all(this.inFlight.values());
        await this.deletesSettled();
        const failed = new Set<string>([...this.failedThisRun.keys(), ...this.quarantined]);
        await this.visibility?.handBack([...this.failedThisRun.values()].flat());
        this.failedThisRun.clear();
        return { archived: this.metrics.archivedFiles - before, failed: [...failed] };
    }

    private async ensureVisibility(): Promise<Visibility> {
        if (this.visibility) return this.visibility;
        let seconds = this.config.queue.visibilitySeconds;
        for (let attempt = 1; seconds === undefined; attempt++) {
            try {
                seconds = await this.queue.visibilityTimeout(this.abort.signal);
            } catch (e) {
                if (this.stopping || (this.drainMax !== undefined && attempt >= 5)) throw e;
                this.log.error("cannot read the work queue's visibility timeout; retrying", errorFields(e));
                await this.pause(Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt));
            }
        }
        this.visibility ??= new Visibility(this.queue, seconds, this.log);
        this.visibility.start();
        if (this.drainMax === undefined) this.every(Math.min(DEAD_LETTER_POLL_MAX_MS, seconds * 1000), () => this.deadLetters(), "dead-letter look failed", false);
        return this.visibility;
    }

    private async receiveLoop(): Promise<void> {
        let visibility: Visibility;
        try {
            visibility = await this.ensureVisibility();
        } catch {
            return; // stopped before the queue answered
        }
        let failures = 0;
        while (this.running) {
            const free = this.config.archiveConcurrency - this.inFlight.size;
            if (free <= 0) {
                await this.nextWake();
                continue;
            }
            const requestedAt = performance.now();
            try {
                const messages = await this.queue.receive(free, RECEIVE_WAIT_SECONDS, visibility.seconds);
                failures = 0;
                if (!this.running) {
                    await visibility.handBack(messages.map((m) => visibility.hold(m, requestedAt)));
                    break;
                }
                for (const m of messages) this.dispatch(m, requestedAt);
            } catch (e) {
                if (!this.running) break;
                failures++;
                this.log.error("receive failed: the items wait on EFS", { attempt: failures, ...errorFields(e) });
                await this.pause(Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures));
            }
        }
    }

    private dispatch(message: Received, requestedAt: number): void {
        const hold = this.visibility!.hold(message, requestedAt);
        const done = this.handle(hold)
            .catch((e) => this.log.error("archive step failed", { uploadId: message.item?.id, ...errorFields(e) }))
            .finally(() => {
                if (![...this.failedThisRun.values()].some((hs) => hs.includes(hold))) this.visibility!.forget(hold);
                this.inFlight.delete(hold);
                this.wake();
            });
        this.inFlight.set(hold, done);
    }

    private async handle(hold: MessageHold): Promise<void> {
        const m = hold.message;
        const item = m.item;
        if (!item) {
            // Not extended and not deleted: it comes back until the redrive policy moves it to the dead-letter queue.
            this.log.error("a message this app did not write: left to the redrive policy", { messageId: m.messageId, body: m.body.slice(0, 200) });
            return;
        }
        const id = item.id;
        const dir = path.join(this.layout.incoming, id);
        for (let other = this.active.get(id); other; other = this.active.get(id)) await other;
        let finished = () => undefined as void;
        this.active.set(id, new Promise<void>((r) => (finished = r)));
        try {
            await this.handleItem(hold, id, dir);
        } finally {
            this.active.delete(id);
            finished();
        }
    }

    private async handleItem(hold: MessageHold, id: string, dir: string): Promise<void> {
        const m = hold.message;
        if (this.drainMax !== undefined && (this.attempts.get(id)?.failures ?? 0) >= this.drainMax) {
            this.failedThisRun.set(id, [...(this.failedThisRun.get(id) ?? []), hold]);
            return;
        }
        if (m.receiveCount >= this.config.queue.maxReceiveCount) {
            this.log.warn("last receive before the dead-letter queue", { uploadId: id, receiveCount: m.receiveCount, maxReceiveCount: this.config.queue.maxReceiveCount });
        }
        for (;;) {
            const { outcome, log } = await archiveItem(this.item, id, dir, hold, this.log);
            if (outcome.kind === "archived") {
                this.attempts.delete(id);
                this.done(hold, log);
                return;
            }
            if (outcome.kind === "gone") {
                this.attempts.delete(id);
                if (await this.removeLeftover(id, dir, hold, log)) this.done(hold, log);
                return;
            }
            if (outcome.kind === "lost") {
                this.attempts.delete(id);
                log.warn("item left alone: this task's hold on its message lapsed and another consumer may have it now");
                return;
            }
            if (outcome.kind === "quarantine") {
                if (await this.quarantine(id, dir, hold, { reason: outcome.reason }, log)) this.done(hold, log);
                return;
            }
            if (!hold.holds()) {
                // Handed back (SIGTERM) or lost while S3 was being sent to: what was in flight was given up and a
                // multipart upload aborted (multipart.ts); the item is another consumer's now, not a failure to retry.
                this.attempts.delete(id);
                log.warn("item given up mid-archive: its message was handed back or lost", errorFields(outcome.error));
                return;
            }
            const a = this.attempts.get(id) ?? { failures: 0, notBefore: 0 };
            a.failures++;
            this.attempts.set(id, a);
            const error = errorFields(outcome.error);
            await this.recordError(dir, error, hold);
            if (outcome.forbidden && a.failures >= MAX_FORBIDDEN_ATTEMPTS) {
                if (await this.quarantine(id, dir, hold, { reason: `${error.error} (refused ${a.failures} times)` }, log)) this.done(hold, log);
                return;
            }
            if (this.drainMax !== undefined && a.failures >= this.drainMax) {
                log.error("archive failed in every attempt of this run; the file stays on EFS", { ...error, attempts: a.failures });
                this.failedThisRun.set(id, [...(this.failedThisRun.get(id) ?? []), hold]);
                return;
            }
            const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** a.failures) * (0.5 + Math.random() / 2);
            a.notBefore = Date.now() + backoff;
            // The message stays held (extended) meanwhile: an S3 outage must not spend receives towards the redrive policy.
            log.warn("archive failed, will retry; the file stays on EFS", { ...error, attempt: a.failures, retryInMs: Math.round(backoff), messageHeld: true });
            await this.pause(backoff);
            if (this.stopping) {
                await this.visibility!.handBack([hold]);
                return;
            }
            if (!hold.holds()) {
                log.warn("item left alone: this task's hold on its message lapsed while it waited to retry");
                return;
            }
        }
    }

    /**
     * Deletes a finished message, in a batch with other finished items' (the worker goes on meanwhile: stop() and drain()
     * wait for the delete). A failure only means it comes back, and then finds its item gone.
     */
    private done(hold: MessageHold, log: Logger): void {
        const deleted = this.deletes.submit(hold.message.receiptHandle).then(
            (refusal) => {
                if (refusal !== undefined) log.warn("message not deleted: it comes back and finds its item gone", { reason: refusal });
            },
            (e) => log.warn("message not deleted: it comes back and finds its item gone", errorFields(e)),
        );
        this.deleting.add(deleted);
        void deleted.finally(() => this.deleting.delete(deleted));
    }

    private async deletesSettled(): Promise<void> {
        while (this.deleting.size > 0) await Promise.all([...this.deleting]);
    }

    /**
     * The item has no meta.json. Gone entirely: true. A directory without meta.json is what a consumer killed while
     * removing an archived item leaves (files go original, thumbnail, meta.json, then the directory): finishing the
     * removal loses nothing. One that still holds the original is quarantined instead, never deleted.
     */
    private async removeLeftover(id: string, dir: string, hold: MessageHold, log: Logger): Promise<boolean> {
        let files: string[];
        try {
            files = await fsp.readdir(dir);
        } catch (e) {
            if (isErrno(e, "ENOENT", "ENOTDIR")) return true;
            throw e;
        }
        if (!hold.holds()) return false;
        if (files.includes(ORIGINAL)) return this.quarantine(id, dir, hold, { reason: "meta.json is missing but the original is still there" }, log);
        await fsp.rm(dir, { recursive: true, force: true });
        log.warn("finished removing an archived item whose cleanup was cut short", { leftover: files });
        return true;
    }

    private async recordError(dir: string, error: Record<string, unknown>, hold: MessageHold): Promise<void> {
        if (!hold.holds()) return;
        await writeFileAtomic(path.join(dir, LAST_ERROR), JSON.stringify({ ...error, task: this.lease.id, at: new Date().toISOString() })).catch(() => undefined);
    }

    /** Moves the item into uploads/quarantine/ with its reason; true once it is there (or already was). */
    private async quarantine(id: string, dir: string, hold: MessageHold | undefined, reason: Record<string, unknown> & { reason: string }, log = this.log.child({ uploadId: id })): Promise<boolean> {
        if (hold && !hold.holds()) {
            log.warn("not quarantined: this task's hold on the message lapsed", reason);
            return false;
        }
        try {
            await writeFileDurable(path.join(dir, REASON), JSON.stringify({ ...reason, task: this.lease.id, at: new Date().toISOString() }));
            // Its message is done with: an operator who moves the item back into incoming/ gets it sent again.
            await fsp.rm(path.join(dir, QUEUED), { force: true });
            await fsp.chmod(path.join(dir, META), META_MODE).catch((e) => (isErrno(e, "ENOENT") ? undefined : Promise.reject(e)));
            await fsp.rename(dir, path.join(this.layout.quarantine, id));
            await fsyncDir(this.layout.quarantine);
            this.attempts.delete(id);
            this.quarantined.add(id);
            log.error("quarantined", reason);
            return true;
        } catch (e) {
            if (isErrno(e, "EEXIST", "ENOTEMPTY") && (await exists(path.join(this.layout.quarantine, id, META)))) return true;
            log.error("quarantine failed; the item stays in incoming/", { ...reason, ...errorFields(e) });
            return false;
        }
    }

    /**
     * Quarantines the items whose messages the redrive policy moved to the dead-letter queue: each was received
     * maxReceiveCount times without being archived (it failed, or killed its task, every time). "deadLetterTargetArn –
     * The Amazon Resource Name (ARN) of the dead-letter queue to which Amazon SQS moves messages after the value of
     * maxReceiveCount is exceeded." (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html) The dead-letter
     * messages are kept, visible, for the queue-depth alarm: the quarantine is the app's record, the alarm the
     * operator's, and the operator clears it (redrive or purge) once the items are dealt with. A look pages through
     * them, each page hidden for {@link DEAD_LETTER_HIDE_SECONDS}, so that uncleared dead letters never hide the newest.
     */
    async deadLetters(): Promise<void> {
        for (let page = 0; page < DEAD_LETTER_PAGES && !this.abort.signal.aborted; page++) {
            const messages = await this.queue.takeDeadLetters(DEAD_LETTER_HIDE_SECONDS, this.abort.signal);
            if (messages.length === 0) return;
            await this.quarantineDeadLetters(messages);
        }
    }

    private async quarantineDeadLetters(messages: readonly Received[]): Promise<void> {
        for (const m of messages) {
            const id = m.item?.id;
            if (!id) continue;
            const dir = path.join(this.layout.incoming, id);
            if (!(await exists(path.join(dir, META)))) continue; // quarantined already, or archived through a duplicate message
            const lastError = await readSmallFile(path.join(dir, LAST_ERROR))
                .then((s) => JSON.parse(s) as unknown)
                .catch(() => undefined);
            const max = this.config.queue.maxReceiveCount;
            await this.quarantine(id, dir, undefined, {
                reason: `its message was received ${max} times (the work queue's maxReceiveCount) without the item being archived: it failed or killed its task each time, and the redrive policy moved it to the dead-letter queue`,
                receiveCount: max,
                deadLetterReceiveCount: m.receiveCount,
                lastError: lastError ?? null,
                messageId: m.messageId,
            });
        }
    }

    /** Runs `job` now (when `now`) and every `ms`, one run at a time, until stop(). */
    private every(ms: number, job: () => Promise<unknown>, failure: string, now: boolean): void {
        const run = async () => {
            if (this.stopping) return;
            await job().catch((e) => this.log.error(failure, errorFields(e)));
            if (!this.stopping) this.timers.set(failure, setTimeout(run, ms).unref());
        };
        this.timers.set(failure, setTimeout(run, now ? 0 : ms).unref());
    }

    /**
     * One reconciling scan per RECONCILE_SECONDS for the whole fleet, without electing anyone: each task scans after a
     * random share of the period times the number of live tasks (their heartbeats), so the fleet's scans average one
     * per period whatever its size.
     */
    private scheduleReconcile(delayMs: number): void {
        const periodMs = this.config.queue.reconcileSeconds * 1000;
        this.timers.set(
            "reconcile",
            setTimeout(async () => {
                if (this.stopping) return;
                await this.enqueuer.reconcile(Math.min(60_000, periodMs)).catch((e) => this.log.error("reconciling scan failed", errorFields(e)));
                const tasks = (await list(this.layout.tasks).catch(() => [])).filter((f) => f.endsWith(".alive")).length;
                if (!this.stopping) this.scheduleReconcile(periodMs * Math.max(1, tasks) * (0.5 + Math.random()));
            }, delayMs).unref(),
        );
    }

    private wake(): void {
        for (const w of [...this.wakers]) w();
    }

    /** Resolves at the next wake (an item finished, stop()). */
    private nextWake(): Promise<void> {
        return new Promise((resolve) => {
            const w = () => {
                this.wakers.delete(w);
                resolve();
            };
            this.wakers.add(w);
        });
    }

    /** Waits `ms`, or less if the task stops meanwhile. */
    private async pause(ms: number): Promise<void> {
        let timer: NodeJS.Timeout | undefined;
        const stopped = new Promise<void>((resolve) => {
            const w = () => {
                if (!this.stopping) return;
                this.wakers.delete(w);
                resolve();
            };
            this.wakers.add(w);
            timer = setTimeout(() => {
                this.wakers.delete(w);
                resolve();
            }, ms);
        });
        await stopped;
        clearTimeout(timer);
    }
}
