import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ChildProcess } from "child_process";
import { randomUUID } from "crypto";
import { SHUTDOWN_DEADLINE_SECONDS, STOP_TIMEOUT_SECONDS } from "../../app/src/contract";
import { aws, createVersionedBucket, CREDENTIALS } from "../support/s3server";
import { startGatedS3 } from "../support/gatedS3";
import { queuesFor } from "../support/sqsQueues";
import { motoSuite, pdf, removeTempDataDirs, runApp, sha256, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * SIGTERM (issue 17): stop accepting, hand the work queue's messages back (issue 19 replaced the claims), flush the last metrics record and the log
 * file, retire the heartbeat, give open requests until the shutdown deadline, exit. A client dripping an upload at a
 * rate the body watchdog allows still cannot hold the task past the deadline.
 */
describe("app: SIGTERM shuts down in order within the deadline, whatever a dripping client does", function () {
    this.timeout(120_000);
    after(() => removeTempDataDirs());

    it("hands its messages back, retires, flushes, and exits by itself while a client is still dripping", async () => {
        const dataDir = tempDataDir();
        const app = await startApp({
            DATA_DIR: dataDir,
            BUCKET: "unused-bucket",
            // S3 away: the upload stays claimed by this task, retried, until the shutdown hands it back.
            S3_ENDPOINT: "http://127.0.0.1:9",
            TASK_ID: "stopping-task",
            SHUTDOWN_DEADLINE_SECONDS: "4",
            // A byte per window is enough for the watchdog: the drip below is a slow but live client.
            UPLOAD_MIN_BYTES_PER_SECOND: "0",
            METRICS_INTERVAL_SECONDS: "3600",
        });
        try {
            const r = await upload(app.url, "claimed.pdf", pdf(4000));
            assert.equal(r.status, 202);
            const id: string = r.body.id;
            await waitFor("a failed attempt (S3 away)", () => (app.lines().some((l) => l.uploadId === id && /will retry/.test(l.msg)) ? true : undefined));

            const port = Number(new URL(app.url).port);
            const drip = net.connect(port, "127.0.0.1");
            drip.on("error", () => undefined);
            await new Promise<void>((resolve) => drip.once("connect", () => resolve()));
            const dripClosed = new Promise<void>((resolve) => drip.once("close", () => resolve()));
            drip.write("POST /uploads HTTP/1.1\r\nHost: spec\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 1048576\r\n\r\n--x\r\n");
            const dripping = setInterval(() => drip.writable && drip.write("a"), 200);
            await waitFor("the dripping upload to be in progress", () => (fs.readdirSync(path.join(dataDir, "uploads", "tmp")).length > 0 || app.lines().length > 0 ? true : undefined));

            assert.ok(fs.existsSync(path.join(dataDir, "uploads", "tasks", "stopping-task.alive")), "the heartbeat beats before SIGTERM");
            const exited = new Promise<number | null>((resolve) => app.child.once("exit", (code) => resolve(code)));
            app.child.kill("SIGTERM");
            await waitFor("the listening socket closed", () => (app.lines().some((l) => l.msg === "stopping: no new connections") ? true : undefined));
            const refused = await new Promise<boolean>((resolve) => {
                const s = net.connect(port, "127.0.0.1");
                s.once("connect", () => {
                    s.destroy();
                    resolve(false);
                });
                s.once("error", () => resolve(true));
            });
            assert.ok(refused, "no new connection is accepted after SIGTERM");
            // ECS may signal again (docker stop, a repeated StopTask): that must not cut the shutdown short.
            app.child.kill("SIGTERM");

            // No timer here kills the process: it must exit by itself, with the client still dripping.
            const code = await exited;
            clearInterval(dripping);
            await dripClosed;
            assert.equal(code, 0);

            const lines = app.lines();
            const at = (pred: (l: any) => boolean) => lines.findIndex(pred);
            const stopping = at((l) => l.msg === "stopping: no new connections");
            const metrics = at((l) => l._aws !== undefined && lines.indexOf(l) > stopping);
            const late = at((l) => /open requests ran to the shutdown deadline/.test(l.msg ?? ""));
            const stopped = at((l) => l.msg === "stopped");
            assert.ok(stopping >= 0 && metrics > stopping && late > metrics && stopped > late, `order: stopping ${stopping}, last metrics ${metrics}, requests cut ${late}, stopped ${stopped}`);

            assert.ok(fs.existsSync(path.join(dataDir, "uploads", "incoming", id)), "the upload stays durable in incoming/");
            // Handed back, not left to its visibility timeout (30 s on this queue): nothing is in flight after the exit,
            // and the upload's message and the closed log's wait visible for the next task.
            const queues = await queuesFor(dataDir);
            const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
            const q = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
            sqs.destroy();
            assert.equal(q.Attributes?.ApproximateNumberOfMessagesNotVisible, "0", "the stopping task handed its messages back");
            assert.ok(Number(q.Attributes?.ApproximateNumberOfMessages) >= 2, `the upload's and the log's messages wait: ${JSON.stringify(q.Attributes)}`);
            assert.ok(!fs.existsSync(path.join(dataDir, "uploads", "tasks", "stopping-task.alive")), "the heartbeat is retired");
            const logItems = fs.readdirSync(path.join(dataDir, "uploads", "incoming")).filter((e) => e !== id);
            assert.ok(logItems.length >= 1, "the log file was closed and queued for archiving");
        } finally {
            await app.stop("SIGKILL");
        }
    });
});

/**
 * The same SIGTERM reaches `archive --once`, the scheduled drain, when ECS stops it (StopTask, a deploy): it hands back
 * what is unfinished, aborts its multipart upload, retires its heartbeat and exits by itself before the stop timeout,
 * instead of dying at once with its message invisible for a visibility timeout.
 */
describe("app: SIGTERM to archive --once hands back, aborts and retires before the stop timeout", function () {
    this.timeout(180_000);
    const suite = motoSuite();

    it("mid-way through a multipart archive: exits 1 by itself, the message visible again, no multipart upload left, the heartbeat retired", async () => {
        const PART = 5 * 1024 * 1024;
        const bucket = `drain-stop-spec-${process.pid}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const dataDir = tempDataDir();
        const queues = await queuesFor(dataDir, { maxReceiveCount: 5, visibilitySeconds: 3600 });
        const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        const bytes = pdf(3 * PART + 777);
        const id = randomUUID();
        const item = path.join(dataDir, "uploads", "incoming", id);
        fs.mkdirSync(item, { recursive: true });
        fs.writeFileSync(path.join(item, "original"), bytes);
        const meta = { id, kind: "upload", name: "big.pdf", size: bytes.length, sha256: sha256(bytes), contentType: "application/pdf", key: `uploads/${id}/big.pdf`, receivedAt: new Date().toISOString() };
        fs.writeFileSync(path.join(item, "meta.json"), JSON.stringify(meta));
        await sqs.send(new SendMessageCommand({ QueueUrl: queues.QUEUE_URL, MessageBody: JSON.stringify({ id, kind: "upload", size: bytes.length, sha256: meta.sha256 }) }));
        fs.writeFileSync(path.join(item, "queued"), "");
        const gate = await startGatedS3(suite.s3.endpoint);
        const deadlineSeconds = 6;
        let child: ChildProcess | undefined;
        try {
            const run = runApp(
                ["archive", "--once"],
                { ...queues, DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: gate.endpoint, TASK_ID: "drain", CLAIM_LEASE_SECONDS: "2", QUEUE_VISIBILITY_SECONDS: "3600", MAX_RECEIVE_COUNT: "5", MULTIPART_PART_BYTES: String(PART), SHUTDOWN_DEADLINE_SECONDS: String(deadlineSeconds) },
                // ECS's SIGKILL once the stopTimeout runs out, with the task definition's margin above the deadline.
                (deadlineSeconds + STOP_TIMEOUT_SECONDS - SHUTDOWN_DEADLINE_SECONDS) * 1000 + 60_000,
                (_line, c) => (child = c),
            );
            await waitFor("the first UploadPart answered and the later parts in flight", () => (gate.partsAnswered.length >= 1 && gate.partsHeld.length >= 1 ? true : undefined));
            assert.ok(fs.existsSync(path.join(dataDir, "uploads", "tasks", "drain.alive")), "the run's heartbeat beats");
            const sigkill = setTimeout(() => child!.kill("SIGKILL"), (deadlineSeconds + STOP_TIMEOUT_SECONDS - SHUTDOWN_DEADLINE_SECONDS) * 1000);
            child!.kill("SIGTERM");
            const done = await run;
            clearTimeout(sigkill);
            assert.equal(done.code, 1, `exits 1 by itself (not by SIGKILL, not 0: the item is not archived): ${done.stderr}`);
            assert.ok(done.lines.some((l) => l.msg === "stopping: handing back the messages of unfinished items" && l.messages >= 1), JSON.stringify(done.lines.filter((l) => l.level !== "info")));
            assert.deepEqual(aws(suite.s3.endpoint, ["s3api", "list-multipart-uploads", "--bucket", bucket])?.Uploads ?? [], [], "no incomplete multipart upload left behind");
            assert.ok(!fs.existsSync(path.join(dataDir, "uploads", "tasks", "drain.alive")), "the heartbeat is retired");
            assert.equal(sha256(fs.readFileSync(path.join(item, "original"))), meta.sha256, "the item is whole on EFS");
            const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] }));
            assert.equal(Number(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible), 0, "no message left invisible");
            const visible = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
            assert.equal((visible.Messages ?? []).filter((m) => JSON.parse(m.Body ?? "{}").id === id).length, 1, "the item's message is visible again");
        } finally {
            gate.release();
            await gate.stop();
        }
    });
});
