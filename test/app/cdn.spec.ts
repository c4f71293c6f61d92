/**
 * Issue 11: with CloudFront in front of the archive (CDN_BASE_URL), GET /uploads/:id returns the CDN URL of each
 * archived object under a served prefix (CDN_SERVED_PREFIXES, thumbnails by default), and never of the others.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { aws, createVersionedBucket } from "../support/s3server";
import { motoSuite, pdf, runApp, startApp, tempDataDir, upload, waitFor } from "./helpers";

const CDN = "https://d111111abcdef8.cloudfront.net";

describe("app: GET /uploads/:id returns CDN URLs for served prefixes once archived (moto)", function () {
    this.timeout(300_000);
    let n = 0;
    const suite = motoSuite();
    const { apps } = suite;

    async function archivedStatus(extra: Record<string, string>, name: string, data: Buffer): Promise<any> {
        const bucket = `cdn-spec-${process.pid}-${++n}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const app = await startApp({ DATA_DIR: tempDataDir(), BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "2", ...extra });
        apps.push(app);
        const r = await upload(app.url, name, data);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        const s: any = await waitFor("archived status", async () => {
            const got: any = await (await fetch(`${app.url}/uploads/${r.body.id}`)).json();
            return got.status === "archived" ? got : undefined;
        });
        return { ...s, bucket };
    }
    async function png(): Promise<Buffer> {
        const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));
        return sharp({ create: { width: 320, height: 200, channels: 3, background: "#cc3366" } }).png().toBuffer();
    }

    it("by default the thumbnail's CDN URL (percent-encoded), never the original's", async () => {
        const s = await archivedStatus({ CDN_BASE_URL: CDN }, "red photo.png", await png());
        assert.deepStrictEqual(s.cdnUrls, [`${CDN}/uploads/${s.id}/thumbnails/red%20photo.png.webp`]);
        const listed = aws(suite.s3.endpoint, ["s3api", "list-objects-v2", "--bucket", s.bucket, "--prefix", `uploads/${s.id}/thumbnails/`]);
        assert.deepStrictEqual(listed.Contents.map((o: any) => o.Key), [`uploads/${s.id}/thumbnails/red photo.png.webp`], "the URL names the object S3 holds");
    });

    it("no CDN URL for an object in GLACIER or DEEP_ARCHIVE (GetObject answers InvalidObjectState until it is restored)", async () => {
        for (const storageClass of ["GLACIER", "DEEP_ARCHIVE"]) {
            const s = await archivedStatus({ CDN_BASE_URL: CDN }, "frozen.png", await png());
            const thumbnail = `uploads/${s.id}/thumbnails/frozen.png.webp`;
            assert.deepStrictEqual(s.cdnUrls, [`${CDN}/${thumbnail}`], "(control) served while readable");
            // What a lifecycle transition does to the object: the same key, another storage class.
            aws(suite.s3.endpoint, ["s3api", "copy-object", "--bucket", s.bucket, "--key", thumbnail, "--copy-source", `${s.bucket}/${thumbnail}`, "--storage-class", storageClass]);
            const listed = aws(suite.s3.endpoint, ["s3api", "list-objects-v2", "--bucket", s.bucket, "--prefix", thumbnail]);
            assert.deepStrictEqual(listed.Contents.map((o: any) => o.StorageClass), [storageClass], "S3 lists the object in its new class");
            const now: any = await (await fetch(`${apps[apps.length - 1].url}/uploads/${s.id}`)).json();
            assert.equal(now.status, "archived");
            assert.equal(now.cdnUrls, undefined, `${storageClass}: ${JSON.stringify(now.cdnUrls)}`);
        }
    });

    it("no CDN_BASE_URL: no CDN URLs", async () => {
        const s = await archivedStatus({}, "plain.png", await png());
        assert.equal(s.cdnUrls, undefined);
    });

    it("CDN_SERVED_PREFIXES=uploads/* serves the original too; a PDF (no thumbnail) gets its original only", async () => {
        const s = await archivedStatus({ CDN_BASE_URL: CDN, CDN_SERVED_PREFIXES: "uploads/*" }, "doc.pdf", pdf(10_000));
        assert.deepStrictEqual(s.cdnUrls, [`${CDN}/uploads/${s.id}/doc.pdf`]);
    });

    it("refuses a CDN_BASE_URL that is not an https origin, naming the variable", async () => {
        const r = await runApp(["serve"], { DATA_DIR: tempDataDir(), BUCKET: "b-cdn", CDN_BASE_URL: "http://d111111abcdef8.cloudfront.net/" }, 30_000);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr + JSON.stringify(r.lines), /CDN_BASE_URL/);
    });
});
