/** The timers a {@link Batcher} lingers with: the process's own, or a spec's fake clock. */
export interface Timers {
    setTimeout(fire: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}

const processTimers: Timers = {
    setTimeout: (fire, ms) => setTimeout(fire, ms),
    clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Sends one call for one batch of entries and answers, per entry and in order, `undefined` for an entry the service
 * accepted or why it refused it. Throwing refuses every entry of the batch.
 */
export type SendBatch<T> = (entries: T[]) => Promise<(string | undefined)[]>;

interface Waiting<T> {
    readonly entry: T;
    readonly settle: (refusal: string | undefined) => void;
    readonly fail: (e: unknown) => void;
}

/**
 * Gathers what concurrent callers submit one entry at a time into batch calls of up to `max` entries (SQS's
 * SendMessageBatch and DeleteMessageBatch take 10): each SQS call costs a round trip and the SDK's CPU for signing
 * and parsing, whatever it carries.
 * - With no call of this batcher in flight, an entry goes out at once: a lone caller never waits for company.
 * - With one in flight, entries gather until `max` have come, `lingerMs` have passed since the first of them, or the
 *   calls in flight have all returned, whichever is first, and then go out as one call (beside any still in flight).
 * So no entry waits more than `lingerMs` before its call is sent. Each caller's promise settles with its own entry's
 * result (a batch call succeeds as a whole even when some of its entries are refused: SQS lists them in `Failed`),
 * and rejects only when the whole call failed.
 */
export class Batcher<T> {
    private waiting: Waiting<T>[] = [];
    private timer: unknown;
    private inFlight = 0;

    constructor(
        private readonly sendBatch: SendBatch<T>,
        private readonly max: number,
        private readonly lingerMs: number,
        private readonly timers: Timers = processTimers,
    ) {
        if (!Number.isInteger(max) || max < 1) throw new Error(`a batch holds at least one entry, not ${max}`);
    }

    /** Resolves with `undefined` once the entry was accepted, or with the reason it was refused. */
    submit(entry: T): Promise<string | undefined> {
        return new Promise((settle, fail) => {
            this.waiting.push({ entry, settle, fail });
            if (this.inFlight === 0 || this.waiting.length >= this.max) this.flush();
            else this.timer ??= this.timers.setTimeout(() => this.flush(), this.lingerMs);
        });
    }

    /** Entries waiting for their call to be sent (for a spec). */
    get gathering(): number {
        return this.waiting.length;
    }

    private flush(): void {
        if (this.timer !== undefined) {
            this.timers.clearTimeout(this.timer);
            this.timer = undefined;
        }
        const batch = this.waiting.splice(0, this.max);
        if (batch.length === 0) return;
        this.inFlight++;
        let call: Promise<(string | undefined)[]>;
        try {
            call = this.sendBatch(batch.map((w) => w.entry));
        } catch (e) {
            call = Promise.reject(e);
        }
        call.then(
            (results) => batch.forEach((w, i) => w.settle(i < results.length ? results[i] : "not in the service's answer")),
            (e) => batch.forEach((w) => w.fail(e)),
        ).finally(() => {
            this.inFlight--;
            // Nothing in flight any more: what gathered meanwhile has no call left to wait for.
            if (this.inFlight === 0 && this.waiting.length > 0) this.flush();
        });
        // Submitting flushes at `max`, so a flush takes every waiting entry; should any be left, they linger as usual.
        if (this.waiting.length > 0) this.timer = this.timers.setTimeout(() => this.flush(), this.lingerMs);
    }
}
