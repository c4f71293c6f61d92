import { strict as assert } from "assert";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { aws, createVersionedBucket, CREDENTIALS } from "../support/s3server";
import { startSilentServer } from "../support/silentServer";
import { queuesFor } from "../support/sqsQueues";
import { AppProcess, filesUnder, motoSuite, pdf, sha256, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * The work queue (app/src/queue/queue.ts, archiver.ts) against a real SQS-compatible server (moto on loopback): what the
 * redrive policy does with an item that kills its consumers, what a stopping task does with the messages it holds,
 * and what happens to an upload whose message could not be sent.
 */
describe("app: the SQS work queue — poison items, hand-back on SIGTERM, messages never sent", function () {
    this.timeout(300_000);
    const suite = motoSuite();
    const { apps } = suite;
    let bucketNo = 0;

    function newBucket(): string {
        const bucket = `queue-spec-${process.pid}-${++bucketNo}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        return bucket;
    }
    function keysIn(bucket: string): Map<string, number> {
        const out = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", "uploads/"]) ?? {};
        const keys = new Map<string, number>();
        for (const v of out.Versions ?? []) keys.set(v.Key, (keys.get(v.Key) ?? 0) + 1);
        return keys;
    }
    async function track(p: Promise<AppProcess>): Promise<AppProcess> {
        const a = await p;
        apps.push(a);
        return a;
    }

    /** An item as ingest leaves it (meta.json, original, the `queued` mark) and its message, sent as ingest sends it. */
    async function enqueueItem(sqs: SQSClient, queueUrl: string, dataDir: string, name: string, bytes: Buffer, contentType: string): Promise<{ id: string; key: string }> {
        const id = randomUUID();
        const dir = path.join(dataDir, "uploads", "incoming", id);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "original"), bytes);
        const key = `uploads/${id}/${name}`;
        const meta = { id, kind: "upload", name, size: bytes.length, sha256: sha256(bytes), contentType, key, receivedAt: new Date().toISOString() };
        fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta));
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ id, kind: "upload", size: bytes.length, sha256: meta.sha256 }) }));
        fs.writeFileSync(path.join(dir, "queued"), "");
        return { id, key };
    }

    it("an item whose processing kills its task (SIGKILL on 'processing started') reaches the dead-letter queue after maxReceiveCount receives and is quarantined with its reason; the fleet archives the rest", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        // A visibility of 6 s: long enough that a loaded machine logs "processing started" (the kill) before a message
        // times out unprocessed, which would spend a receive without a kill.
        const queues = await queuesFor(dataDir, { maxReceiveCount: 2, visibilitySeconds: 6 });
        const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));
        // Large enough that decoding it takes a while after the line is written, so the kill lands during processing.
        const poisonBytes: Buffer = await sharp({ create: { width: 6000, height: 6000, channels: 3, background: "#cc3333" } }).png().toBuffer();
        const poison = await enqueueItem(sqs, queues.QUEUE_URL, dataDir, "poison.png", poisonBytes, "image/png");
        const rest = new Map<string, string>();
        for (let i = 0; i < 12; i++) {
            const bytes = pdf(3000 + i);
            const { key } = await enqueueItem(sqs, queues.QUEUE_URL, dataDir, `doc-${i}.pdf`, bytes, "application/pdf");
            rest.set(key, sha256(bytes));
        }

        // Each task works on one item at a time, so that a kill takes no other message down with the poison (a task that
        // dies hands back nothing: every message it held is received again, and counts towards the redrive policy).
        const env = { ...queues, DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", QUEUE_VISIBILITY_SECONDS: "6", MAX_RECEIVE_COUNT: "2", ARCHIVE_CONCURRENCY: "1" };
        const killed: string[] = [];
        let finished = false;
        let next = 0;
        const launch = async (): Promise<void> => {
            const task = `w${next++}`;
            const a = await track(
                startApp({ ...env, TASK_ID: task }, "work", (line, child) => {
                    if (line.msg === "processing started" && line.uploadId === poison.id && child.exitCode === null) {
                        child.kill("SIGKILL");
                        killed.push(task);
                    }
                }),
            );
            a.child.once("exit", () => {
                if (!finished) void launch();
            });
        };
        await Promise.all([launch(), launch(), launch()]);

        const reasonFile = path.join(dataDir, "uploads", "quarantine", poison.id, "reason.json");
        await waitFor("the poison item in quarantine with its reason", () => (fs.existsSync(reasonFile) ? true : undefined), 120_000);
        await waitFor("every other item in S3", () => ([...rest.keys()].every((k) => keysIn(bucket).has(k)) ? true : undefined), 120_000, 500);
        finished = true;

        const reason = JSON.parse(fs.readFileSync(reasonFile, "utf8"));
        assert.equal(reason.receiveCount, 2, JSON.stringify(reason));
        assert.match(reason.reason, /received 2 times .*dead-letter queue/);
        assert.ok("lastError" in reason, "the last error is recorded (none here: the task died each time)");
        assert.equal(killed.length, 2, `one task died per receive, maxReceiveCount times: ${killed.join(", ")}`);
        assert.equal(new Set(killed).size, killed.length, "no task died twice");
        assert.ok(fs.existsSync(path.join(dataDir, "uploads", "quarantine", poison.id, "original")), "the quarantined item keeps its bytes");
        assert.ok(!keysIn(bucket).has(poison.key), "the poison item was never archived");
        const keys = keysIn(bucket);
        for (const [key] of rest) assert.equal(keys.get(key), 1, `${key} archived once`);
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "incoming")), [], "nothing else waits on EFS");
        // Kept on the dead-letter queue for its alarm (archiver.ts, deadLetters): the operator clears it. A task's look
        // hides what it takes for 30 s at most, so with the fleet stopped every dead letter becomes visible again.
        for (const a of apps) await a.stop();
        const dlq = await waitFor(
            "the dead letters visible again once no task looks at them",
            async () => {
                const r = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.DEAD_LETTER_QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
                return Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible) === 0 ? r : undefined;
            },
            60_000,
            500,
        );
        const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.DEAD_LETTER_QUEUE_URL, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
        // The poison's message stays visible there for the alarm. It may not be alone: a message a task had just received
        // when it was killed counts a receive too, so with maxReceiveCount 2 a bystander (here, now and then, a log
        // item) can follow it; it is quarantined with its reason like the poison, never lost.
        const bodies = (dead.Messages ?? []).map((m) => JSON.parse(m.Body!));
        assert.ok(Number(dlq.Attributes?.ApproximateNumberOfMessages) >= 1, "the dead-letter message stays on the dead-letter queue for the alarm");
        assert.ok(bodies.some((b) => b.id === poison.id), `the poison's message is in the dead-letter queue: ${JSON.stringify(bodies)}`);
        for (const b of bodies.filter((b) => b.id !== poison.id)) {
            assert.ok(fs.existsSync(path.join(dataDir, "uploads", "quarantine", b.id, "reason.json")), `a bystander in the dead-letter queue is quarantined with its reason: ${b.id}`);
        }
        sqs.destroy();
    });

    it("the dead-letter look quarantines a dead-lettered item however many older dead letters wait uncleared before it (foreign bodies, items quarantined already)", async () => {
        const dataDir = tempDataDir();
        const queues = await queuesFor(dataDir, { maxReceiveCount: 2, visibilitySeconds: 2 });
        const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        // Dead letters an operator has not cleared yet: they stay visible for the depth alarm (archiver.ts, deadLetters).
        // Sent straight to the dead-letter queue (as if redriven earlier) so that the spec waits on no visibility timeout.
        for (let i = 0; i < 12; i++) {
            const body = i % 2 === 0 ? `not json ${i}` : JSON.stringify({ id: `gone-${i}`, kind: "upload", size: 1, sha256: "00" });
            await sqs.send(new SendMessageCommand({ QueueUrl: queues.DEAD_LETTER_QUEUE_URL, MessageBody: body }));
        }
        // The newest dead letter: an item still on EFS (sent once, so marked), whose message the redrive policy moved.
        const id = randomUUID();
        const dir = path.join(dataDir, "uploads", "incoming", id);
        fs.mkdirSync(dir, { recursive: true });
        const bytes = pdf(2000);
        fs.writeFileSync(path.join(dir, "original"), bytes);
        const meta = { id, kind: "upload", name: "late.pdf", size: bytes.length, sha256: sha256(bytes), contentType: "application/pdf", key: `uploads/${id}/late.pdf`, receivedAt: new Date().toISOString() };
        fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta), { mode: 0o440 });
        await sqs.send(new SendMessageCommand({ QueueUrl: queues.DEAD_LETTER_QUEUE_URL, MessageBody: JSON.stringify({ id, kind: "upload", size: bytes.length, sha256: meta.sha256 }) }));

        await track(startApp({ ...queues, DATA_DIR: dataDir, BUCKET: newBucket(), S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "dlq-reader", QUEUE_VISIBILITY_SECONDS: "2", MAX_RECEIVE_COUNT: "2" }, "work"));
        const reasonFile = path.join(dataDir, "uploads", "quarantine", id, "reason.json");
        await waitFor("the dead-lettered item in quarantine with its reason", () => (fs.existsSync(reasonFile) ? true : undefined), 60_000);
        assert.match(JSON.parse(fs.readFileSync(reasonFile, "utf8")).reason, /dead-letter queue/);
        const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.DEAD_LETTER_QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
        const kept = Number(dlq.Attributes?.ApproximateNumberOfMessages) + Number(dlq.Attributes?.ApproximateNumberOfMessagesNotVisible);
        assert.equal(kept, 13, "every dead letter is kept for the alarm (none deleted by the look)");
        sqs.destroy();
    });

    it("a black-holed SQS and then a black-holed S3 (connections accepted, never answered) each fail a request within the clients' socket timeout instead of holding it forever: once both answer again, the waiting item is archived", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const queues = await queuesFor(dataDir, { visibilitySeconds: 300 });
        const sqsHole = await startSilentServer();
        const s3Hole = await startSilentServer();
        try {
            const viaHole = (u: string) => u.replace(queues.SQS_ENDPOINT, sqsHole.endpoint);
            const env = {
                DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: s3Hole.endpoint, SQS_ENDPOINT: sqsHole.endpoint, QUEUE_URL: viaHole(queues.QUEUE_URL),
                DEAD_LETTER_QUEUE_URL: viaHole(queues.DEAD_LETTER_QUEUE_URL), QUEUE_VISIBILITY_SECONDS: "300", MULTIPART_PART_BYTES: String(5 * 1024 * 1024), TASK_ID: "holes",
            };
            const w = await track(startApp(env, "work"));
            // The receive loop's long poll is on a connection that never answers: the route then comes back for new ones.
            await waitFor("a receive sent into the black hole", () => (sqsHole.accepted() > 0 ? true : undefined));
            sqsHole.forwardTo(queues.SQS_ENDPOINT);
            const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
            // Multipart-sized (6 MiB over 5 MiB parts): the SDK's CreateMultipartUpload goes into the S3 black hole.
            const item = await enqueueItem(sqs, queues.QUEUE_URL, dataDir, "big.pdf", pdf(6 * 1024 * 1024), "application/pdf");
            sqs.destroy();
            await waitFor("the item received once the receive in the black hole failed", () => (w.lines().some((l) => l.msg === "processing started" && l.uploadId === item.id) ? true : undefined), 120_000);
            // Every connection the hole accepted so far holds a request it never answers: the archive's first S3 request
            // (the multipart upload's creation) needs a connection of its own.
            const before = s3Hole.accepted();
            await waitFor("the archive's S3 request sent into the black hole", () => (s3Hole.accepted() > before ? true : undefined));
            s3Hole.forwardTo(suite.s3.endpoint);
            // The request in the hole fails by the socket timeout; the SDK's second attempt (or the archiver's retry)
            // goes through the route that came back. Without a socket timeout it waits forever, message held.
            await waitFor("the item archived", () => (w.lines().some((l) => l.msg === "archived" && l.uploadId === item.id) ? true : undefined), 120_000);
            assert.equal(keysIn(bucket).get(item.key), 1);
            assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "incoming")), []);
        } finally {
            sqsHole.close();
            s3Hole.close();
        }
    });

    it("SIGTERM hands the messages of unfinished items back at once (each replaced by a fresh one): another task archives them long before their visibility timeout", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        // S3 that accepts connections and never answers: the items stay in flight until the hand-back.
        const hole = await startSilentServer();
        try {
            // A deadline within stopChild's 10 s before SIGKILL: the default (50 s) hands back only after 23 s.
            const env = { DATA_DIR: dataDir, BUCKET: bucket, CLAIM_LEASE_SECONDS: "2", QUEUE_VISIBILITY_SECONDS: "3600", SHUTDOWN_DEADLINE_SECONDS: "8" };
            const a = await track(startApp({ ...env, S3_ENDPOINT: hole.endpoint, TASK_ID: "stopping" }));
            const sent = new Map<string, string>();
            for (let i = 0; i < 3; i++) {
                const bytes = pdf(4000 + i);
                const r = await upload(a.url, `h-${i}.pdf`, bytes);
                assert.equal(r.status, 202, JSON.stringify(r.body));
                sent.set(r.body.id, sha256(bytes));
            }
            await waitFor("the task to be working on all three", () => (a.lines().filter((l) => l.msg === "processing started").length === 3 ? true : undefined));
            await a.stop();
            const handedBack = a.lines().find((l) => l.msg === "stopping: handing back the messages of unfinished items");
            assert.equal(handedBack?.messages, 3, JSON.stringify(a.lines().filter((l) => l.level !== "info")));

            // Their visibility timeout is an hour: only a hand-back lets another task have them within the minute.
            const b = await track(startApp({ ...env, S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "successor" }, "work"));
            await waitFor("the successor to archive all three", () => ([...sent.keys()].every((id) => b.lines().some((l) => l.msg === "archived" && l.uploadId === id)) ? true : undefined), 60_000);
            assert.equal(keysIn(bucket).size, 3);
        } finally {
            hole.close();
        }
    });

    it("with SQS unreachable an upload still gets 202 and stays durable on EFS; the reconciling scan sends its message once SQS answers, and it is archived", async () => {
        const bucket = newBucket();
        const dataDir = tempDataDir();
        const nowhere = { QUEUE_URL: "http://127.0.0.1:9/000000000000/nowhere", DEAD_LETTER_QUEUE_URL: "http://127.0.0.1:9/000000000000/nowhere-dlq", SQS_ENDPOINT: "http://127.0.0.1:9" };
        const base = { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", QUEUE_VISIBILITY_SECONDS: "5" };
        const web = await track(startApp({ ...base, ...nowhere, TASK_ID: "web" }));
        const bytes = pdf(6000);
        const r = await upload(web.url, "offline-queue.pdf", bytes);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        const item = path.join(dataDir, "uploads", "incoming", r.body.id);
        assert.ok(fs.existsSync(path.join(item, "meta.json")) && fs.existsSync(path.join(item, "original")), "durable on EFS");
        assert.ok((fs.statSync(path.join(item, "meta.json")).mode & 0o200) !== 0 && !fs.existsSync(path.join(item, "queued")), "not marked as sent (meta.json still writable, no queued file)");
        assert.ok(web.lines().some((l) => l.msg?.startsWith("work queue unreachable")), "the failed send is logged");
        await web.stop();

        const worker = await track(startApp({ ...base, RECONCILE_SECONDS: "1", TASK_ID: "worker" }, "work"));
        const archived = await waitFor("the item archived", () => worker.lines().find((l) => l.msg === "archived" && l.uploadId === r.body.id));
        assert.equal(archived.key, `uploads/${r.body.id}/offline-queue.pdf`);
        assert.ok(worker.lines().some((l) => l.msg?.startsWith("reconciling scan: sent messages")), "sent by the reconciling scan");
        await waitFor("the item to leave EFS", () => (fs.existsSync(item) ? undefined : true));
        const local = path.join(tempDataDir(), "got.pdf");
        aws(suite.s3.endpoint, ["s3", "cp", `s3://${bucket}/${archived.key}`, local, "--only-show-errors"]);
        assert.equal(sha256(fs.readFileSync(local)), sha256(bytes));
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "incoming")), []);
    });
});
