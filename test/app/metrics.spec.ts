/**
 * The app's CloudWatch metrics as Embedded Metric Format records on stdout (issue 10): the names, units and the one
 * dimension that the alarms, the dashboard and the scaling policies read (app/src/contract.ts).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { createVersionedBucket, S3Server, startMoto } from "../support/s3server";
import { SilentServer, startSilentServer } from "../support/silentServer";
import { AppProcess, claimedItemDirs, pdf, removeTempDataDirs, startApp, tempDataDir, upload, waitFor } from "./helpers";

/** The documented metrics, pinned here as literals (app/README.md "Metrics"): name → unit. */
const DOCUMENTED: Record<string, string> = {
    BacklogFiles: "Count",
    BacklogBytes: "Bytes",
    OldestBacklogAgeSeconds: "Seconds",
    QuarantinedFiles: "Count",
    ArchivedFiles: "Count",
    ArchivedBytes: "Bytes",
    ArchiveFailures: "Count",
    UploadsRejected: "Count",
    UploadsAccepted: "Count",
};

/** The lines of stdout that are EMF records: JSON with `_aws.CloudWatchMetrics`. */
function emfRecords(app: AppProcess): any[] {
    return app.lines().filter((l) => l._aws && Array.isArray(l._aws.CloudWatchMetrics));
}

describe("app: CloudWatch metrics as EMF on stdout", function () {
    this.timeout(120_000);
    const apps: AppProcess[] = [];
    let s3: S3Server;
    let blackHole: SilentServer;

    before(async () => {
        s3 = await startMoto();
        createVersionedBucket(s3.endpoint, "metrics-spec");
        // An S3 that never answers: uploads stay on EFS, so the backlog holds still while it is measured.
        blackHole = await startSilentServer();
    });
    after(async () => {
        for (const a of apps) await a.stop("SIGKILL");
        blackHole?.close();
        await s3?.stop();
        removeTempDataDirs();
    });
    async function serve(env: Record<string, string>): Promise<AppProcess> {
        const a = await startApp({ DATA_DIR: env.DATA_DIR ?? tempDataDir(), BUCKET: "metrics-spec", MAX_UPLOAD_BYTES: "100000", METRICS_SERVICE_NAME: "spec-app", TASK_ID: "task-a", ...env });
        apps.push(a);
        return a;
    }

    it("every record carries the documented names and units in namespace FargateEfsS3/App, with ServiceName the only dimension and TaskId a property", async () => {
        const port = blackHole.port;
        const dataDir = tempDataDir();
        const app = await serve({ DATA_DIR: dataDir, S3_ENDPOINT: `http://127.0.0.1:${port}`, METRICS_INTERVAL_SECONDS: "1" });
        const a = pdf(3000);
        const b = pdf(5000);
        const first = await upload(app.url, "a.pdf", a);
        assert.equal(first.status, 202);
        assert.equal((await upload(app.url, "b.pdf", b)).status, 202);
        assert.equal((await upload(app.url, "big.pdf", pdf(100_001))).status, 413);

        const record = await waitFor("an EMF record with both uploads in the backlog", () => emfRecords(app).find((r) => r.BacklogFiles === 2));
        assert.deepEqual(record._aws.CloudWatchMetrics.length, 1);
        const directive = record._aws.CloudWatchMetrics[0];
        assert.equal(directive.Namespace, "FargateEfsS3/App");
        assert.deepEqual(directive.Dimensions, [["ServiceName"]], "one dimension set: no per-task metric");
        assert.equal(record.ServiceName, "spec-app");
        assert.equal(record.TaskId, "task-a", "the task is a property, searchable in Logs Insights, not a billed dimension");
        assert.ok(typeof record._aws.Timestamp === "number");
        const units = Object.fromEntries(directive.Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]));
        assert.deepEqual(units, DOCUMENTED);
        assert.equal(record.BacklogBytes, a.length + b.length);
        assert.ok(record.OldestBacklogAgeSeconds >= 0 && record.OldestBacklogAgeSeconds < 120, `oldest item age ${record.OldestBacklogAgeSeconds}`);

        // The oldest item's age is its original's mtime: backdate one by an hour and the next record says so.
        // Waiting in incoming/, or claimed into a shard of claims/<task>/ by the archiver that keeps retrying.
        const candidates = [path.join(dataDir, "uploads", "incoming", first.body.id), ...claimedItemDirs(dataDir).filter((d) => path.basename(d) === first.body.id)];
        const original = path.join(candidates.find((dir) => fs.existsSync(path.join(dir, "original")))!, "original");
        const hourAgo = new Date(Date.now() - 3600_000);
        fs.utimesSync(original, hourAgo, hourAgo);
        const aged = await waitFor("a record with the backdated item", () => emfRecords(app).find((r) => r.OldestBacklogAgeSeconds >= 3600));
        assert.ok(aged.OldestBacklogAgeSeconds < 3600 + 120, `oldest item age ${aged.OldestBacklogAgeSeconds}`);

        // Counts are per interval: over all records, each upload is counted once.
        const sum = (name: string) => emfRecords(app).reduce((n, r) => n + r[name], 0);
        await waitFor("the counts of both uploads and the rejection", () => sum("UploadsAccepted") === 2 && sum("UploadsRejected") === 1);
    });

    it("archived files and bytes add up over the records; the backlog returns to 0", async () => {
        const app = await serve({ S3_ENDPOINT: s3.endpoint, METRICS_INTERVAL_SECONDS: "1" });
        const data = pdf(4096);
        assert.equal((await upload(app.url, "c.pdf", data)).status, 202);
        const sum = (name: string) => emfRecords(app).reduce((n, r) => n + r[name], 0);
        await waitFor("the archive counted", () => sum("ArchivedFiles") >= 1);
        await waitFor("an empty backlog", () => emfRecords(app).some((r) => r.ArchivedFiles >= 0 && r.BacklogFiles === 0 && sum("ArchivedFiles") >= 1));
        assert.ok(sum("ArchivedBytes") >= data.length, `archived bytes ${sum("ArchivedBytes")}`);
        assert.equal(sum("ArchiveFailures"), 0);
        assert.equal(emfRecords(app).at(-1).QuarantinedFiles, 0);
    });

    it("METRICS_INTERVAL_SECONDS=0 writes no EMF record, not even at shutdown", async () => {
        const app = await serve({ S3_ENDPOINT: s3.endpoint, METRICS_INTERVAL_SECONDS: "0" });
        assert.equal((await upload(app.url, "d.pdf", pdf(1000))).status, 202);
        await app.stop("SIGTERM");
        assert.ok(app.lines().some((l) => l.msg === "stopped"), "the app stopped cleanly");
        assert.deepEqual(emfRecords(app), []);
    });

    it("a record is written at shutdown, so that the last interval's counts are not lost", async () => {
        const app = await serve({ S3_ENDPOINT: s3.endpoint, METRICS_INTERVAL_SECONDS: "3600" });
        assert.equal((await upload(app.url, "e.pdf", pdf(1000))).status, 202);
        await app.stop("SIGTERM");
        const records = emfRecords(app);
        assert.equal(records.length, 1, "one record, at SIGTERM");
        assert.equal(records[0].UploadsAccepted, 1);
    });
});
