import { strict as assert } from "assert";
import { createHash, randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { aws, createVersionedBucket } from "../support/s3server";
import { claimedItemDirs, filesUnder, motoSuite, pdf, runApp, sha256, startApp, tempDataDir, waitFor } from "./helpers";

// The claim layouts of app/src/store/store.ts, from the versions before the work queue: uploads/claims/<task>/<shard>/<id>/
// (sixteen shards, 0-f) and, before that, uploads/processing/<task>/<id>/. During a rolling deploy they share one EFS
// with this version, which claims nothing on EFS: whatever old tasks left claimed, or waiting in incoming/ without a
// message, must be taken over into incoming/ and sent to the queue, counted and found by this version.

const SHARDS = "0123456789abcdef".split("");

/** Writes an item as ingest leaves it (meta.json + original, not yet processed) at `dir`; returns its S3 key and hash. */
function writeItem(dir: string, i: number): { id: string; key: string; hash: string } {
    const id = path.basename(dir);
    const bytes = pdf(2048 + i * 10);
    const key = `uploads/${id}/f-${i}.pdf`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "original"), bytes);
    const meta = { id, kind: "upload", name: `f-${i}.pdf`, size: bytes.length, sha256: sha256(bytes), contentType: "application/pdf", key, receivedAt: new Date().toISOString() };
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta));
    return { id, key, hash: sha256(bytes) };
}

/** A heartbeat (and claim directories) last touched an hour ago: a task dead for far longer than any lease. */
function deadTask(dataDir: string, task: string, dirs: string[]): void {
    const beat = path.join(dataDir, "uploads", "tasks", `${task}.alive`);
    fs.mkdirSync(path.dirname(beat), { recursive: true });
    fs.writeFileSync(beat, JSON.stringify({ task }) + "\n");
    const longAgo = new Date(Date.now() - 3600_000);
    for (const f of [beat, ...dirs]) if (fs.existsSync(f)) fs.utimesSync(f, longAgo, longAgo);
}

describe("app: a rolling deploy onto the queue — what the versions before it left claimed or waiting", function () {
    this.timeout(180_000);
    const suite = motoSuite();
    let bucketNo = 0;

    function newBucket(): string {
        const bucket = `claims-spec-${process.pid}-${++bucketNo}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        return bucket;
    }

    /**
     * A dead task of this version holding claims in every shard, and a dead task of the previous version holding claims
     * in processing/<task>/ (a rolling deploy): 48 items in all, plus `incoming` waiting in incoming/.
     */
    function deadTasksWithClaims(dataDir: string, incoming: number): Map<string, string> {
        const sent = new Map<string, string>();
        const add = (dir: string, i: number) => {
            const { key, hash } = writeItem(dir, i);
            sent.set(key, hash);
        };
        const shardedRoot = path.join(dataDir, "uploads", "claims", "sharded-victim");
        // Two items per shard, whatever shard their id would hash to: a takeover lists every shard.
        for (let i = 0; i < 32; i++) add(path.join(shardedRoot, SHARDS[i % SHARDS.length], randomUUID()), i);
        const legacyRoot = path.join(dataDir, "uploads", "processing", "old-version-victim");
        for (let i = 32; i < 48; i++) add(path.join(legacyRoot, randomUUID()), i);
        for (let i = 48; i < 48 + incoming; i++) add(path.join(dataDir, "uploads", "incoming", randomUUID()), i);
        deadTask(dataDir, "sharded-victim", [shardedRoot, ...SHARDS.map((s) => path.join(shardedRoot, s))]);
        deadTask(dataDir, "old-version-victim", [legacyRoot]);
        return sent;
    }

    it("a dead task's claims in all sixteen shards, an older task's claims in processing/<task>/ and items in incoming/ without a message are enqueued and archived exactly once", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const sent = deadTasksWithClaims(dataDir, 8);
        assert.equal(claimedItemDirs(dataDir, "sharded-victim").length, 32);
        assert.equal(claimedItemDirs(dataDir, "old-version-victim").length, 16);

        const once = await runApp(["archive", "--once"], { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", TASK_ID: "rescuer" });
        assert.equal(once.code, 0, once.stderr + JSON.stringify(once.lines.filter((l) => l.level !== "info")));
        const tookOver = new Map(once.lines.filter((l) => l.msg === "took over claims of a task whose lease expired").map((l) => [l.deadTask, l.items]));
        assert.equal(tookOver.get("sharded-victim"), 32, "every claim of the sharded task, from every shard");
        assert.equal(tookOver.get("old-version-victim"), 16, "every claim of the previous version's task");

        const out = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", "uploads/"]) ?? {};
        const versions = new Map<string, number>();
        for (const v of out.Versions ?? []) versions.set(v.Key, (versions.get(v.Key) ?? 0) + 1);
        assert.deepEqual([...versions.keys()].sort(), [...sent.keys()].sort(), "every item is in S3");
        assert.ok([...versions.values()].every((n) => n === 1), "no object was written twice");
        const written = once.lines.filter((l) => l.msg === "archived" && l.alreadyThere === false).map((l) => l.uploadId);
        assert.equal(new Set(written).size, written.length, "no item sent twice");
        const dir = tempDataDir();
        aws(suite.s3.endpoint, ["s3", "sync", `s3://${bucket}/uploads/`, dir, "--only-show-errors"]);
        for (const f of filesUnder(dir)) assert.equal(sha256(fs.readFileSync(path.join(dir, f))), sent.get(`uploads/${f}`), f);

        assert.deepEqual(filesUnder(path.join(dataDir, "uploads")), [], "nothing left on EFS");
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "claims")), [], "no claim directory left, the rescuer's own included");
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "processing")), [], "the old version's claim directory removed");
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "tasks")), [], "the dead tasks' heartbeats removed");
    });

    it("a task started under the TASK_ID of a previous-version task archives what that task left in processing/<TASK_ID>/ (no peer would: the heartbeat is fresh)", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const legacyRoot = path.join(dataDir, "uploads", "processing", "fixed-id");
        const sent = new Map<string, string>();
        for (let i = 0; i < 5; i++) {
            const { key, hash } = writeItem(path.join(legacyRoot, randomUUID()), i);
            sent.set(key, hash);
        }
        // Recent, as if the old task stopped a moment ago: only the task that reuses its id is meant to pick these up.
        const once = await runApp(["archive", "--once"], { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "3600", TASK_ID: "fixed-id" });
        assert.equal(once.code, 0, once.stderr + JSON.stringify(once.lines.filter((l) => l.level !== "info")));
        const out = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", "uploads/"]) ?? {};
        assert.deepEqual((out.Versions ?? []).map((v: { Key: string }) => v.Key).sort(), [...sent.keys()].sort(), "every item is in S3, once");
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads")), [], "nothing left on EFS");
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "processing")), [], "the old layout's directory removed");
    });

    it("the backlog on /status and GET /uploads/:id see items claimed in a shard and in the previous version's processing/<task>/", async () => {
        const dataDir = tempDataDir();
        const unreachable = { DATA_DIR: dataDir, BUCKET: "unreachable", S3_ENDPOINT: "http://127.0.0.1:9" };
        const sizes = new Map<string, number>();
        // A task of the version before the queue claimed them into its shards and was killed.
        const shardedRoot = path.join(dataDir, "uploads", "claims", "sharded-victim");
        for (let i = 0; i < 4; i++) {
            const id = randomUUID();
            // The shard that version chose: one hex digit of a hash of the id (app/src/store/store.ts, shardOf).
            writeItem(path.join(shardedRoot, SHARDS[createHash("sha1").update(id).digest()[0] % 16], id), i);
        }
        deadTask(dataDir, "sharded-victim", [shardedRoot]);
        const legacyRoot = path.join(dataDir, "uploads", "processing", "old-version-victim");
        for (let i = 4; i < 7; i++) writeItem(path.join(legacyRoot, randomUUID()), i);
        deadTask(dataDir, "old-version-victim", [legacyRoot]);
        for (const dir of claimedItemDirs(dataDir)) sizes.set(path.basename(dir), fs.statSync(path.join(dir, "original")).size);
        assert.ok(!fs.existsSync(path.join(dataDir, "uploads", "incoming")), "nothing in incoming/");

        // Nothing in incoming/ and a lease far longer than the spec: the observer claims and takes over nothing, so its
        // figures are the scan of what the two dead tasks hold.
        const app = await startApp({ ...unreachable, CLAIM_LEASE_SECONDS: "86400", TASK_ID: "observer" });
        try {
            const status = await waitFor("a backlog figure on /status", async () => {
                const s = (await (await fetch(`${app.url}/status`)).json()) as { backlog: { files?: number } };
                return typeof s.backlog.files === "number" ? s : undefined;
            });
            const bytes = [...sizes.values()].reduce((a, b) => a + b, 0);
            assert.deepEqual(status.backlog, { files: 7, bytes }, JSON.stringify(status));
            for (const [label, dir] of [
                ["sharded", claimedItemDirs(dataDir, "sharded-victim")[0]],
                ["legacy", claimedItemDirs(dataDir, "old-version-victim")[0]],
            ]) {
                const r = await fetch(`${app.url}/uploads/${path.basename(dir)}`);
                assert.equal(r.status, 200, `${label} claim ${dir}`);
                const body = (await r.json()) as { status: string; size: number };
                assert.deepEqual([body.status, body.size], ["stored", sizes.get(path.basename(dir))], label);
            }
        } finally {
            await app.stop("SIGKILL");
        }
    });
});
