/**
 * Issue 23's ingest: an item is written into uploads/tmp/<id>/ under its final names (no temporary names inside it),
 * published by one rename of its directory, and marked as sent to the work queue by making its meta.json read-only
 * (the versions before wrote a `queued` file beside it). These specs hold the two promises that rest on it:
 *  - takeover: what a task killed at any step of that ingest leaves is archived exactly once if it was published, and
 *    never if it was not (its client got no 202), whatever its tmp/ directory looks like;
 *  - rolling deploy: items left by the version before (marked by `queued`, or never sent) and by this one (marked by
 *    meta.json's mode) on one EFS are each archived exactly once, and the reconciling scan re-sends only the item that
 *    was never sent.
 */
import { strict as assert } from "assert";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { aws, createVersionedBucket, CREDENTIALS } from "../support/s3server";
import { queuesFor } from "../support/sqsQueues";
import { filesUnder, motoSuite, pdf, runApp, sha256, startApp, tempDataDir, upload } from "./helpers";

/** Writes an item at `dir` as ingest leaves it (meta.json + original, not yet processed); returns its key and hash. */
function writeItem(dir: string, name: string, bytes: Buffer): { id: string; key: string; hash: string } {
    const id = path.basename(dir);
    const key = `uploads/${id}/${name}`;
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "original"), bytes, { mode: 0o640 });
    const meta = { id, kind: "upload", name, size: bytes.length, sha256: sha256(bytes), contentType: "application/pdf", key, receivedAt: new Date(Date.now() - 7200_000).toISOString() };
    fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta), { mode: 0o640 });
    return { id, key, hash: sha256(bytes) };
}

/** An S3 endpoint that accepts connections and never answers. */
async function blackHole(): Promise<{ endpoint: string; close: () => void }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((c) => {
        sockets.add(c);
        c.on("error", () => undefined);
        c.on("close", () => sockets.delete(c));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        close: () => {
            for (const c of sockets) c.destroy();
            server.close();
        },
    };
}

/** Every key under uploads/ in the bucket with its number of versions. */
function versionsOf(endpoint: string, bucket: string): Map<string, number> {
    const out = aws(endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", "uploads/"]) ?? {};
    const versions = new Map<string, number>();
    for (const v of out.Versions ?? []) versions.set(v.Key, (versions.get(v.Key) ?? 0) + 1);
    return versions;
}

/** The bytes in S3 match what was acknowledged, key by key. */
function assertBytes(endpoint: string, bucket: string, expected: Map<string, string>): void {
    const dir = tempDataDir();
    aws(endpoint, ["s3", "sync", `s3://${bucket}/uploads/`, dir, "--only-show-errors"]);
    for (const f of filesUnder(dir)) assert.equal(sha256(fs.readFileSync(path.join(dir, f))), expected.get(`uploads/${f}`), f);
}

describe("app: issue 23's ingest layout — takeover and rolling deploy", function () {
    this.timeout(180_000);
    const suite = motoSuite();
    const { apps } = suite;
    let bucketNo = 0;
    const newBucket = () => {
        const bucket = `layout-spec-${process.pid}-${++bucketNo}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        return bucket;
    };

    it("takeover: of what a task killed mid-ingest left, the published item (not yet marked) is archived exactly once; the unpublished ones, complete or not, never, and are removed", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const tmp = path.join(dataDir, "uploads", "tmp");
        const incoming = path.join(dataDir, "uploads", "incoming");
        // Killed while the body arrived: a partial `original` under its final name, no meta.json.
        const partialDir = path.join(tmp, randomUUID());
        fs.mkdirSync(partialDir, { recursive: true });
        fs.writeFileSync(path.join(partialDir, "original"), pdf(3000).subarray(0, 1000));
        // Killed after meta.json was fsynced, before the rename that publishes: complete, but never acknowledged.
        const unpublished = writeItem(path.join(tmp, randomUUID()), "unpublished.pdf", pdf(4000));
        // Killed after the rename, before the send and its mark: acknowledged by nothing yet, but published.
        const published = writeItem(path.join(incoming, randomUUID()), "published.pdf", pdf(5000));
        const hourAgo = new Date(Date.now() - 2 * 3600_000);
        for (const dir of [partialDir, path.join(tmp, unpublished.id)]) {
            for (const f of ["", ...fs.readdirSync(dir)]) fs.utimesSync(path.join(dir, f), hourAgo, hourAgo);
        }

        const once = await runApp(["archive", "--once"], { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", TASK_ID: "rescuer" });
        assert.equal(once.code, 0, once.stderr + JSON.stringify(once.lines.filter((l) => l.level !== "info")));

        const versions = versionsOf(suite.s3.endpoint, bucket);
        assert.deepEqual([...versions.keys()], [published.key], "only the published item is archived");
        assert.equal(versions.get(published.key), 1, "once");
        assertBytes(suite.s3.endpoint, bucket, new Map([[published.key, published.hash]]));
        const removed = once.lines.filter((l) => l.msg === "removed an upload that was never completed").map((l) => l.uploadId);
        assert.deepEqual(removed.sort(), [path.basename(partialDir), unpublished.id].sort(), "both unpublished uploads removed");
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads")), [], "nothing left on EFS");
    });

    it("rolling deploy: items marked `queued` by the version before, one it never sent, and items this version took in (marked by meta.json's mode) are each archived exactly once; the reconciling scan re-sends only the unsent one", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const incoming = path.join(dataDir, "uploads", "incoming");
        const expected = new Map<string, string>();

        // This version takes uploads in while S3 never answers: they wait on EFS, marked, their messages handed back on
        // SIGTERM. One archive worker, stuck on its first PUT, so that all but one stay unprocessed (processing rewrites
        // meta.json, marked too): the scan below reads ingest's own mark on them.
        const hole = await blackHole();
        try {
            const web = await startApp({ DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: hole.endpoint, ARCHIVE_CONCURRENCY: "1", CLAIM_LEASE_SECONDS: "2", SHUTDOWN_DEADLINE_SECONDS: "5", TASK_ID: "web" });
            apps.push(web);
            for (let i = 0; i < 6; i++) {
                const bytes = pdf(3000 + i);
                const r = await upload(web.url, `new-${i}.pdf`, bytes);
                assert.equal(r.status, 202, JSON.stringify(r.body));
                expected.set(`uploads/${r.body.id}/new-${i}.pdf`, sha256(bytes));
                const mode = fs.statSync(path.join(incoming, r.body.id, "meta.json")).mode & 0o777;
                assert.equal(mode, 0o440, "marked as sent: meta.json read-only");
                assert.ok(!fs.existsSync(path.join(incoming, r.body.id, "queued")), "no queued file");
            }
            await web.stop();
        } finally {
            hole.close(); // a failed assertion must not leave the server holding mocha open
        }

        // Then what the version before issue 23 left (written after this version's task stopped, so that nothing of this
        // version touched them): items with a `queued` file beside them and their messages on the queue…
        const queues = await queuesFor(dataDir);
        const messages = [];
        for (let i = 0; i < 6; i++) {
            const item = writeItem(path.join(incoming, randomUUID()), `old-${i}.pdf`, pdf(2000 + i));
            fs.writeFileSync(path.join(incoming, item.id, "queued"), "");
            expected.set(item.key, item.hash);
            messages.push({ Id: String(i), MessageBody: JSON.stringify({ id: item.id, kind: "upload", size: 2000 + i, sha256: item.hash }) });
        }
        const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.QUEUE_URL, Entries: messages }));
        sqs.destroy();
        // …and one whose task died between EFS and the queue: no mark, no message.
        const unsent = writeItem(path.join(incoming, randomUUID()), "old-unsent.pdf", pdf(2100));
        expected.set(unsent.key, unsent.hash);

        const once = await runApp(["archive", "--once"], { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", TASK_ID: "new-version" });
        assert.equal(once.code, 0, once.stderr + JSON.stringify(once.lines.filter((l) => l.level !== "info")));
        const scans = once.lines.filter((l) => l.msg === "reconciling scan: sent messages for items found on EFS without one");
        assert.deepEqual(
            scans.map((l) => l.found),
            [1],
            "the reconciling scan finds only the item never sent: both marks are read",
        );

        const versions = versionsOf(suite.s3.endpoint, bucket);
        assert.deepEqual([...versions.keys()].sort(), [...expected.keys()].sort(), "every item is in S3");
        assert.ok([...versions.values()].every((n) => n === 1), "no object was written twice");
        const written = once.lines.filter((l) => l.msg === "archived" && l.alreadyThere === false && l.uploadId !== undefined).map((l) => l.uploadId);
        assert.equal(new Set(written).size, written.length, "no item archived twice");
        assertBytes(suite.s3.endpoint, bucket, expected);
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "incoming")), [], "nothing left in incoming/, the old `queued` files included");
    });
});
