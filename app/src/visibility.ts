import { performance } from "perf_hooks";
import { Hold } from "./archiveItem";
import { errorFields, Logger } from "./log";
import { Received, WorkQueue } from "./queue";

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
     * Makes these messages visible again at once (a stopping task's hand-back); they are no longer held. "The default
     * visibility timeout for a message is 30 seconds. The minimum is 0 seconds. The maximum is 12 hours."
     * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html)
     */
    async handBack(holds: readonly MessageHold[]): Promise<void> {
        for (const h of holds) {
            h.release();
            this.held.delete(h);
        }
        if (holds.length === 0) return;
        try {
            await this.queue.changeVisibility(holds.map((h) => h.message.receiptHandle), 0);
        } catch (e) {
            this.log.warn("hand-back failed: the messages become visible when their timeout ends", { messages: holds.length, ...errorFields(e) });
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
