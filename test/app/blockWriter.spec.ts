/**
 * Ingest's coalesced writes (app/src/http/ingest.ts BlockWriter, issue 23): the bytes reach the file whole and in
 * order, a slow upload's bytes still reach EFS at least every PARTIAL_BLOCK_MS (the sweep of uploads/tmp/ judges an
 * upload by its files' mtimes), and the process-wide block budget is given back by every writer.
 */
import { strict as assert } from "assert";
import { createHash, randomBytes } from "crypto";
import { promises as fsp } from "fs";
import * as os from "os";
import * as path from "path";
import { BlockWriter, PARTIAL_BLOCK_MS, WRITE_BLOCK_BYTES, BLOCK_BUDGET_BYTES, WORKER_HASH_BYTES } from "../../app/src/http/ingest";

describe("app: ingest's block writer", () => {
    let dir: string;
    beforeEach(async () => (dir = await fsp.mkdtemp(path.join(os.tmpdir(), "blocks-"))));
    afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

    it("writes every byte in order, across block boundaries and odd chunk sizes", async () => {
        const data = randomBytes(3 * WRITE_BLOCK_BYTES + 12345);
        const fh = await fsp.open(path.join(dir, "f"), "wx");
        const w = new BlockWriter(fh, data.length);
        for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 13) % 70_000 || 1) await w.add(data.subarray(at, Math.min(data.length, at + step)));
        await w.flush();
        await w.settled();
        await fh.close();
        const stored = await fsp.readFile(path.join(dir, "f"));
        assert.equal(createHash("sha256").update(stored).digest("hex"), createHash("sha256").update(data).digest("hex"));
    });

    it("writes a partly filled block once it has held bytes for PARTIAL_BLOCK_MS, so a slow upload's file grows", async () => {
        let clock = 1_000_000;
        const fh = await fsp.open(path.join(dir, "slow"), "wx");
        const w = new BlockWriter(fh, 50 * WRITE_BLOCK_BYTES, () => clock);
        await w.add(Buffer.alloc(900 * 1024, 1));
        assert.equal((await fsp.stat(path.join(dir, "slow"))).size, 0, "a young partial block is held");
        clock += PARTIAL_BLOCK_MS;
        await w.add(Buffer.alloc(4096, 2));
        await w.settled(); // the write in flight
        assert.equal((await fsp.stat(path.join(dir, "slow"))).size, 900 * 1024 + 4096);
        await fh.close();
    });

    it("past the process's block budget, writes chunks directly, and every writer gives its blocks back", async () => {
        const writers: { w: BlockWriter; fh: fsp.FileHandle }[] = [];
        const per = 2 * WRITE_BLOCK_BYTES;
        for (let i = 0; i < BLOCK_BUDGET_BYTES / per + 3; i++) {
            const fh = await fsp.open(path.join(dir, `f${i}`), "wx");
            writers.push({ w: new BlockWriter(fh, 10 * WRITE_BLOCK_BYTES), fh });
        }
        // The last ones have no blocks: a chunk is on disk as soon as add() returns.
        const last = writers[writers.length - 1];
        await last.w.add(Buffer.alloc(1000, 3));
        assert.equal((await fsp.stat(path.join(dir, `f${writers.length - 1}`))).size, 1000);
        for (const { w, fh } of writers) {
            await w.settled();
            await fh.close();
        }
        // All given back: a new writer coalesces again (its first small chunk stays in its block).
        const fh = await fsp.open(path.join(dir, "again"), "wx");
        const again = new BlockWriter(fh, 10 * WRITE_BLOCK_BYTES);
        await again.add(Buffer.alloc(1000, 4));
        assert.equal((await fsp.stat(path.join(dir, "again"))).size, 0);
        await again.flush();
        await again.settled();
        await fh.close();
        assert.equal((await fsp.stat(path.join(dir, "again"))).size, 1000);
    });

    it("its digest is the SHA-256 of every byte added, whether hashed on the worker (large), inline (small) or past the budget", async () => {
        const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
        const cases: [string, number, number][] = [
            ["large, on the worker", 2 * WRITE_BLOCK_BYTES + 777, 5 * WRITE_BLOCK_BYTES],
            ["unknown length, on the worker", 3 * WRITE_BLOCK_BYTES + 1, WRITE_BLOCK_BYTES],
            ["small, inline", 300_000, 300_000],
        ];
        assert.ok(cases[0][2] >= WORKER_HASH_BYTES && cases[2][2] < WORKER_HASH_BYTES);
        for (const [what, length, declared] of cases) {
            const data = randomBytes(length);
            const fh = await fsp.open(path.join(dir, what), "wx");
            const w = new BlockWriter(fh, declared);
            for (let at = 0, step = 1; at < data.length; at += step, step = (step * 7 + 13) % 70_000 || 1) await w.add(data.subarray(at, Math.min(data.length, at + step)));
            await w.flush();
            assert.equal(await w.digest(), sha(data), what);
            await w.settled();
            await fh.close();
            assert.equal(sha(await fsp.readFile(path.join(dir, what))), sha(data), `${what}: the file`);
        }
        // Past the budget (no blocks): inline, chunk by chunk.
        const held: { w: BlockWriter; fh: fsp.FileHandle }[] = [];
        for (let i = 0; i < BLOCK_BUDGET_BYTES / (2 * WRITE_BLOCK_BYTES); i++) {
            const fh = await fsp.open(path.join(dir, `held${i}`), "wx");
            held.push({ w: new BlockWriter(fh, 10 * WRITE_BLOCK_BYTES), fh });
        }
        const data = randomBytes(WRITE_BLOCK_BYTES + 5);
        const fh = await fsp.open(path.join(dir, "over"), "wx");
        const w = new BlockWriter(fh, 10 * WRITE_BLOCK_BYTES);
        await w.add(data.subarray(0, 1000));
        assert.equal((await fsp.stat(path.join(dir, "over"))).size, 1000, "past the budget: written directly");
        await w.add(data.subarray(1000));
        await w.flush();
        assert.equal(await w.digest(), sha(data), "past the budget");
        await w.settled();
        await fh.close();
        for (const h of held) {
            await h.w.settled();
            await h.fh.close();
        }
    });
});
