import { strict as assert } from "assert";
import { ByteBudget, INLINE_BUDGET_BYTES, INLINE_BYTES, inlineBodies } from "../../app/src/s3/parts";

const MiB = 1024 * 1024;
/** Lets every promise that can settle now settle (one turn of the event loop): no duration involved. */
const settle = () => new Promise((r) => setImmediate(r));

describe("app: inline bodies share one byte budget, so ARCHIVE_CONCURRENCY 16 holds no more than 8 did", () => {
    it("the budget is 8 MiB, eight of the largest inline bodies (1 MiB)", () => {
        assert.equal(INLINE_BYTES, 1 * MiB);
        assert.equal(INLINE_BUDGET_BYTES, 8 * MiB);
        assert.ok(inlineBodies instanceof ByteBudget);
    });

    it("a ninth 1 MiB body waits until one of eight is given back; small bodies go many at a time", async () => {
        const budget = new ByteBudget(8 * MiB);
        for (let i = 0; i < 8; i++) await budget.take(1 * MiB);
        let ninth = false;
        const waiting = budget.take(1 * MiB).then(() => (ninth = true));
        await settle();
        assert.equal(ninth, false, "8 MiB are held: the ninth must wait");
        budget.give(1 * MiB);
        await waiting;
        assert.equal(ninth, true, "taken once one was given back");

        const small = new ByteBudget(8 * MiB);
        await Promise.all(Array.from({ length: 128 }, () => small.take(64 * 1024)));
        let more = false;
        void small.take(64 * 1024).then(() => (more = true));
        await settle();
        assert.equal(more, false, "128 × 64 KiB fill the 8 MiB");
    });

    it("a body larger than the whole budget still goes when nothing else is held, so nothing waits forever", async () => {
        const budget = new ByteBudget(1 * MiB);
        await budget.take(2 * MiB);
        let next = false;
        const waiting = budget.take(1).then(() => (next = true));
        await settle();
        assert.equal(next, false);
        budget.give(2 * MiB);
        await waiting;
        assert.equal(next, true);
    });
});
