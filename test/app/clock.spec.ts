import { strict as assert } from "assert";
import { aws, createVersionedBucket } from "../support/s3server";
import { SkewedS3, startSkewedS3 } from "../support/skewedS3";
import { AppProcess, motoSuite, pdf, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * One clock (issue 17): every request the app signs uses the S3 client's corrected clock, so an S3 whose clock is
 * 20 minutes ahead, or behind, refuses the app once and then accepts everything: the small files of the hand-signed
 * single-part PUT (put.ts) as much as the SDK's own commands (multipart), the task's own log files, and the presigned
 * download URLs. /status reports the skew.
 */
for (const [SKEW_MS, side] of [
    [20 * 60 * 1000, "ahead"],
    [-20 * 60 * 1000, "behind"],
] as const) {
    describe(`app: an S3 20 minutes ${side} heals after one refusal (one clock)`, function () {
        this.timeout(180_000);
        const suite = motoSuite();
        let skewed: SkewedS3;
        let app: AppProcess;
        let bucket: string;

        before(async () => {
            bucket = `clock-spec-${side}-${process.pid}`;
            createVersionedBucket(suite.s3.endpoint, bucket);
            skewed = await startSkewedS3(suite.s3.endpoint, SKEW_MS);
            // Logs rotate every 2 s here (300 s by default): each log file is a small file too, archived by the same PUT.
            app = await startApp({ DATA_DIR: tempDataDir(), BUCKET: bucket, S3_ENDPOINT: skewed.endpoint, CLAIM_LEASE_SECONDS: "5", LOG_ROTATE_SECONDS: "2" });
            suite.apps.push(app);
        });
        after(async () => skewed?.stop());

        it("small files (one hand-signed PUT each) and a multipart one are archived, and presigned downloads work, after a single refusal", async () => {
            const ids: string[] = [];
            // 9 MiB is above MULTIPART_PART_BYTES (8 MiB): a multipart upload, the SDK's own commands.
            for (const size of [20 * 1024, 300 * 1024, 6 * 1024 * 1024, 9 * 1024 * 1024]) {
                const r = await upload(app.url, `skew-${size}.pdf`, pdf(size));
                assert.equal(r.status, 202, JSON.stringify(r.body));
                ids.push(r.body.id);
            }
            for (const id of ids) {
                await waitFor(`${id} archived through the skewed S3`, async () => (((await (await fetch(`${app.url}/uploads/${id}`)).json()) as any).status === "archived" ? true : undefined), 90_000);
            }
            const content = await fetch(`${app.url}/uploads/${ids[0]}/content`, { redirect: "manual" });
            assert.equal(content.status, 302);
            const object = await fetch(content.headers.get("location")!);
            const bytes = Buffer.from(await object.arrayBuffer());
            assert.equal(object.status, 200, `the presigned URL is signed at S3's time: ${bytes.toString()}`);
            assert.equal(bytes.length, 20 * 1024);
            // Each request already in flight when S3 first refused may be refused once; none after the clock was learnt.
            const puts = skewed.refused.filter((r) => r.startsWith("PUT "));
            assert.ok(puts.length <= ids.length, `PUTs refused for their time: ${skewed.refused.join(", ")}`);
            assert.ok(skewed.refused.length <= 6, `refused for their time: ${skewed.refused.join(", ")}`);
        });

        it("the task's own log files (small files too) are archived through the skewed S3", async () => {
            // A log rotates at its first line past LOG_ROTATE_SECONDS: each look uploads a file, which writes lines.
            await waitFor(
                "a log file archived",
                async () => {
                    assert.equal((await upload(app.url, "poke.pdf", pdf(1024))).status, 202);
                    return (aws(suite.s3.endpoint, ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "logs/"])?.Contents ?? []).length > 0 ? true : undefined;
                },
                90_000,
                1000,
            );
        });

        it("/status reports S3's clock skew as measured", async () => {
            const status = (await (await fetch(`${app.url}/status`)).json()) as any;
            const skew = status.s3.clockSkewMs;
            assert.equal(typeof skew, "number", JSON.stringify(status.s3));
            assert.ok(Math.abs(skew - SKEW_MS) < 60_000, `measured ${skew} ms, S3 is ${Math.abs(SKEW_MS)} ms ${side}`);
        });
    });
}
