import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { aws, createVersionedBucket, CREDENTIALS } from "../support/s3server";
import { startSilentServer } from "../support/silentServer";
import { queuesFor } from "../support/sqsQueues";
import { AppProcess, motoSuite, pdf, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * Findings of the adversarial read of the app after issues 17 and 19 (one spec per defect reproduced), against the
 * built app with moto serving S3 and SQS on loopback.
 */
describe("app: adversarial read — the life cycle and the work queue", function () {
    this.timeout(300_000);
    const suite = motoSuite();
    const { apps } = suite;
    async function track(p: Promise<AppProcess>): Promise<AppProcess> {
        const a = await p;
        apps.push(a);
        return a;
    }

    it("an item in flight while its tasks stop (SIGTERM) maxReceiveCount times is archived, not dead-lettered and quarantined: a hand-back spends no receive", async () => {
        const bucket = `adversarial-${process.pid}-1`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const dataDir = tempDataDir();
        // S3 that accepts connections and never answers: the item stays in flight until each task's hand-back.
        const hole = await startSilentServer();
        try {
            const env: Record<string, string> = { DATA_DIR: dataDir, BUCKET: bucket, MAX_RECEIVE_COUNT: "2", QUEUE_VISIBILITY_SECONDS: "3600", SHUTDOWN_DEADLINE_SECONDS: "6", CLAIM_LEASE_SECONDS: "2" };
            const queues = await queuesFor(dataDir, { maxReceiveCount: 2 });
            const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
            const inFlight = async () => {
                const q = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
                // Every message received and held: the item's, and the logs of the tasks stopped before (no log line
                // says the item is in hand once it is processed).
                return q.Attributes?.ApproximateNumberOfMessages === "0" && Number(q.Attributes?.ApproximateNumberOfMessagesNotVisible) >= 1 ? true : undefined;
            };
            let id = "";
            // Two scale-ins (or two Spot interruptions) in a row, each while the item is in flight: each task is told
            // to stop, and hands the message back as it should.
            for (let stop = 1; stop <= 2; stop++) {
                const a = await track(startApp({ ...env, S3_ENDPOINT: hole.endpoint, TASK_ID: `stopping-${stop}` }));
                if (stop === 1) {
                    const r = await upload(a.url, "healthy.pdf", pdf(5000));
                    assert.equal(r.status, 202, JSON.stringify(r.body));
                    id = r.body.id;
                }
                await waitFor(`task ${stop} to hold the item's message`, inFlight);
                await a.stop();
                assert.ok(a.lines().some((l) => l.msg === "stopping: handing back the messages of unfinished items"), `task ${stop} handed the item back`);
            }
            // S3 is back: the next task must archive the item. It never failed and never killed a task.
            const b = await track(startApp({ ...env, S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "successor" }, "work"));
            const end = await waitFor("the item to be archived or quarantined", () => b.lines().find((l) => (l.msg === "archived" || l.msg === "quarantined") && l.uploadId === id), 90_000);
            assert.equal(end.msg, "archived", `a healthy item handed back twice was ${end.msg}: ${end.reason ?? ""}`);
            assert.equal(fs.existsSync(path.join(dataDir, "uploads", "quarantine", id)), false);
            const versions = aws(suite.s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", `uploads/${id}/`]) ?? {};
            assert.equal((versions.Versions ?? []).filter((v: any) => v.Key === `uploads/${id}/healthy.pdf`).length, 1);
            sqs.destroy();
        } finally {
            hole.close();
        }
    });
});

describe("app: adversarial read — requests while S3 is away", function () {
    this.timeout(120_000);
    let app: AppProcess | undefined;
    after(async () => {
        await app?.stop("SIGKILL");
    });

    it("GET /uploads/:id of an upload not on EFS while S3 is unreachable answers 503 with Retry-After, not 500, and names no endpoint", async () => {
        app = await startApp({ DATA_DIR: tempDataDir(), BUCKET: "unused-bucket", S3_ENDPOINT: "http://127.0.0.1:9" });
        const id = "0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b";
        for (const target of [`/uploads/${id}`, `/uploads/${id}/content`]) {
            const r = await fetch(`${app.url}${target}`, { redirect: "manual" });
            const body = await r.text();
            assert.equal(r.status, 503, `${target}: ${body}`);
            assert.match(r.headers.get("retry-after") ?? "", /^\d+$/);
            assert.ok(!body.includes("127.0.0.1") && !body.includes("unused-bucket"), body);
        }
        assert.equal(app.child.exitCode, null);
    });
});
