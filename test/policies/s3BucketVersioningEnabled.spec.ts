import * as assert from "assert";

import { U, compliantStack } from "./fixtures";
import { describeAll, violationsOf } from "./harness";

const POLICY = "s3-bucket-versioning-enabled";

async function expectOneViolation(resources: Parameters<typeof violationsOf>[1], on: string, pattern: RegExp) {
    const ds = await violationsOf(POLICY, resources);
    assert.strictEqual(ds.length, 1, describeAll(ds));
    assert.strictEqual(ds[0].enforcementLevel, "mandatory");
    assert.ok(ds[0].urn.endsWith(`::${on}`), `reported on ${ds[0].urn}, expected ${on}`);
    assert.match(ds[0].message, pattern);
}

describe(POLICY, () => {
    it("passes a bucket with a BucketVersioning whose status is Enabled", async () => {
        const ds = await violationsOf(POLICY, compliantStack().resources);
        assert.deepStrictEqual(ds, [], describeAll(ds));
    });

    it("catches versioning Suspended, naming the bucket", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"));
        await expectOneViolation(s.resources, "archive-versioning", /S3 bucket "archive".*"Suspended".*"Enabled"/);
    });

    it("catches a bucket that no BucketVersioning refers to", async () => {
        const s = compliantStack().remove("archive-versioning");
        await expectOneViolation(s.resources, "archive", /S3 bucket "archive".*no BucketVersioning refers to it.*aws.s3.BucketVersioning/);
    });

    it("catches a second bucket that has no versioning of its own", async () => {
        const s = compliantStack().add("aws:s3/bucket:Bucket", "logs", { inputs: {}, outputs: { id: U, arn: U, bucket: U } });
        await expectOneViolation(s.resources, "logs", /S3 bucket "logs"/);
    });

    it("treats a status unknown during preview as a mandatory violation", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = U));
        await expectOneViolation(s.resources, "archive-versioning", /unknown during preview/);
    });

    it("treats a versioning configuration unknown during preview as a mandatory violation", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration = U));
        await expectOneViolation(s.resources, "archive-versioning", /unknown during preview/);
    });

    it("applies to the deprecated BucketV2 and accepts BucketVersioningV2", async () => {
        const s = compliantStack();
        s.get("archive").type = "aws:s3/bucketV2:BucketV2";
        s.get("archive").urn = s.get("archive").urn.replace("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2");
        const v = s.get("archive-versioning");
        v.type = "aws:s3/bucketVersioningV2:BucketVersioningV2";
        v.propertyDependencies = { bucket: [s.get("archive").urn] };
        assert.deepStrictEqual(await violationsOf(POLICY, s.resources), []);
        s.remove("archive-versioning");
        await expectOneViolation(s.resources, "archive", /S3 bucket "archive"/);
    });

    it("accepts legacy inline versioning enabled, but not unknown inline versioning", async () => {
        const s = compliantStack().remove("archive-versioning").change("archive", (i) => (i.versioning = { enabled: true }));
        assert.deepStrictEqual(await violationsOf(POLICY, s.resources), []);
        s.change("archive", (i) => (i.versioning = U));
        await expectOneViolation(s.resources, "archive", /inline versioning is unknown during preview/);
    });

    it("joins an existing bucket to its versioning by bucket name", async () => {
        const s = compliantStack().changeOutputs("archive", (o) => Object.assign(o, { id: "archive-1234", bucket: "archive-1234" }));
        const v = s.get("archive-versioning");
        v.propertyDependencies = {};
        s.change("archive-versioning", (i) => (i.bucket = "archive-1234"));
        assert.deepStrictEqual(await violationsOf(POLICY, s.resources), []);
        s.change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"));
        await expectOneViolation(s.resources, "archive-versioning", /"Suspended"/);
    });
});
