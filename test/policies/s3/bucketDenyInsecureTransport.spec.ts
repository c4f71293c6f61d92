import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

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
