import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CREDENTIALS } from "../support/s3server";
import { queuesFor } from "../support/sqsQueues";
import { pdf, removeTempDataDirs, startApp, tempDataDir, upload, waitFor } from "./helpers";

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
