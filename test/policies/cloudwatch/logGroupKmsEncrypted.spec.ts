import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("cloudwatch-loggroup-kms-encrypted (CT.CLOUDWATCH.PR.3)", () => {
    const P = "cloudwatch-loggroup-kms-encrypted";
    it("passes a log group with a KMS key (unknown id from the key resource)", () => expectNoViolation(P, controlsStack().resources));
    it("passes a known key ARN", () => expectNoViolation(P, controlsStack().change("app-logs", (i) => (i.kmsKeyId = "arn:aws:kms:eu-west-1:123456789012:key/1")).resources));
    it("catches a log group without kmsKeyId, as advisory", () =>
        expectOneViolation(P, controlsStack().change("app-logs", (i) => delete i.kmsKeyId).resources, "app-logs", /kmsKeyId is not set/, { level: "advisory" }));
});
