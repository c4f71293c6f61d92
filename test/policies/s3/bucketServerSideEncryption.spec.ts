import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("s3-bucket-server-side-encryption (CT.S3.PR.7, CT.S3.PR.10)", () => {
    const P = "s3-bucket-server-side-encryption";
    it("passes SSE-S3 by default", () => expectNoViolation(P, controlsStack().resources));
    it("catches a bucket without an encryption configuration, as advisory", () =>
        expectOneViolation(P, controlsStack().remove("archive-encryption").resources, "archive", /no BucketServerSideEncryptionConfiguration/, { level: "advisory" }));
    it("catches a configuration without an algorithm", () =>
        expectOneViolation(P, controlsStack().change("archive-encryption", (i) => (i.rules = [{ bucketKeyEnabled: true }])).resources, "archive-encryption", /sseAlgorithm .* is not set/));
    it("treats an unknown algorithm as a violation", () =>
        expectOneViolation(P, controlsStack().change("archive-encryption", (i) => (i.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm = U)).resources, "archive-encryption", /unknown during preview/));
    it("with requireKms, catches SSE-S3 (CT.S3.PR.10)", () =>
        expectOneViolation(P, controlsStack().resources, "archive-encryption", /must encrypt with aws:kms or aws:kms:dsse.*"AES256"/, { policyConfig: { [P]: { requireKms: true } } }));
    it("with requireKms, passes aws:kms", () =>
        expectNoViolation(P, controlsStack().change("archive-encryption", (i) => (i.rules[0].applyServerSideEncryptionByDefault = { sseAlgorithm: "aws:kms", kmsMasterKeyId: U })).resources, { [P]: { requireKms: true } }));
});
