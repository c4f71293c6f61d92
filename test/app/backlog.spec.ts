import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../support/s3server";
import { removeTempDataDirs, tempDataDir } from "./helpers";

// The built app, as the other app specs run it.
const { BacklogGauge, RECONCILE_MS } = require(path.join(REPO_ROOT, "app", "dist", "store", "backlog.js"));
const { Layout } = require(path.join(REPO_ROOT, "app", "dist", "store", "store.js"));

function waiting(layout: any, sizes: number[]): void {
    for (const size of sizes) {
        const dir = path.join(layout.incoming, `item-${Math.random().toString(36).slice(2)}`);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "original"), Buffer.alloc(size));
        fs.writeFileSync(path.join(dir, "meta.json"), "{}");
    }
}

/** The tag of a scan that counted the claim shards (app/src/store/backlog.ts): what this version's tasks publish. */
const LAYOUT = "claims+processing";

function heartbeat(layout: any, task: string, counters: object, baseline?: object): void {
    fs.writeFileSync(path.join(layout.tasks, `${task}.alive`), JSON.stringify({ task, counters, baseline }));
}

describe("app: the backlog costs the same whatever its size", function () {
    this.timeout(30_000);
    after(() => removeTempDataDirs());

    async function setUp(task = "task-a") {
        const layout = new Layout(tempDataDir());
        await layout.ensure(task);
        const gauge = new BacklogGauge(layout, () => task);
        gauge.start(3_600_000, (e: unknown) => assert.fail(String(e)));
        return { layout, gauge };
    }

    it("adds to the last scan what each task accepted and removed since, read from the heartbeats, without listing the items again", async () => {
        const { layout, gauge } = await setUp();
        try {
            waiting(layout, [100, 200, 300]);
            assert.deepEqual(await gauge.current(), { files: 3, bytes: 600 }, "the first figure is a full scan");

            // Items that appear on disk without any task counting them stay unseen until the next scan: proof that a
            // refresh does not list uploads/incoming.
            waiting(layout, [5000]);
            heartbeat(layout, "task-b", { counterId: "b", accepted: { files: 4, bytes: 4000 }, left: { files: 1, bytes: 1000 }, gauge: true });
            await gauge.refresh();
            assert.deepEqual(await gauge.current(), { files: 6, bytes: 3600 }, "a peer's accepted minus removed is added");

            gauge.addAccepted(70);
            assert.deepEqual(await gauge.current(), { files: 7, bytes: 3670 }, "this task's own uploads count at once, with no request");
            gauge.addLeft(100);
            assert.deepEqual(await gauge.current(), { files: 6, bytes: 3570 });
        } finally {
            gauge.stop();
        }
    });

    it(`rescans once the last scan is older than ${RECONCILE_MS / 60_000} minutes, counting peers from their counters at the rescan`, async () => {
        const { layout, gauge } = await setUp();
        try {
            waiting(layout, [100]);
            const stale = { files: 50, bytes: 50_000, at: Date.now() - RECONCILE_MS - 1000, counters: { b: { accepted: { files: 2, bytes: 200 }, left: { files: 0, bytes: 0 } } }, layout: LAYOUT };
            heartbeat(layout, "task-b", { counterId: "b", accepted: { files: 9, bytes: 900 }, left: { files: 0, bytes: 0 }, gauge: true }, stale);
            // task-a sorts before task-b among the tasks that keep the gauge: it is the one to rescan.
            assert.deepEqual(await gauge.current(), { files: 1, bytes: 100 }, "the stale figure and the peer's counters before the rescan are replaced by the rescan");
            const published = gauge.heartbeatFields().baseline;
            assert.deepEqual(published.counters.b, { accepted: { files: 9, bytes: 900 }, left: { files: 0, bytes: 0 } });
        } finally {
            gauge.stop();
        }
    });

    it("leaves the rescan to the first task in name order while the last scan is less than three periods old", async () => {
        const { layout, gauge } = await setUp("task-z");
        try {
            waiting(layout, [100]);
            const stale = { files: 7, bytes: 700, at: Date.now() - RECONCILE_MS - 1000, counters: {}, layout: LAYOUT };
            heartbeat(layout, "task-b", { counterId: "b", accepted: { files: 0, bytes: 0 }, left: { files: 0, bytes: 0 }, gauge: true }, stale);
            assert.deepEqual(await gauge.current(), { files: 7, bytes: 700 }, "task-b, not task-z, rescans");
        } finally {
            gauge.stop();
        }
    });

    it("does not trust a scan published by a task of the version before the claim shards (it missed uploads/claims/): rescans", async () => {
        const { layout, gauge } = await setUp("task-z");
        try {
            waiting(layout, [100]);
            // A fresh scan, from a task that sorts first and would otherwise be the one to rescan, but without the tag.
            const fromOldVersion = { files: 7, bytes: 700, at: Date.now(), counters: {} };
            heartbeat(layout, "task-b", { counterId: "b", accepted: { files: 0, bytes: 0 }, left: { files: 0, bytes: 0 }, gauge: true }, fromOldVersion);
            assert.deepEqual(await gauge.current(), { files: 1, bytes: 100 }, "task-z rescans instead of using the old version's figure");
            assert.equal(gauge.heartbeatFields().baseline.layout, LAYOUT, "and publishes its scan tagged");
        } finally {
            gauge.stop();
        }
    });

    it("rescans at once when a process that archived since the last scan stops, instead of counting what it archived as waiting", async () => {
        const { layout, gauge } = await setUp();
        try {
            waiting(layout, [100, 100]);
            heartbeat(layout, "task-w", { counterId: "w", accepted: { files: 0, bytes: 0 }, left: { files: 0, bytes: 0 }, gauge: false });
            assert.deepEqual(await gauge.current(), { files: 2, bytes: 200 });
            const [one] = fs.readdirSync(layout.incoming);
            fs.rmSync(path.join(layout.incoming, one), { recursive: true });
            heartbeat(layout, "task-w", { counterId: "w", accepted: { files: 0, bytes: 0 }, left: { files: 1, bytes: 100 }, gauge: false });
            await gauge.refresh();
            assert.deepEqual(await gauge.current(), { files: 1, bytes: 100 }, "the worker's archived file is counted from its heartbeat");

            waiting(layout, [50]); // on disk, counted by no one: seen only by a scan
            fs.rmSync(path.join(layout.tasks, "task-w.alive")); // the worker stopped, its counters with it
            await gauge.refresh();
            assert.deepEqual(await gauge.current(), { files: 2, bytes: 150 }, "rescanned: neither the stopped worker's archived file nor the new one is miscounted");
        } finally {
            gauge.stop();
        }
    });
});
