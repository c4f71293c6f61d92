import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecr-repository-scan-on-push (CT.ECR.PR.2, ECR.1)", () => {
    const P = "ecr-repository-scan-on-push";
    it("passes scanOnPush: true", () => expectNoViolation(P, controlsStack().resources));
    it("catches scanOnPush: false, as advisory", () =>
        expectOneViolation(P, controlsStack().change("repo", (i) => (i.imageScanningConfiguration.scanOnPush = false)).resources, "repo", /scanOnPush is false/, { level: "advisory" }));
    it("catches a repository without a scanning configuration", () => expectOneViolation(P, controlsStack().change("repo", (i) => delete i.imageScanningConfiguration).resources, "repo", /defaults to false/));
    it("treats an unknown setting as a violation", () => expectOneViolation(P, controlsStack().change("repo", (i) => (i.imageScanningConfiguration = U)).resources, "repo", /unknown during preview/));
});
