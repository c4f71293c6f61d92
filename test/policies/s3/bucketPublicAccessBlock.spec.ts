import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("s3-bucket-public-access-block", () => {
    const P = "s3-bucket-public-access-block";
    it("passes a bucket with all four public-access blocks on", () => expectNoViolation(P, compliantStack().resources));
    for (const setting of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
        it(`catches ${setting}: false, naming the bucket`, () =>
            expectOneViolation(P, compliantStack().change("archive-public-access", (i) => (i[setting] = false)).resources, "archive-public-access", new RegExp(`"archive".*${setting} is false`)));
    }
    it("catches a bucket without a public-access block", () =>
        expectOneViolation(P, compliantStack().remove("archive-public-access").resources, "archive", /no BucketPublicAccessBlock refers to it/));
    it("treats a setting unknown during preview as a violation", () =>
        expectOneViolation(P, compliantStack().change("archive-public-access", (i) => (i.blockPublicPolicy = U)).resources, "archive-public-access", /blockPublicPolicy is unknown during preview/));
});
