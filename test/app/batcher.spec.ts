/**
 * Concurrent uploads' messages share SendMessageBatch calls, and finished items' deletes DeleteMessageBatch calls
 * (app/src/queue/batcher.ts, issue 23): a lone entry is sent at once, gathered ones never wait past the linger, and
 * each caller hears its own entry's result. Driven by a fake clock: nothing here waits for a duration.
 */
import { strict as assert } from "assert";
import { promises as fsp } from "fs";
import * as os from "os";
import * as path from "path";
import { Batcher, Timers } from "../../app/src/queue/batcher";
import { ItemMessage, WorkQueue } from "../../app/src/queue/queue";
import { Enqueuer, SEND_LINGER_MS } from "../../app/src/queue/reconcile";
import { Logger } from "../../app/src/observability/log";
import { Layout, META, META_MODE } from "../../app/src/store/store";

/** Timers that fire only when the spec advances the clock. */
class FakeClock implements Timers {
    now = 0;
    private timers = new Map<number, { at: number; fire: () => void }>();
    private next = 0;
    setTimeout(fire: () => void, ms: number): unknown {
        const handle = ++this.next;
        this.timers.set(handle, { at: this.now + ms, fire });
        return handle;
    }
    clearTimeout(handle: unknown): void {
        this.timers.delete(handle as number);
    }
    advance(ms: number): void {
        this.now += ms;
        for (const [handle, t] of [...this.timers].sort((a, b) => a[1].at - b[1].at)) {
            if (t.at > this.now) continue;
            this.timers.delete(handle);
            t.fire();
        }
    }
}

/** A batch call that the spec answers by hand. */
interface Call<T> {
    readonly entries: T[];
    answer(results: (string | undefined)[]): void;
    fail(e: Error): void;
}

function recorder<T>(): { calls: Call<T>[]; send: (entries: T[]) => Promise<(string | undefined)[]> } {
    const calls: Call<T>[] = [];
    return {
        calls,
        send: (entries) => new Promise((answer, fail) => calls.push({ entries, answer, fail })),
    };
}

/** Lets promise callbacks run (no timer involved). */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** Whether `p` has settled yet, without waiting for it. */
function state<T>(p: Promise<T>): () => "pending" | "settled" {
    let s: "pending" | "settled" = "pending";
    p.then(
        () => (s = "settled"),
        () => (s = "settled"),
    );
    return () => s;
}

describe("app: batched SQS calls (SendMessageBatch for uploads, DeleteMessageBatch for finished items)", () => {
    it("a lone entry is sent at once, without lingering", async () => {
        const clock = new FakeClock();
        const { calls, send } = recorder<string>();
        const b = new Batcher(send, 10, 5, clock);
        const r = b.submit("a");
        assert.equal(calls.length, 1, "sent before any time passed");
        assert.deepEqual(calls[0].entries, ["a"]);
        calls[0].answer([undefined]);
        assert.equal(await r, undefined);
    });

    it("while a call is in flight, entries gather and go out as one call once the linger has passed since the first, never later", async () => {
        const clock = new FakeClock();
        const { calls, send } = recorder<string>();
        const b = new Batcher(send, 10, 5, clock);
        void b.submit("first");
        const second = b.submit("b");
        clock.advance(3);
        const third = b.submit("c");
        assert.equal(calls.length, 1, "b and c wait for company while the first call is in flight");
        clock.advance(1);
        assert.equal(calls.length, 1, "4 ms after b: still within the linger");
        clock.advance(1);
        assert.equal(calls.length, 2, "sent 5 ms after b, the first of them, though the first call is still in flight");
        assert.deepEqual(calls[1].entries, ["b", "c"]);
        calls[1].answer([undefined, "InvalidParameterValue: too big"]);
        assert.equal(await second, undefined);
        assert.equal(await third, "InvalidParameterValue: too big");
    });

    it("gathered entries go out as soon as the call in flight returns, before the linger", async () => {
        const clock = new FakeClock();
        const { calls, send } = recorder<string>();
        const b = new Batcher(send, 10, 5, clock);
        void b.submit("first");
        void b.submit("b");
        calls[0].answer([undefined]);
        await settle();
        assert.equal(calls.length, 2, "nothing is in flight any more: nothing to linger for");
        assert.deepEqual(calls[1].entries, ["b"]);
    });

    it("ten gathered entries go out at once, and the eleventh starts the next batch", async () => {
        const clock = new FakeClock();
        const { calls, send } = recorder<number>();
        const b = new Batcher(send, 10, 5, clock);
        void b.submit(0);
        for (let i = 1; i <= 11; i++) void b.submit(i);
        assert.equal(calls.length, 2, "the tenth gathered entry sends its batch without waiting");
        assert.deepEqual(calls[1].entries, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert.equal(b.gathering, 1);
        clock.advance(5);
        assert.deepEqual(calls[2].entries, [11]);
    });

    it("a failed call rejects each of its callers, and only them", async () => {
        const clock = new FakeClock();
        const { calls, send } = recorder<string>();
        const b = new Batcher(send, 10, 5, clock);
        const first = b.submit("first");
        const gathered = [b.submit("b"), b.submit("c")];
        clock.advance(5);
        calls[1].fail(new Error("connection reset"));
        for (const g of gathered) await assert.rejects(g, /connection reset/);
        calls[0].answer([undefined]);
        assert.equal(await first, undefined);
    });

    describe("Enqueuer.enqueueUpload (ingest's send)", () => {
        let dataDir: string;
        let layout: Layout;
        beforeEach(async () => {
            dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), "batcher-"));
            layout = new Layout(dataDir);
            await layout.ensure("t");
        });
        afterEach(() => fsp.rm(dataDir, { recursive: true, force: true }));

        async function item(id: string): Promise<ItemMessage> {
            await fsp.mkdir(path.join(layout.incoming, id));
            await fsp.writeFile(path.join(layout.incoming, id, META), "{}", { mode: META_MODE });
            return { id, kind: "upload", size: 1, sha256: "0".repeat(64) };
        }
        const marked = async (id: string) => ((await fsp.stat(path.join(layout.incoming, id, META))).mode & 0o200) === 0;
        const silent = { warn: () => undefined, info: () => undefined, error: () => undefined, child: () => silent } as unknown as Logger;

        it("one upload's message refused in a shared batch leaves only that item unmarked (the reconciling scan sends it), and each upload is answered only after its own message's result", async () => {
            const clock = new FakeClock();
            const { calls, send } = recorder<ItemMessage>();
            const queue = { sendBatch: (items: ItemMessage[]) => send(items) } as unknown as WorkQueue;
            const enqueuer = new Enqueuer(layout, queue, silent, clock);
            const [a, b, c] = await Promise.all(["a", "b", "c"].map(item));
            const sentA = enqueuer.enqueueUpload(a);
            const sentB = enqueuer.enqueueUpload(b);
            const sentC = enqueuer.enqueueUpload(c);
            const answeredB = state(sentB);
            clock.advance(SEND_LINGER_MS);
            assert.equal(calls.length, 2, "b and c share one SendMessageBatch");
            assert.deepEqual(
                calls[1].entries.map((i) => i.id),
                ["b", "c"],
            );
            calls[0].answer([undefined]);
            assert.equal(await sentA, true);
            await settle();
            assert.equal(answeredB(), "pending", "b's answer waits for b's own message, not for a's");
            calls[1].answer(["InternalError: try again", undefined]);
            assert.equal(await sentB, false);
            assert.equal(await sentC, true);
            assert.equal(await marked("a"), true);
            assert.equal(await marked("b"), false, "the refused message's item keeps no mark: the reconciling scan sends it");
            assert.equal(await marked("c"), true);
        });
    });
});
