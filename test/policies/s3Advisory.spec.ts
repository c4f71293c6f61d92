import { U, compliantStack } from "./fixtures";
import { expectNoViolation, expectOneViolation } from "./harness";

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

describe("s3-bucket-lifecycle-glacier", () => {
    const P = "s3-bucket-lifecycle-glacier";
    it("passes a bucket whose objects move to GLACIER within 90 days", () => expectNoViolation(P, compliantStack().resources));
    it("catches a bucket without a lifecycle configuration", () =>
        expectOneViolation(P, compliantStack().remove("archive-lifecycle").resources, "archive", /"archive".*within 90 days.*no lifecycle configuration/));
    it("catches a transition to a class that is not Glacier", () =>
        expectOneViolation(P, compliantStack().change("archive-lifecycle", (i) => (i.rules[0].transitions[0].storageClass = "STANDARD_IA")).resources, "archive", /none of its enabled lifecycle rules/));
    it("catches a Glacier rule that is disabled", () =>
        expectOneViolation(P, compliantStack().change("archive-lifecycle", (i) => (i.rules[0].status = "Disabled")).resources, "archive", /none of its enabled/));
    it("takes the number of days from the policy config", async () => {
        await expectOneViolation(P, compliantStack().resources, "archive", /within 7 days/, { policyConfig: { [P]: { maxDays: 7 } } });
        await expectNoViolation(P, compliantStack().resources, { [P]: { maxDays: 30 } });
    });
    it("treats lifecycle rules unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("archive-lifecycle", (i) => (i.rules = U)).resources, "archive", /unknown during preview/));
    it("accepts legacy inline lifecycle rules", () =>
        expectNoViolation(
            P,
            compliantStack()
                .remove("archive-lifecycle")
                .change("archive", (i) => (i.lifecycleRules = [{ enabled: true, transitions: [{ days: 60, storageClass: "DEEP_ARCHIVE" }] }])).resources,
        ));
});

describe("s3-bucket-deny-insecure-transport", () => {
    const P = "s3-bucket-deny-insecure-transport";
    it("passes a bucket whose policy denies non-TLS requests", () => expectNoViolation(P, compliantStack().resources));
    it("catches a bucket without a bucket policy", () => expectOneViolation(P, compliantStack().remove("archive-policy").resources, "archive", /no bucket policy refers to it/));
    it("catches a policy that denies only some actions", () =>
        expectOneViolation(
            P,
            compliantStack().change("archive-policy", (i) => {
                const doc = JSON.parse(i.policy);
                doc.Statement[0].Action = "s3:GetObject";
                i.policy = JSON.stringify(doc);
            }).resources,
            "archive",
            /no such statement/,
        ));
    it("catches a policy that is not valid JSON", () =>
        expectOneViolation(P, compliantStack().change("archive-policy", (i) => (i.policy = "{not json")).resources, "archive", /not valid JSON/));
    it("treats a policy document unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("archive-policy", (i) => (i.policy = U)).resources, "archive", /unknown during preview/));
});
