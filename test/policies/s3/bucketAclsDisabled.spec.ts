import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("s3-bucket-acls-disabled (CT.S3.PR.5, S3.12)", () => {
    const P = "s3-bucket-acls-disabled";
    it("passes BucketOwnerEnforced ownership", () => expectNoViolation(P, controlsStack().resources));
    it("catches a bucket without ownership controls, as advisory", () =>
        expectOneViolation(P, controlsStack().remove("archive-ownership").resources, "archive", /no BucketOwnershipControls refers to it/, { level: "advisory" }));
    it("catches ObjectWriter ownership", () =>
        expectOneViolation(P, controlsStack().change("archive-ownership", (i) => (i.rule.objectOwnership = "ObjectWriter")).resources, "archive", /objectOwnership .* is "ObjectWriter"/));
    it("catches a BucketAcl on the bucket", () =>
        expectOneViolation(P, controlsStack().add("aws:s3/bucketAcl:BucketAcl", "archive-acl", { inputs: { bucket: U, acl: "private" }, deps: { bucket: ["archive"] } }).resources, "archive", /BucketAcl "archive-acl" sets an ACL/));
    it("treats an unknown ownership setting as a violation", () =>
        expectOneViolation(P, controlsStack().change("archive-ownership", (i) => (i.rule.objectOwnership = U)).resources, "archive", /unknown during preview/));
});
