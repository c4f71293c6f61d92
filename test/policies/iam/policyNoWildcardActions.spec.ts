import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe("iam-policy-no-wildcard-actions (CT.IAM.PR.1, PR.2, PR.3, PR.5)", () => {
    const P = "iam-policy-no-wildcard-actions";
    it("passes policies that name their actions (a Deny with * is fine)", () => expectNoViolation(P, controlsStack().resources));
    it("catches * on * in a role's inline policy (CT.IAM.PR.1), as advisory", () =>
        expectOneViolation(P, controlsStack().change("task-role-archive", (i) => (i.policy = doc([{ Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" }]))).resources, "task-role-archive", /statement "Admin" allows \* on Resource "\*" \(administrator access\)/, { level: "advisory" }));
    it("catches * on * in a customer managed policy (CT.IAM.PR.2)", () =>
        expectOneViolation(P, controlsStack().change("deploy-policy", (i) => (i.policy = doc([{ Effect: "Allow", Action: ["*"], Resource: ["*"] }]))).resources, "deploy-policy", /administrator access/));
    it("catches a service wildcard in a managed policy (CT.IAM.PR.3)", () =>
        expectOneViolation(P, controlsStack().change("deploy-policy", (i) => (i.policy = doc([{ Effect: "Allow", Action: "ecs:*", Resource: "arn:aws:ecs:eu-west-1:123456789012:service/app/*" }]))).resources, "deploy-policy", /allows ecs:\*/));
    it("catches a service wildcard in an inline policy (CT.IAM.PR.5)", () =>
        expectOneViolation(P, controlsStack().change("task-role-archive", (i) => (i.policy = doc([{ Effect: "Allow", Action: "S3:*", Resource: "arn:aws:s3:::archive-1234/*" }]))).resources, "task-role-archive", /allows S3:\*/));
    it("catches an Allow with NotAction", () =>
        expectOneViolation(P, controlsStack().change("task-role-archive", (i) => (i.policy = doc([{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }]))).resources, "task-role-archive", /NotAction/));
    it("catches a wildcard in a role's inlinePolicies", () =>
        expectOneViolation(P, controlsStack().change("task-role", (i) => (i.inlinePolicies = [{ name: "all", policy: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]) }])).resources, "task-role", /inlinePolicies\[0\] \(all\)/));
    it("reports a document unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("task-role-archive", (i) => (i.policy = U)).resources, "task-role-archive", /unknown during preview/));
    it("reports a document that does not parse", () =>
        expectOneViolation(P, controlsStack().change("task-role-archive", (i) => (i.policy = "{")).resources, "task-role-archive", /not valid JSON/));
});
