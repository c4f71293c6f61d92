import { strict as assert } from "assert";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { SHUTDOWN_DEADLINE_SECONDS, STOP_TIMEOUT_SECONDS } from "../../app/src/contract";
import { aws, createVersionedBucket, CREDENTIALS } from "../support/s3server";
import { startGatedS3 } from "../support/gatedS3";
import { queuesFor } from "../support/sqsQueues";
import { AppProcess, motoSuite, pdf, sha256, startApp, tempDataDir, waitFor } from "./helpers";

/**
 * A Fargate Spot interruption (issue 22): "When tasks using Fargate Spot capacity are stopped due to a Spot
 * interruption, a two-minute warning is sent before a task is stopped. The warning is sent as a task state change
 * event to Amazon EventBridge and a SIGTERM signal to the running task."
 * (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html) ECS then waits the
 * container's stopTimeout before SIGKILL (app/src/contract.ts, STOP_TIMEOUT_SECONDS). A `work` task interrupted
 * mid-way through a multipart archive must hand the message back, leave no incomplete multipart upload behind, keep
 * the item on EFS, and exit by itself before ECS would kill it; another task then archives the item exactly once.
 */
describe("app: a Spot interruption (SIGTERM) mid-way through a multipart archive loses and duplicates nothing", function () {
    this.timeout(180_000);
    const suite = motoSuite();
    const { apps } = suite;
    const PART = 5 * 1024 * 1024;

    async function track(p: Promise<AppProcess>): Promise<AppProcess> {
        const a = await p;
        apps.push(a);
        return a;
    }

    it("hands the message back, aborts the multipart upload and exits before the stop timeout; a second worker archives the item once, with its SHA-256, and nothing reaches the dead-letter queue", async () => {
        const bucket = `spot-spec-${process.pid}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const dataDir = tempDataDir();
        // An hour's visibility: only the hand-back can make the message visible again within this spec.
        const queues = await queuesFor(dataDir, { maxReceiveCount: 5, visibilitySeconds: 3600 });
        const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
        const depth = async (queueUrl: string) => {
            const r = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
            return { visible: Number(r.Attributes?.ApproximateNumberOfMessages), inFlight: Number(r.Attributes?.ApproximateNumberOfMessagesNotVisible) };
        };

        // An item as ingest leaves it on EFS, four parts long, and its message as ingest sends it.
        const bytes = pdf(3 * PART + 12345);
        const id = randomUUID();
        const item = path.join(dataDir, "uploads", "incoming", id);
        fs.mkdirSync(item, { recursive: true });
        fs.writeFileSync(path.join(item, "original"), bytes);
        const key = `uploads/${id}/big.pdf`;
        const meta = { id, kind: "upload", name: "big.pdf", size: bytes.length, sha256: sha256(bytes), contentType: "application/pdf", key, receivedAt: new Date().toISOString() };
        fs.writeFileSync(path.join(item, "meta.json"), JSON.stringify(meta));
        await sqs.send(new SendMessageCommand({ QueueUrl: queues.QUEUE_URL, MessageBody: JSON.stringify({ id, kind: "upload", size: bytes.length, sha256: meta.sha256 }) }));
        fs.writeFileSync(path.join(item, "queued"), "");

        const gate = await startGatedS3(suite.s3.endpoint);
        const deadlineSeconds = 6;
        const env = { ...queues, DATA_DIR: dataDir, BUCKET: bucket, CLAIM_LEASE_SECONDS: "2", QUEUE_VISIBILITY_SECONDS: "3600", MAX_RECEIVE_COUNT: "5", MULTIPART_PART_BYTES: String(PART), METRICS_INTERVAL_SECONDS: "3600" };
        try {
            const spot = await track(startApp({ ...env, S3_ENDPOINT: gate.endpoint, TASK_ID: "spot", SHUTDOWN_DEADLINE_SECONDS: String(deadlineSeconds) }, "work"));
            await waitFor("the first UploadPart answered and the later parts in flight", () => (gate.partsAnswered.length >= 1 && gate.partsHeld.length >= 1 ? true : undefined));
            assert.deepEqual(aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", key])?.Versions ?? [], [], "nothing complete in S3 before the interruption");

            // ECS after the Spot warning: SIGTERM, then SIGKILL once the stopTimeout runs out (the same margin above the
            // app's shutdown deadline as the task definition has: STOP_TIMEOUT_SECONDS - SHUTDOWN_DEADLINE_SECONDS).
            const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => spot.child.once("exit", (code, signal) => resolve({ code, signal })));
            spot.child.kill("SIGTERM");
            const ecsKill = setTimeout(() => spot.child.kill("SIGKILL"), (deadlineSeconds + STOP_TIMEOUT_SECONDS - SHUTDOWN_DEADLINE_SECONDS) * 1000);
            const exit = await exited;
            clearTimeout(ecsKill);
            assert.deepEqual(exit, { code: 0, signal: null }, "the task exits by itself before its stopTimeout, not by ECS's SIGKILL");

            const lines = spot.lines();
            const handedBack = lines.find((l) => l.msg === "stopping: handing back the messages of unfinished items");
            assert.equal(handedBack?.messages, 1, JSON.stringify(lines.filter((l) => l.level !== "info")));
            assert.ok(!lines.some((l) => l.msg === "archived"), "the interrupted task did not finish the item");
            assert.equal(lines.filter((l) => l.msg === "processing started" && l.uploadId === id).length, 1, "received once by the interrupted task");

            // The multipart upload it began is aborted (its parts would otherwise be stored and billed until a lifecycle
            // rule expires them), and nothing else is left incomplete.
            const uploads = aws(suite.s3.endpoint, ["s3api", "list-multipart-uploads", "--bucket", bucket])?.Uploads ?? [];
            assert.deepEqual(uploads, [], "no incomplete multipart upload left behind");
            assert.equal(gate.aborts.length, 1, "the task aborted its multipart upload itself");
            assert.ok(lines.some((l) => l.msg === "item given up mid-archive: its message was handed back or lost" && l.uploadId === id), "the archive was given up, not retried");

            // The item is still on EFS, whole: it leaves only after S3 confirmed it, and S3 confirmed nothing.
            assert.equal(sha256(fs.readFileSync(path.join(item, "original"))), meta.sha256);
            assert.ok(fs.existsSync(path.join(item, "meta.json")));
            assert.deepEqual(aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", key])?.Versions ?? [], []);
            // The message is visible again at once (its timeout is an hour), for any other task. (The queue also holds the
            // message of the stopping task's closed log file.) Looking spends a receive, hence maxReceiveCount 5 here; moto's
            // ApproximateReceiveCount after a VisibilityTimeout-0 receive is its own, so it is not asserted.
            assert.equal((await depth(queues.QUEUE_URL)).inFlight, 0, "no message left invisible");
            const visible = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
            const ours = (visible.Messages ?? []).filter((m) => JSON.parse(m.Body ?? "{}").id === id);
            assert.equal(ours.length, 1, "the item's message is visible again");

            // A second worker, S3 no longer gated.
            gate.release();
            const successor = await track(startApp({ ...env, S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "successor" }, "work"));
            const archived = await waitFor("the successor to archive the item", () => successor.lines().find((l) => l.msg === "archived" && l.uploadId === id), 60_000);
            assert.equal(archived.alreadyThere, false, "archived by the successor, not found already there");
            await waitFor("the item to leave EFS", () => (fs.existsSync(item) ? undefined : true));

            const versions = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", `uploads/${id}/`])?.Versions ?? [];
            assert.deepEqual(versions.map((v: any) => v.Key), [key], "exactly one object version");
            const head = aws(suite.s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", key, "--checksum-mode", "ENABLED"]);
            assert.equal(head.Metadata?.sha256, meta.sha256);
            assert.ok(typeof head.ChecksumSHA256 === "string" && head.ChecksumSHA256.length > 0, "S3 stores a SHA-256 checksum");
            const local = path.join(tempDataDir(), "got.pdf");
            aws(suite.s3.endpoint, ["s3", "cp", `s3://${bucket}/${key}`, local, "--only-show-errors"]);
            assert.equal(sha256(fs.readFileSync(local)), meta.sha256, "the bytes in S3 are the bytes acknowledged");
            assert.deepEqual(aws(suite.s3.endpoint, ["s3api", "list-multipart-uploads", "--bucket", bucket])?.Uploads ?? [], []);

            await waitFor("every message done with (the item's, and the interrupted task's log file's)", async () => {
                const d = await depth(queues.QUEUE_URL);
                return d.visible + d.inFlight === 0 ? true : undefined;
            });
            assert.deepEqual(await depth(queues.DEAD_LETTER_QUEUE_URL), { visible: 0, inFlight: 0 }, "nothing in the dead-letter queue");
        } finally {
            await gate.stop();
            sqs.destroy();
        }
    });
});
