/**
 * `work`: the background worker's command (issue 9, the article's "background worker that processes uploads"): the
 * archiver alone, sharing DATA_DIR with `serve` tasks, with no upload API and /healthz for the ECS container health
 * check. Moto on loopback stands in for S3.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { aws, createVersionedBucket } from "../support/s3server";
import { motoSuite, pdf, sha256, startApp, tempDataDir, upload, waitFor } from "./helpers";

describe("app: work archives what serve took in, and serves nothing but /healthz", function () {
    this.timeout(120_000);
    const suite = motoSuite();
    const { apps } = suite;

    it("a work process archives an upload that a serve process (without S3) left on the shared DATA_DIR", async () => {
        const bucket = `work-spec-${process.pid}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const dataDir = tempDataDir();
        const base = { DATA_DIR: dataDir, BUCKET: bucket, CLAIM_LEASE_SECONDS: "2" };
        const web = await startApp({ ...base, S3_ENDPOINT: "http://127.0.0.1:9", TASK_ID: "web" });
        apps.push(web);
        const data = pdf(5000);
        const r = await upload(web.url, "report.pdf", data);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        await web.stop();

        const worker = await startApp({ ...base, S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "worker" }, "work");
        apps.push(worker);
        const health = await fetch(`${worker.url}/healthz`);
        assert.equal(health.status, 200, "liveness: the process and DATA_DIR");
        const refused = await fetch(`${worker.url}/uploads`, { method: "POST" });
        assert.equal(refused.status, 404, "no upload API in work");

        const archived = await waitFor("the worker to log the upload archived", () =>
            worker.lines().find((l) => l.msg === "archived" && l.key === `uploads/${r.body.id}/report.pdf`),
        );
        assert.equal(archived.key, `uploads/${r.body.id}/report.pdf`);
        await waitFor("the upload to leave EFS", () => (fs.existsSync(path.join(dataDir, "uploads", "incoming", r.body.id)) ? undefined : true));
        const local = path.join(tempDataDir(), "got.pdf");
        aws(suite.s3.endpoint, ["s3", "cp", `s3://${bucket}/${archived.key}`, local, "--only-show-errors"]);
        assert.equal(sha256(fs.readFileSync(local)), sha256(data));
    });
});
