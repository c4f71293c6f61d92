import { strict as assert } from "assert";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { AppConfig } from "../../app/src/config";
import { partPool, PARTS_IN_MEMORY } from "../../app/src/s3/parts";
import { SignedPut } from "../../app/src/s3/put";
import { ArchiveTarget, ConflictError, IntegrityError, makeClient, putVerified } from "../../app/src/s3/s3";
import { aws, createVersionedBucket, CREDENTIALS, S3Server, startMoto } from "../support/s3server";
import { removeTempDataDirs, sha256, tempDataDir } from "./helpers";

const MiB = 1024 * 1024;
const PART = 5 * MiB;

// putVerified is what decides that a file may leave EFS. moto does not check checksums against the bytes (real S3
// does), so a file whose bytes differ from the acknowledged SHA-256 must be caught by the archiver itself, before
// S3 holds anything under the key.
describe("app: putVerified streams a file to S3 only as the bytes acknowledged at ingest (moto on loopback)", function () {
    this.timeout(120_000);
    let s3: S3Server;
    let target: ArchiveTarget;
    const bucket = `s3-spec-${process.pid}`;
    let dir: string;

    before(async () => {
        s3 = await startMoto();
        createVersionedBucket(s3.endpoint, bucket);
        Object.assign(process.env, CREDENTIALS);
        const config = { region: CREDENTIALS.AWS_REGION, s3Endpoint: s3.endpoint, archiveConcurrency: 2 } as AppConfig;
        const client = makeClient(config);
        target = { client, signedPut: new SignedPut(client, config.region, config.s3Endpoint), bucket, partSize: PART };
        dir = tempDataDir();
    });
    after(async () => {
        await s3?.stop();
        removeTempDataDirs();
    });

    /** A file of `size` random bytes and the object that claims it, with `claimed` overriding what ingest recorded. */
    function item(key: string, size: number, claimed: { sha256?: string; size?: number } = {}) {
        const file = path.join(dir, key.replace(/\//g, "_"));
        const bytes = randomBytes(size);
        fs.writeFileSync(file, bytes);
        return { bytes, obj: { key, file, size: claimed.size ?? size, sha256Hex: claimed.sha256 ?? sha256(bytes), contentType: "application/pdf", metadata: { "upload-id": key } } };
    }
    function exists(key: string): boolean {
        return (aws(s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", key])?.Versions ?? []).some((v: { Key: string }) => v.Key === key);
    }
    function openUploads(): unknown[] {
        return aws(s3.endpoint, ["s3api", "list-multipart-uploads", "--bucket", bucket])?.Uploads ?? [];
    }

    it("a multipart file whose bytes differ from the acknowledged SHA-256 is never completed: nothing at the key, no upload left open", async () => {
        const { obj } = item("corrupt/multipart.bin", 2 * PART + 12345, { sha256: sha256(Buffer.from("other bytes")) });
        await assert.rejects(putVerified(target, obj), (e: Error) => e instanceof IntegrityError && /differ from those acknowledged/.test(e.message));
        assert.equal(exists(obj.key), false);
        assert.deepEqual(openUploads(), [], "the multipart upload was aborted");
    });

    for (const [what, size] of [
        ["a small file (hashed inline)", 64 * 1024],
        ["a file above the inline size (hashed in a pooled buffer)", 3 * MiB],
    ] as const) {
        it(`${what} whose bytes differ from the acknowledged SHA-256 is not sent`, async () => {
            const { obj } = item(`corrupt/single-${size}.bin`, size, { sha256: sha256(Buffer.from("other bytes")) });
            await assert.rejects(putVerified(target, obj), IntegrityError);
            assert.equal(exists(obj.key), false);
        });
    }

    for (const size of [64 * 1024, 2 * PART + 1]) {
        it(`a file shorter than acknowledged (${size} bytes on EFS) is refused as an integrity failure`, async () => {
            const { obj } = item(`short/${size}.bin`, size, { size: size + 1 });
            await assert.rejects(putVerified(target, obj), IntegrityError);
            assert.equal(exists(obj.key), false);
        });
    }

    it("a multipart object carries the composite of its parts' SHA-256 and the full SHA-256, sent through at most PARTS_IN_MEMORY buffers", async () => {
        const files = [item("ok/a.bin", 5 * PART + 777), item("ok/b.bin", 3 * PART)];
        const results = await Promise.all(files.map((f) => putVerified(target, f.obj)));
        assert.ok(partPool(PART).buffers <= PARTS_IN_MEMORY, `${partPool(PART).buffers} part buffers allocated for two files of 6 and 3 parts`);
        for (const [i, { bytes, obj }] of files.entries()) {
            assert.equal(results[i].alreadyThere, false);
            const head = aws(s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", obj.key, "--checksum-mode", "ENABLED"]);
            const partDigests: Buffer[] = [];
            for (let at = 0; at < bytes.length; at += PART) partDigests.push(createHash("sha256").update(bytes.subarray(at, at + PART)).digest());
            assert.equal(head.ChecksumSHA256.split("-")[0], createHash("sha256").update(Buffer.concat(partDigests)).digest("base64"));
            assert.equal(head.Metadata.sha256, sha256(bytes));
            assert.equal(head.ContentLength, bytes.length);
            const back = path.join(dir, `back-${i}`);
            aws(s3.endpoint, ["s3api", "get-object", "--bucket", bucket, "--key", obj.key, back]);
            assert.equal(sha256(fs.readFileSync(back)), sha256(bytes), "the stored bytes are the file's");
        }
    });

    it("a multipart upload never overwrites another object at its key (If-None-Match: *): conflict, the first object kept", async () => {
        const first = item("taken/x.bin", 2 * PART + 1);
        await putVerified(target, first.obj);
        const second = item("taken/x.bin", 2 * PART + 1);
        await assert.rejects(putVerified(target, second.obj), ConflictError);
        const versions = aws(s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", "taken/"]).Versions;
        assert.equal(versions.length, 1, "no second version was written");
        assert.equal(aws(s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", "taken/x.bin"]).Metadata.sha256, sha256(first.bytes));
        assert.deepEqual(openUploads(), [], "the refused upload was aborted");
    });
});
