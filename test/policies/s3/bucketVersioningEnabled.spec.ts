import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const POLICY = "s3-bucket-versioning-enabled";

const MANDATORY = { level: "mandatory" } as const;

describe(POLICY, () => {
    it("passes a bucket with a BucketVersioning whose status is Enabled", async () => {
        await expectNoViolation(POLICY, compliantStack().resources);
    });

    it("catches versioning Suspended, naming the bucket", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"));
        await expectOneViolation(POLICY, s.resources, "archive-versioning", /S3 bucket "archive".*"Suspended".*"Enabled"/, MANDATORY);
    });

    it("catches a bucket that no BucketVersioning refers to", async () => {
        const s = compliantStack().remove("archive-versioning");
        await expectOneViolation(POLICY, s.resources, "archive", /S3 bucket "archive".*no BucketVersioning refers to it.*aws.s3.BucketVersioning/, MANDATORY);
    });

    it("catches a second bucket that has no versioning of its own", async () => {
        const s = compliantStack().add("aws:s3/bucket:Bucket", "logs", { inputs: {}, outputs: { id: U, arn: U, bucket: U } });
        await expectOneViolation(POLICY, s.resources, "logs", /S3 bucket "logs"/, MANDATORY);
    });

    it("treats a status unknown during preview as a mandatory violation", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = U));
        await expectOneViolation(POLICY, s.resources, "archive-versioning", /unknown during preview/, MANDATORY);
    });

    it("treats a versioning configuration unknown during preview as a mandatory violation", async () => {
        const s = compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration = U));
        await expectOneViolation(POLICY, s.resources, "archive-versioning", /unknown during preview/, MANDATORY);
    });

    it("applies to the deprecated BucketV2 and accepts BucketVersioningV2", async () => {
        const s = compliantStack();
        s.get("archive").type = "aws:s3/bucketV2:BucketV2";
        s.get("archive").urn = s.get("archive").urn.replace("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2");
        const v = s.get("archive-versioning");
        v.type = "aws:s3/bucketVersioningV2:BucketVersioningV2";
        v.propertyDependencies = { bucket: [s.get("archive").urn] };
        await expectNoViolation(POLICY, s.resources);
        s.remove("archive-versioning");
        await expectOneViolation(POLICY, s.resources, "archive", /S3 bucket "archive"/, MANDATORY);
    });

    it("accepts legacy inline versioning enabled, but not unknown inline versioning", async () => {
        const s = compliantStack().remove("archive-versioning").change("archive", (i) => (i.versioning = { enabled: true }));
        await expectNoViolation(POLICY, s.resources);
        s.change("archive", (i) => (i.versioning = U));
        await expectOneViolation(POLICY, s.resources, "archive", /inline versioning is unknown during preview/, MANDATORY);
    });

    it("joins an existing bucket to its versioning by bucket name", async () => {
        const s = compliantStack().changeOutputs("archive", (o) => Object.assign(o, { id: "archive-1234", bucket: "archive-1234" }));
        const v = s.get("archive-versioning");
        v.propertyDependencies = {};
        s.change("archive-versioning", (i) => (i.bucket = "archive-1234"));
        await expectNoViolation(POLICY, s.resources);
        s.change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"));
        await expectOneViolation(POLICY, s.resources, "archive-versioning", /"Suspended"/, MANDATORY);
    });
});
