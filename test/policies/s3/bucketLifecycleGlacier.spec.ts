import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

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
