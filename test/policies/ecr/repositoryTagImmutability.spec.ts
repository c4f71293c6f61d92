import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecr-repository-tag-immutability (CT.ECR.PR.3, ECR.2)", () => {
    const P = "ecr-repository-tag-immutability";
    it("passes IMMUTABLE", () => expectNoViolation(P, controlsStack().resources));
    it("catches MUTABLE, as advisory", () => expectOneViolation(P, controlsStack().change("repo", (i) => (i.imageTagMutability = "MUTABLE")).resources, "repo", /imageTagMutability is "MUTABLE"/, { level: "advisory" }));
    it("catches it left unset", () => expectOneViolation(P, controlsStack().change("repo", (i) => delete i.imageTagMutability).resources, "repo", /defaults to MUTABLE/));
    it("treats an unknown value as a violation", () => expectOneViolation(P, controlsStack().change("repo", (i) => (i.imageTagMutability = U)).resources, "repo", /unknown during preview/));
});
