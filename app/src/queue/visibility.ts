import { performance } from "perf_hooks";
import { Hold } from "../archive/archiveItem";
import { errorFields, Logger } from "../observability/log";
import { ItemMessage, Received, WorkQueue } from "./queue";

/**
 * Share of the visibility timeout this task trusts its own extension for, measured from the moment the request
 * began: SQS counts the timeout from when it handled the request, which is later (as lease.ts does for heartbeats).
 */
const TRUSTED_SHARE = 0.8;

/** One received message this task works on: held while its visibility, as last extended, has not lapsed. */
export class MessageHold implements Hold {
    validUntil: number;
    private released = false;
    private readonly lost = new AbortController();
    /** Aborted on release(): what is still in flight for the message (a multipart upload's parts) is given up. */
    readonly signal = this.lost.signal;
    constructor(
        readonly message: Received,
        requestedAt: number,
        seconds: number,
    ) {
        this.validUntil = requestedAt + seconds * 1000 * TRUSTED_SHARE;
    }
    holds(): boolean {
        return !this.released && performance.now() < this.validUntil;
    }
    /** Whether it was released: handed back already, or found no longer this task's. */
    get isReleased(): boolean {
        return this.released;
    }
    /** Stops every write in this task's name for the message (handed back, or found lost). */
    release(): void {
        this.released = true;
        this.lost.abort(new Error("the message was handed back or lost: this task no longer works on its item"));
    }
}

/**
 * The lease of the version before the queue, now SQS's: while this task works on a message it keeps it invisible to
 * other consumers with ChangeMessageVisibility, batched, every third of the visibility timeout. "If you don't know
 * how long it takes to process a message, create a heartbeat for your consumer process: Specify the initial
 * visibility timeout (for example, 2 minutes) and then—as long as your consumer still works on the message—keep
 * extending the visibility timeout by 2 minutes every minute."
 * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/working-with-messages.html)
 */
export class Visibility {
    private readonly held = new Set<MessageHold>();
    private timer?: NodeJS.Timeout;
    private ticking = false;

    constructor(
        private readonly queue: WorkQueue,
        readonly seconds: number,
        private readonly log: Logger,
    ) {}

    start(): void {
        this.timer = setInterval(() => void this.tick(), Math.max(250, (this.seconds * 1000) / 3));
        this.timer.unref();
    }

    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }

    hold(message: Received, requestedAt: number): MessageHold {
        const h = new MessageHold(message, requestedAt, this.seconds);
        this.held.add(h);
        return h;
    }

    /** Forgets a message: it was deleted, or is left to become visible again. */
    forget(h: MessageHold): void {
        this.held.delete(h);
    }

    /**
     * Hands these messages back (a stopping task, the end of an `archive --once` run): they are no longer held, and
     * their items are at once available to other consumers with a fresh receive count. A message is replaced (its item
     * sent again, then the received message deleted) rather than made visible again, because every receive counts
     * towards the redrive policy and ChangeMessageVisibility does not undo one: "ApproximateReceiveCount – Returns the
     * number of times a message has been received across all queues but not deleted."
     * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html) Made visible
     * again, an item in flight during maxReceiveCount scale-ins or Spot interruptions would be dead-lettered and
     * quarantined as if it had killed its task each time. A task that dies (SIGKILL, OOM) hands nothing back, so poison
     * items still reach the dead-letter queue. If the send fails, the message is made visible again instead ("The
     * minimum is 0 seconds", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html);
     * a replacement sent whose old message is not deleted is a duplicate, which is harmless.
     */
    async handBack(all: readonly MessageHold[]): Promise<void> {
        // Once only: a hold released already was handed back before (stop() and the retry loop both hand back an
        // item waiting to retry), or is no longer this task's; sending its item again would only make a duplicate.
        const holds = [...new Set(all)].filter((h) => !h.isReleased);
        for (const h of holds) {
            h.release();
            this.held.delete(h);
        }
        if (holds.length === 0) return;
        const items = new Map<string, ItemMessage>();
        for (const h of holds) if (h.message.item) items.set(h.message.item.id, h.message.item);
        let resent = new Set<string>();
        if (items.size > 0) {
            try {
                resent = await this.queue.send([...items.values()]);
            } catch (e) {
                this.log.warn("hand-back: the items could not be sent again; their messages are made visible again instead", { messages: holds.length, ...errorFields(e) });
            }
        }
        const replaced = holds.filter((h) => h.message.item !== undefined && resent.has(h.message.item.id));
        const rest = holds.filter((h) => !replaced.includes(h));
        if (replaced.length > 0) {
            try {
                const refused = await this.queue.deleteMany(replaced.map((h) => h.message.receiptHandle));
                if (refused.size > 0) this.log.warn("hand-back: SQS did not delete some replaced messages; they come back as duplicates, which are harmless", { messages: refused.size, reasons: [...new Set(refused.values())].slice(0, 3) });
            } catch (e) {
                this.log.warn("hand-back: the replaced messages were not deleted; they come back as duplicates, which find their items archived or archive them once", { messages: replaced.length, ...errorFields(e) });
            }
        }
        if (rest.length === 0) return;
        try {
            await this.queue.changeVisibility(rest.map((h) => h.message.receiptHandle), 0);
        } catch (e) {
            this.log.warn("hand-back failed: the messages become visible when their timeout ends", { messages: rest.length, ...errorFields(e) });
        }
    }

    private async tick(): Promise<void> {
        if (this.ticking) return;
        this.ticking = true;
        const holds = [...this.held].filter((h) => h.holds());
        try {
            if (holds.length === 0) return;
            const started = performance.now();
            const refused = await this.queue.changeVisibility(holds.map((h) => h.message.receiptHandle), this.seconds);
            for (const h of holds) {
                if (refused.has(h.message.receiptHandle)) {
                    h.release();
                    this.held.delete(h);
                    this.log.warn("visibility extension refused: the message is no longer this task's", { uploadId: h.message.item?.id, messageId: h.message.messageId });
                } else if (h.holds()) {
                    h.validUntil = started + this.seconds * 1000 * TRUSTED_SHARE;
                }
            }
        } catch (e) {
            // Not fatal: each hold lapses on its own clock, and the item is then left alone.
            this.log.error("visibility extension failed", { messages: holds.length, ...errorFields(e) });
        } finally {
            this.ticking = false;
        }
    }
}
