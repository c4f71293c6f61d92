import { promises as fsp } from "fs";
import * as path from "path";
import { errorFields, Logger } from "../observability/log";
import { Batcher, Timers } from "./batcher";
import { ItemMessage, SQS_BATCH, WorkQueue } from "./queue";
import { isErrno, Layout, list, markedQueued, META, META_QUEUED_MODE, QUEUED, readMeta } from "../store/store";

/**
 * How long a send may delay the answer to an upload. The item is durable on EFS before the send; if SQS does not
 * answer in time the client still gets 202 and the reconciling scan sends the message later.
 */
export const SEND_TIMEOUT_MS = 3000;
/**
 * A marked item still on EFS after this long is sent again: 12 hours is the longest any consumer can keep a message
 * invisible ("the maximum is 12 hours", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html),
 * so its message is either waiting in the queue or lost (the queue purged, its retention passed): a duplicate heals
 * the second case and costs nothing in the first.
 */
export const RESEND_AFTER_MS = 12 * 3600_000;
/**
 * The longest an upload's message waits for others to share its SendMessageBatch (Batcher: only while another send
 * of this task is in flight; a lone upload's goes at once). A few ms against the ~10-20 ms a send takes: concurrent
 * uploads share one call (one signing, one round trip) instead of one call each, and the 202 of each still waits for
 * its own message's result.
 */
export const SEND_LINGER_MS = 4;
/** Stats in flight at once during the scan (as in claims.ts's backlog scan). */
const SCAN_CONCURRENCY = 64;

/** Sends items' messages and marks each sent item on EFS; never throws. */
export class Enqueuer {
    /** Uploads' messages, one per upload, gathered into SendMessageBatch calls. */
    private readonly uploads: Batcher<ItemMessage>;

    constructor(
        private readonly layout: Layout,
        readonly queue: WorkQueue,
        private readonly log: Logger,
        timers?: Timers,
    ) {
        // Each call is bounded by SEND_TIMEOUT_MS from when it is sent, so an answer waits at most SEND_LINGER_MS more.
        this.uploads = new Batcher((items) => queue.sendBatch(items, AbortSignal.timeout(SEND_TIMEOUT_MS)), SQS_BATCH, SEND_LINGER_MS, timers);
    }

    /**
     * Sends one upload's message in a batch shared with concurrent uploads (SEND_LINGER_MS), then marks the item;
     * resolves once this item's own message was accepted and marked, or refused (then the reconciling scan sends it).
     * Never throws. Returns whether the message went out.
     */
    async enqueueUpload(item: ItemMessage): Promise<boolean> {
        let refusal: string | undefined;
        try {
            refusal = await this.uploads.submit(item);
        } catch (e) {
            this.log.warn("work queue unreachable: the item stays on EFS and the reconciling scan sends its message", { uploadId: item.id, ...errorFields(e) });
            return false;
        }
        if (refusal !== undefined) {
            this.log.warn("the work queue refused the item's message: the reconciling scan sends it", { uploadId: item.id, reason: refusal });
            return false;
        }
        await this.mark(item.id).catch((e) => this.markFailed(item.id, e));
        return true;
    }

    /** Sends one message per item (already in uploads/incoming/), then marks the sent ones; returns how many were sent. */
    async enqueue(items: readonly ItemMessage[], timeoutMs = SEND_TIMEOUT_MS): Promise<number> {
        if (items.length === 0) return 0;
        let sent: Set<string>;
        try {
            sent = await this.queue.send(items, AbortSignal.timeout(timeoutMs));
        } catch (e) {
            this.log.warn("work queue unreachable: the items stay on EFS and the reconciling scan sends their messages", { items: items.length, ids: items.slice(0, 10).map((i) => i.id), ...errorFields(e) });
            return 0;
        }
        await Promise.all([...sent].map((id) => this.mark(id).catch((e) => this.markFailed(id, e))));
        if (sent.size < items.length) this.log.warn("some messages were not sent: the reconciling scan sends them", { items: items.length, sent: sent.size });
        return sent.size;
    }

    /** Not fsynced (a SETATTR): lost in a crash, the item is only sent once more (duplicates are harmless). */
    private async mark(id: string): Promise<void> {
        await fsp.chmod(path.join(this.layout.incoming, id, META), META_QUEUED_MODE);
    }

    private markFailed(id: string, e: unknown): void {
        // Archived (or quarantined) before the mark: nothing to mark.
        if (!isErrno(e, "ENOENT", "ENOTDIR")) this.log.warn("could not mark an item as sent; it may be sent again", { uploadId: id, ...errorFields(e) });
    }

    /**
     * The reconciling scan: every item in uploads/incoming/ without a mark (its message never sent: a crash between
     * EFS and the queue, SQS unreachable, a version before the queue) and older than `graceMs` (an upload between its
     * publication and its send), or marked more than {@link RESEND_AFTER_MS} ago, is sent again. The mark is meta.json's
     * mode (META_QUEUED_MODE, its ctime the mark's time) or, for items the versions before issue 23 sent, a `queued`
     * file beside it. Costs one lookup per waiting item (two for an item of those versions) and a meta.json read per
     * item it sends. It lists incoming/, once per RECONCILE_SECONDS for the whole fleet: no task lists it to find work.
     */
    async reconcile(graceMs: number): Promise<{ found: number; sent: number }> {
        const ids = await list(this.layout.incoming);
        const unsent: ItemMessage[] = [];
        const now = Date.now();
        let next = 0;
        const look = async () => {
            while (next < ids.length) {
                const id = ids[next++];
                const dir = path.join(this.layout.incoming, id);
                const metaStat = await fsp.stat(path.join(dir, META)).catch(() => undefined);
                let markedAt = metaStat && markedQueued(metaStat) ? metaStat.ctimeMs : undefined;
                if (markedAt === undefined && metaStat) markedAt = (await fsp.stat(path.join(dir, QUEUED)).catch(() => undefined))?.mtimeMs;
                const mark = markedAt !== undefined;
                if (markedAt !== undefined && now - markedAt < RESEND_AFTER_MS) continue;
                const meta = await readMeta(dir).catch(() => undefined);
                if (meta) {
                    if (mark || now - Date.parse(meta.receivedAt) >= graceMs) unsent.push({ id, kind: meta.kind, size: meta.size, sha256: meta.sha256 });
                    continue;
                }
                // No meta.json: removed a moment ago, or the leftover of a removal cut short. The consumer that gets
                // the message finishes the removal (or quarantines what still holds an original).
                const st = await fsp.stat(dir).catch(() => undefined);
                if (st?.isDirectory() && now - st.mtimeMs >= graceMs) unsent.push({ id, kind: "upload", size: 0, sha256: "" });
            }
        };
        await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, ids.length) }, look));
        const sent = await this.enqueue(unsent, 30_000);
        if (unsent.length > 0) this.log.warn("reconciling scan: sent messages for items found on EFS without one", { found: unsent.length, sent });
        return { found: unsent.length, sent };
    }
}
