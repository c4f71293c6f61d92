import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { aws, createVersionedBucket, CREDENTIALS, startMoto } from "../support/s3server";
import { queuesFor, sqsServer } from "../support/sqsQueues";
import { AppProcess, claimedItemDirs, filesUnder, motoSuite, pdf, runApp, sha256, startApp, tempDataDir, upload, waitFor } from "./helpers";

// These specs need the aws CLI (Debian's awscli, installed by .ci/run) and python3 for moto.

describe("app: upload → EFS → S3 → clean EFS (moto on loopback)", function () {
    this.timeout(300_000);
    let bucketNo = 0;
    const suite = motoSuite();
    const { apps } = suite;

    function newBucket(): string {
        const bucket = `archive-spec-${process.pid}-${++bucketNo}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        return bucket;
    }
    function env(dataDir: string, bucket: string, extra: Record<string, string> = {}): Record<string, string> {
        return { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", ...extra };
    }
    async function serve(e: Record<string, string>): Promise<AppProcess> {
        const a = await startApp(e);
        apps.push(a);
        return a;
    }
    async function statusOf(url: string, id: string): Promise<any> {
        const r = await fetch(`${url}/uploads/${id}`);
        return r.json();
    }
    function versionsUnder(bucket: string, prefix: string): { keys: Map<string, number>; deleteMarkers: number } {
        const out = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", prefix]) ?? {};
        const keys = new Map<string, number>();
        for (const v of out.Versions ?? []) keys.set(v.Key, (keys.get(v.Key) ?? 0) + 1);
        return { keys, deleteMarkers: (out.DeleteMarkers ?? []).length };
    }
    /** Downloads everything under `prefix` with the aws CLI and returns sha256 by key. */
    function downloadedHashes(bucket: string, prefix: string): Map<string, string> {
        const dir = tempDataDir();
        aws(suite.s3.endpoint, ["s3", "sync", `s3://${bucket}/${prefix}`, dir, "--only-show-errors"]);
        return new Map(filesUnder(dir).map((f) => [`${prefix}${f}`, sha256(fs.readFileSync(path.join(dir, f)))]));
    }

    it("archives an upload with the same bytes and its SHA-256 as the S3 checksum, then leaves DATA_DIR empty", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const app = await serve(env(dataDir, bucket));
        const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));
        const png: Buffer = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#3366cc" } }).png().toBuffer();

        const r = await upload(app.url, "blue photo.png", png, "file", "text/plain");
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.equal(r.body.size, png.length);
        assert.equal(r.body.sha256, sha256(png));
        assert.equal(r.body.status, "stored");
        assert.equal(r.body.name, "blue photo.png");

        const archived = await waitFor("archived status", async () => {
            const s = await statusOf(app.url, r.body.id);
            return s.status === "archived" ? s : undefined;
        });
        const key = `uploads/${r.body.id}/blue photo.png`;
        assert.equal(archived.key, key);
        assert.equal(archived.sha256, sha256(png));
        assert.ok(archived.versionId, "a versioned bucket gives the object a version id");

        const head = aws(suite.s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED"]);
        assert.equal(head.ChecksumSHA256, Buffer.from(sha256(png), "hex").toString("base64"));
        assert.equal(head.Metadata.sha256, sha256(png));
        assert.equal(head.ContentType, "image/png", "the type is the sniffed one, not the client's text/plain");
        const hashes = downloadedHashes(bucket, `uploads/${r.body.id}/`);
        assert.equal(hashes.get(key), sha256(png), "the stored bytes are the uploaded bytes");

        const thumbKey = `uploads/${r.body.id}/thumbnails/blue photo.png.webp`;
        assert.ok(hashes.has(thumbKey), `thumbnail archived beside the original: ${[...hashes.keys()].join(", ")}`);
        const thumbDir = tempDataDir();
        aws(suite.s3.endpoint, ["s3", "cp", `s3://${bucket}/${thumbKey}`, path.join(thumbDir, "t.webp"), "--only-show-errors"]);
        const meta = await sharp(path.join(thumbDir, "t.webp")).metadata();
        assert.equal(meta.format, "webp");
        assert.ok(meta.width <= 256 && meta.height <= 256, `thumbnail is ${meta.width}x${meta.height}`);

        const content = await fetch(`${app.url}/uploads/${r.body.id}/content`, { redirect: "manual" });
        assert.equal(content.status, 302, "archived content is served by a presigned S3 URL");
        const viaS3 = Buffer.from(await (await fetch(content.headers.get("location")!)).arrayBuffer());
        assert.equal(sha256(viaS3), sha256(png));

        await app.stop();
        const once = await runApp(["archive", "--once"], env(dataDir, bucket));
        assert.equal(once.code, 0, once.stderr);
        assert.deepEqual(filesUnder(dataDir), [], "nothing is left on EFS once everything is archived");

        const logs = downloadedHashes(bucket, "logs/");
        assert.ok(logs.size >= 2, `the app's own logs of both runs are archived: ${[...logs.keys()].join(", ")}`);
        const logDir = tempDataDir();
        aws(suite.s3.endpoint, ["s3", "sync", `s3://${bucket}/logs/`, logDir, "--only-show-errors"]);
        const lines = filesUnder(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l)));
        const aboutUpload = lines.filter((l) => JSON.stringify(l).includes(r.body.id) && l.msg !== "serving");
        assert.ok(aboutUpload.length >= 2 && aboutUpload.every((l) => l.uploadId === r.body.id), "every log line about the upload carries its id");
    });

    it("archives a multipart-sized upload whole, verified by the composite SHA-256 and the full SHA-256 in metadata", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const app = await serve(env(dataDir, bucket, { MULTIPART_PART_BYTES: String(5 * 1024 * 1024), MAX_UPLOAD_BYTES: String(32 * 1024 * 1024) }));
        const big = pdf(12 * 1024 * 1024 + 12345);
        const r = await upload(app.url, "report.pdf", big);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        await waitFor("archived", async () => ((await statusOf(app.url, r.body.id)).status === "archived" ? true : undefined));
        const key = `uploads/${r.body.id}/report.pdf`;
        const head = aws(suite.s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED"]);
        assert.equal(head.ContentLength, big.length);
        assert.equal(head.Metadata.sha256, sha256(big));
        assert.ok(head.ChecksumSHA256, "a composite SHA-256 checksum is stored");
        assert.equal(downloadedHashes(bucket, `uploads/${r.body.id}/`).get(key), sha256(big));
        await app.stop();
    });

    it("two processes sharing one DATA_DIR archive 200 uploads, each exactly once", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        // Small log rotation size: the tasks' own logs rotate several times during the run.
        const a = await serve(env(dataDir, bucket, { ARCHIVE_CONCURRENCY: "4", TASK_ID: "task-a", LOG_ROTATE_BYTES: "20000" }));
        const b = await serve(env(dataDir, bucket, { ARCHIVE_CONCURRENCY: "4", TASK_ID: "task-b", LOG_ROTATE_BYTES: "20000" }));
        const sent = new Map<string, string>();
        const files = Array.from({ length: 200 }, (_, i) => pdf(1024 + ((i * 997) % 16384)));
        let next = 0;
        await Promise.all(
            Array.from({ length: 8 }, async () => {
                while (next < files.length) {
                    const i = next++;
                    const r = await upload(i % 2 === 0 ? a.url : b.url, `doc-${i}.pdf`, files[i]);
                    assert.equal(r.status, 202, JSON.stringify(r.body));
                    sent.set(`uploads/${r.body.id}/doc-${i}.pdf`, sha256(files[i]));
                }
            }),
        );
        assert.equal(sent.size, 200);
        await waitFor("200 objects", () => (versionsUnder(bucket, "uploads/").keys.size >= 200 ? true : undefined), 120_000, 1000);
        await a.stop();
        await b.stop();

        const { keys, deleteMarkers } = versionsUnder(bucket, "uploads/");
        assert.equal(deleteMarkers, 0);
        assert.deepEqual([...keys.keys()].sort(), [...sent.keys()].sort(), "exactly the acknowledged uploads are in S3");
        assert.ok([...keys.values()].every((n) => n === 1), "each object has exactly one version: nothing was written twice");
        const hashes = downloadedHashes(bucket, "uploads/");
        for (const [key, hash] of sent) assert.equal(hashes.get(key), hash, key);
        // SQS delivers a message at least once: a second delivery may find its object in place (alreadyThere), but
        // only one task ever writes an upload.
        const archivedBy = (p: AppProcess) => p.lines().filter((l) => l.msg === "archived" && l.uploadId && l.alreadyThere === false).map((l) => l.uploadId as string);
        const written = [...archivedBy(a), ...archivedBy(b)];
        assert.equal(written.length, 200, "every upload written once in total");
        assert.equal(new Set(written).size, 200, "by one task each");
        assert.ok(archivedBy(a).length > 0 && archivedBy(b).length > 0, `both tasks did archive work (a ${archivedBy(a).length}, b ${archivedBy(b).length})`);
        const once = await runApp(["archive", "--once"], env(dataDir, bucket));
        assert.equal(once.code, 0, once.stderr);
        assert.deepEqual(filesUnder(dataDir), [], "the stopped tasks' logs archived too, nothing left on EFS");
        for (const task of ["task-a", "task-b"]) {
            const logs = [...versionsUnder(bucket, `logs/${task}/`).keys.keys()];
            assert.ok(logs.length >= 3, `${task}'s log was rotated and every part archived: ${logs.join(", ")}`);
        }
    });

    it("a process SIGKILLed while archiving loses and duplicates nothing once its messages' visibility lapses and another task receives them", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const sent = new Map<string, string>();
        // Upload while S3 is unreachable, so everything is waiting on EFS when archiving starts.
        const offline = await serve(env(dataDir, bucket, { S3_ENDPOINT: "http://127.0.0.1:9", TASK_ID: "ingest", MULTIPART_PART_BYTES: String(5 * 1024 * 1024), MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) }));
        const files = [...Array.from({ length: 40 }, (_, i) => pdf(2048 + i * 100)), pdf(11 * 1024 * 1024), pdf(16 * 1024 * 1024)];
        for (const [i, f] of files.entries()) {
            const r = await upload(offline.url, `f-${i}.pdf`, f);
            assert.equal(r.status, 202, JSON.stringify(r.body));
            sent.set(`uploads/${r.body.id}/f-${i}.pdf`, sha256(f));
        }
        await offline.stop();

        const victim = await serve(env(dataDir, bucket, { TASK_ID: "victim", ARCHIVE_CONCURRENCY: "4", QUEUE_VISIBILITY_SECONDS: "2", MULTIPART_PART_BYTES: String(5 * 1024 * 1024) }));
        const working = () => {
            const archived = new Set(victim.lines().filter((l) => l.msg === "archived").map((l) => l.uploadId));
            return victim.lines().filter((l) => l.msg === "processing started" && !archived.has(l.uploadId)).map((l) => l.uploadId as string);
        };
        await waitFor(
            "the victim to have archived some files and be working on others",
            () => (victim.lines().some((l) => l.msg === "archived") && working().length > 0 ? true : undefined),
            60_000,
            5,
        );
        await victim.stop("SIGKILL");
        const heldAtKill = working();
        assert.ok(heldAtKill.length > 0, "the kill happened while the victim held messages");

        // archive --once takes what is visible: the dead victim's messages come back once their visibility (2 s) lapses.
        const sqs = new SQSClient({ endpoint: (await sqsServer()).endpoint, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        const { QUEUE_URL } = await queuesFor(dataDir);
        await waitFor("the victim's messages to be visible again", async () => {
            const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] }));
            return a.Attributes?.ApproximateNumberOfMessagesNotVisible === "0" ? true : undefined;
        }, 60_000, 100);
        sqs.destroy();
        const once = await runApp(["archive", "--once"], env(dataDir, bucket, { TASK_ID: "rescuer", MULTIPART_PART_BYTES: String(5 * 1024 * 1024) }));
        assert.equal(once.code, 0, once.stderr + JSON.stringify(once.lines.filter((l) => l.level !== "info")));
        const rescued = new Set(once.lines.filter((l) => l.msg === "archived").map((l) => l.uploadId));
        // An item the victim had already put into S3 (and maybe removed from EFS) before the kill reached it, though its
        // "archived" line never came out, needs no rescue: the rescuer deletes its message as an item already archived or
        // gone. Every other held item must be archived by the rescuer; the checks below hold the whole bucket to
        // exactly once either way.
        const inS3 = [...versionsUnder(bucket, "uploads/").keys.keys()];
        const missed = heldAtKill.filter((id) => !rescued.has(id) && !inS3.some((k) => k.startsWith(`uploads/${id}/`)));
        assert.deepEqual(missed, [], "the items whose messages the victim held and had not put into S3 were archived by the rescuer");

        const { keys, deleteMarkers } = versionsUnder(bucket, "uploads/");
        assert.equal(deleteMarkers, 0);
        assert.deepEqual([...keys.keys()].sort(), [...sent.keys()].sort(), "every acknowledged upload is in S3");
        assert.ok([...keys.values()].every((n) => n === 1), "no object was written twice");
        const hashes = downloadedHashes(bucket, "uploads/");
        for (const [key, hash] of sent) assert.equal(hashes.get(key), hash, key);
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads")), [], "nothing left on EFS, the victim's items included");
        // If-None-Match already keeps S3 from taking a second copy; this checks the app never even sent one: an
        // upload is written (not just found in place) by one task, once.
        const written = [...victim.lines(), ...once.lines].filter((l) => l.msg === "archived" && l.uploadId && l.alreadyThere === false).map((l) => l.uploadId);
        assert.deepEqual(written.filter((id, i) => written.indexOf(id) !== i), [], "no upload written twice across the two tasks");
    });

    it("archive --once finishes a cleanup that a killed task left half-done, instead of spinning on it", async () => {
        // A task is killed after S3 confirmed an item and it had deleted the item's files, but before it removed
        // the item's directory: what is left is an empty claim directory and a heartbeat that stops ageing.
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const leftover = path.join(dataDir, "uploads", "processing", "victim", "0b9f7a3e-5a4f-4d7e-9f00-2d3c1a0b9e11");
        fs.mkdirSync(leftover, { recursive: true });
        fs.mkdirSync(path.join(dataDir, "uploads", "tasks"), { recursive: true });
        const heartbeat = path.join(dataDir, "uploads", "tasks", "victim.alive");
        fs.writeFileSync(heartbeat, "0\n");
        const longAgo = new Date(Date.now() - 3600_000);
        fs.utimesSync(heartbeat, longAgo, longAgo);
        fs.utimesSync(path.dirname(leftover), longAgo, longAgo);

        const once = await runApp(["archive", "--once"], env(dataDir, bucket, { TASK_ID: "rescuer" }), 30_000);
        assert.equal(once.code, 0, `archive --once must end by itself: ${once.stderr}`);
        assert.ok(!fs.existsSync(leftover), "the half-removed item directory is gone");
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "processing")), [], "nothing left claimed");
        assert.deepEqual(claimedItemDirs(dataDir), [], "nothing left claimed in the shards either");
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "incoming")), [], "nor left in incoming/");
    });

    it("an item whose original was already removed after S3 confirmed it is confirmed again and cleaned up, or quarantined if S3 lacks it", async () => {
        // A task killed between deleting an item's original and its meta.json leaves meta.json alone on EFS.
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const offline = await serve(env(dataDir, bucket, { S3_ENDPOINT: "http://127.0.0.1:9", TASK_ID: "ingest" }));
        const inS3 = pdf(5000);
        const lost = pdf(6000);
        const a = await upload(offline.url, "in-s3.pdf", inS3);
        const b = await upload(offline.url, "lost.pdf", lost);
        assert.equal(a.status, 202);
        assert.equal(b.status, 202);
        await offline.stop();
        const item = (id: string) => path.join(dataDir, "uploads", "incoming", id);
        // What the killed task had confirmed: the object, with the app's metadata, as the app would have put it.
        const file = path.join(item(a.body.id), "original");
        const key = `uploads/${a.body.id}/in-s3.pdf`;
        aws(suite.s3.endpoint, ["s3api", "put-object", "--bucket", bucket, "--key", key, "--body", file, "--checksum-algorithm", "SHA256", "--metadata", `sha256=${sha256(inS3)}`]);
        fs.unlinkSync(file);
        fs.unlinkSync(path.join(item(b.body.id), "original"));

        const once = await runApp(["archive", "--once"], env(dataDir, bucket, { TASK_ID: "cron" }), 60_000);
        assert.equal(once.code, 1, `the item S3 does not hold is reported; EFS holds ${JSON.stringify(filesUnder(dataDir))}`);
        assert.ok(once.lines.some((l) => l.msg === "archived" && l.uploadId === a.body.id && l.alreadyThere === true), "the confirmed item counts as archived");
        assert.ok(!fs.existsSync(item(a.body.id)), "the confirmed item left EFS");
        const quarantined = path.join(dataDir, "uploads", "quarantine", b.body.id);
        assert.ok(fs.existsSync(path.join(quarantined, "reason.json")), `the unconfirmed item is quarantined; EFS holds ${JSON.stringify(filesUnder(dataDir))}`);
        assert.match(fs.readFileSync(path.join(quarantined, "reason.json"), "utf8"), /does not exist/, "with its reason");
        const { keys } = versionsUnder(bucket, "uploads/");
        assert.deepEqual([...keys.entries()], [[key, 1]], "nothing was uploaded again");
    });

    it("a log a killed task moved into its item but never published is published and archived, not deleted", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const id = "6f1c2b7a-0d5e-4c1b-8a53-3f0e9d2c4b17";
        const item = path.join(dataDir, "uploads", "tmp", id);
        fs.mkdirSync(item, { recursive: true });
        const lines = Buffer.from('{"msg":"the only copy of this log"}\n'.repeat(50));
        fs.writeFileSync(path.join(item, "original"), lines);
        const meta = {
            id, kind: "log", name: "2026-11-26T00-00-00-000Z.jsonl", size: lines.length, sha256: sha256(lines),
            contentType: "application/x-ndjson", key: "logs/victim/2026-11-26T00-00-00-000Z.jsonl", receivedAt: new Date().toISOString(), processed: true,
        };
        fs.writeFileSync(path.join(item, "meta.json"), JSON.stringify(meta));
        const aMinuteAgo = new Date(Date.now() - 60_000);
        for (const f of ["original", "meta.json", ""]) fs.utimesSync(path.join(item, f), aMinuteAgo, aMinuteAgo);

        const once = await runApp(["archive", "--once"], env(dataDir, bucket, { TASK_ID: "cron" }), 60_000);
        assert.equal(once.code, 0, once.stderr);
        assert.ok(once.lines.some((l) => l.msg === "published a log item that a stopped task left unpublished" && l.logItemId === id));
        const hashes = downloadedHashes(bucket, "logs/victim/");
        assert.equal(hashes.get(meta.key), sha256(lines), "the log is in S3, byte for byte");
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "tmp")), [], "and gone from EFS");
    });

    it("accepts uploads while S3 is unreachable and archives them once S3 is back", async () => {
        const { freePort } = await import("../support/s3server");
        const port = await freePort();
        const dataDir = tempDataDir();
        const app = await serve({ DATA_DIR: dataDir, BUCKET: "comes-back", S3_ENDPOINT: `http://127.0.0.1:${port}`, CLAIM_LEASE_SECONDS: "2" });
        const ids: string[] = [];
        const data = Array.from({ length: 5 }, (_, i) => pdf(3000 + i));
        for (const [i, d] of data.entries()) {
            const r = await upload(app.url, `late-${i}.pdf`, d);
            assert.equal(r.status, 202, "uploads are accepted to EFS without S3");
            ids.push(r.body.id);
        }
        assert.equal((await fetch(`${app.url}/healthz`)).status, 200, "liveness does not follow S3: EFS buffers while it is away");
        const status = await fetch(`${app.url}/status`);
        assert.equal(status.status, 503);
        assert.equal(((await status.json()) as any).s3.reachable, false, "the status view reports the unreachable bucket");
        // Each upload was tried against the missing S3 and kept: the check below then proves something.
        await waitFor(
            "an archive attempt on every upload to have failed",
            () => (ids.every((id) => app.lines().some((l) => l.msg === "archive failed, will retry; the file stays on EFS" && l.uploadId === id)) ? true : undefined),
            60_000,
            50,
        );
        for (const id of ids) assert.equal((await statusOf(app.url, id)).status, "stored");

        const back = await startMoto(port);
        try {
            createVersionedBucket(back.endpoint, "comes-back");
            for (const id of ids) {
                await waitFor(`${id} archived`, async () => ((await statusOf(app.url, id)).status === "archived" ? true : undefined), 90_000, 500);
            }
            const hashes = downloadedHashes2(back.endpoint, "comes-back");
            assert.deepEqual([...hashes.values()].sort(), data.map(sha256).sort());
            await app.stop();
        } finally {
            await back.stop();
        }
    });

    it("archive --once exits non-zero, receives nothing and keeps every file on EFS when S3 is unreachable", async () => {
        const dataDir = tempDataDir();
        const offline = { DATA_DIR: dataDir, BUCKET: "nowhere", S3_ENDPOINT: "http://127.0.0.1:9", CLAIM_LEASE_SECONDS: "2" };
        const app = await serve(offline);
        const d = pdf(4000);
        const r = await upload(app.url, "kept.pdf", d);
        assert.equal(r.status, 202);
        await app.stop();
        const once = await runApp(["archive", "--once"], { ...offline, TASK_ID: "cron" });
        assert.equal(once.code, 1);
        // Every receive counts towards the redrive policy: a drain that cannot reach S3 must not spend them.
        assert.ok(once.lines.some((l) => l.msg?.startsWith("archive --once: S3 is unreachable; nothing was received")), JSON.stringify(once.lines.filter((l) => l.level !== "info")));
        assert.ok(!once.lines.some((l) => l.msg === "processing started"), "no item was worked on");
        assert.equal(sha256(fs.readFileSync(path.join(dataDir, "uploads", "incoming", r.body.id, "original"))), sha256(d), "the file is still on EFS, unchanged");
    });

    function downloadedHashes2(endpoint: string, bucket: string): Map<string, string> {
        const dir = tempDataDir();
        aws(endpoint, ["s3", "sync", `s3://${bucket}/uploads/`, dir, "--only-show-errors"]);
        return new Map(filesUnder(dir).map((f) => [f, sha256(fs.readFileSync(path.join(dir, f)))]));
    }

    it("quarantines a file that fails processing, with its reason, and archive --once reports it", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        // A real PNG's signature and IHDR chunk, then zeros: sniffed as image/png, but no decoder can read it.
        const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));
        const png: Buffer = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#00ff00" } }).png().toBuffer();
        const fake = Buffer.concat([png.subarray(0, 33), Buffer.alloc(5000)]);
        // Left in incoming/ as ingest leaves an accepted upload (ingest takes it: "accepts uploads while S3 is
        // unreachable"), so that archive --once is the process that meets it: a `serve` that took the upload would
        // process it at once, S3 or not, and quarantine it before archive --once could.
        const id = "5f0c3a52-8d1e-4c3b-9a7e-1f2e3d4c5b6a";
        const item = path.join(dataDir, "uploads", "incoming", id);
        fs.mkdirSync(item, { recursive: true });
        fs.writeFileSync(path.join(item, "original"), fake);
        const meta = { id, kind: "upload", name: "broken.png", size: fake.length, sha256: sha256(fake), contentType: "image/png", key: `uploads/${id}/broken.png`, receivedAt: new Date().toISOString() };
        fs.writeFileSync(path.join(item, "meta.json"), JSON.stringify(meta));
        const r = { body: { id } };
        const once = await runApp(["archive", "--once"], env(dataDir, bucket));
        assert.equal(once.code, 1, "an item that could not be archived makes archive --once fail");
        const reason = JSON.parse(fs.readFileSync(path.join(dataDir, "uploads", "quarantine", r.body.id, "reason.json"), "utf8"));
        assert.match(reason.reason, /cannot decode image\/png/);
        assert.equal(sha256(fs.readFileSync(path.join(dataDir, "uploads", "quarantine", r.body.id, "original"))), sha256(fake), "the quarantined bytes are kept");
        const app2 = await serve(env(dataDir, bucket));
        const s = await statusOf(app2.url, r.body.id);
        assert.equal(s.status, "stored");
        assert.match(s.quarantined, /cannot decode/);
        await app2.stop();
    });
});
