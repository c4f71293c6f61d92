import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("cloudwatch-loggroup-retention (CT.CLOUDWATCH.PR.2, CloudWatch.16)", () => {
    const P = "cloudwatch-loggroup-retention";
    it("passes a year of retention", () => expectNoViolation(P, controlsStack().resources));
    it("passes a log group that never expires (retention unset)", () => expectNoViolation(P, controlsStack().change("app-logs", (i) => delete i.retentionInDays).resources));
    it("catches 14 days, naming the stack setting, as advisory", () =>
        expectOneViolation(P, controlsStack().change("app-logs", (i) => (i.retentionInDays = 14)).resources, "app-logs", /at least 365 days, but retentionInDays is 14.*logRetentionDays/, { level: "advisory" }));
    it("takes minimumDays from the pack config", () =>
        expectNoViolation(P, controlsStack().change("app-logs", (i) => (i.retentionInDays = 14)).resources, { [P]: { minimumDays: 14 } }));
    it("treats an unknown retention as a violation", () => expectOneViolation(P, controlsStack().change("app-logs", (i) => (i.retentionInDays = U)).resources, "app-logs", /unknown during preview/));
});
