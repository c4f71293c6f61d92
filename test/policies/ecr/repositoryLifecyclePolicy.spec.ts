import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecr-repository-lifecycle-policy (CT.ECR.PR.1, ECR.3)", () => {
    const P = "ecr-repository-lifecycle-policy";
    it("passes a repository with a lifecycle policy", () => expectNoViolation(P, controlsStack().resources));
    it("catches a repository without one, as advisory", () =>
        expectOneViolation(P, controlsStack().remove("repo-lifecycle").resources, "repo", /no aws.ecr.LifecyclePolicy/, { level: "advisory" }));
    it("catches a lifecycle policy with an empty document", () =>
        expectOneViolation(P, controlsStack().change("repo-lifecycle", (i) => (i.policy = "")).resources, "repo", /no aws.ecr.LifecyclePolicy with a policy/));
    it("joins an existing repository by its name", () =>
        expectNoViolation(
            P,
            controlsStack()
                .changeOutputs("repo", (o) => (o.name = "app"))
                .change("repo-lifecycle", (i) => (i.repository = "app"))
                .resources.map((r) => (r.name === "repo-lifecycle" ? { ...r, propertyDependencies: {}, dependencies: [] } : r)),
        ));
});
