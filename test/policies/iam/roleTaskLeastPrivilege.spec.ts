import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const P = "iam-role-task-least-privilege";
const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

describe(P, () => {
    it("passes a task role limited to object actions on one prefix and a client mount on one file system", () => expectNoViolation(P, compliantStack().resources));
    for (const action of ["s3:*", "elasticfilesystem:*", "*"]) {
        it(`catches a task role allowed ${action}`, () =>
            expectOneViolation(
                P,
                compliantStack().change("task-role-data", (i) => (i.policy = doc([{ Effect: "Allow", Action: action, Resource: "arn:aws:s3:::archive-1234/*" }]))).resources,
                "task-role-data",
                new RegExp(`"task-role".*allows "${action.replace("*", "\\*")}"`),
            ));
    }
    it('catches S3 actions on Resource "*"', () =>
        expectOneViolation(
            P,
            compliantStack().change("task-role-data", (i) => (i.policy = doc([{ Sid: "Read", Effect: "Allow", Action: ["s3:GetObject"], Resource: "*" }]))).resources,
            "task-role-data",
            /statement "Read" it allows s3:GetObject on Resource "\*"/,
        ));
    it("catches a broad AWS managed policy attached to the task role", () =>
        expectOneViolation(
            P,
            compliantStack().add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "task-role-s3-full", {
                inputs: { role: U, policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
                deps: { role: ["task-role"] },
            }).resources,
            "task-role-s3-full",
            /AmazonS3FullAccess/,
        ));
    it("catches a broad customer-managed policy attached to the task role", () =>
        expectOneViolation(
            P,
            compliantStack()
                .add("aws:iam/policy:Policy", "wide", { inputs: { policy: doc([{ Effect: "Allow", Action: "elasticfilesystem:*", Resource: "*" }]) } })
                .add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "task-role-wide", { inputs: { role: U, policyArn: U }, deps: { role: ["task-role"], policyArn: ["wide"] } })
                .resources,
            "task-role-wide",
            /policy "wide".*elasticfilesystem:\*/,
        ));
    it("leaves roles that no task definition uses alone", () =>
        expectNoViolation(
            P,
            compliantStack()
                .add("aws:iam/role:Role", "ci-role", { inputs: { assumeRolePolicy: "{}" } })
                .add("aws:iam/rolePolicy:RolePolicy", "ci-all", { inputs: { role: U, policy: doc([{ Effect: "Allow", Action: "*", Resource: "*" }]) }, deps: { role: ["ci-role"] } }).resources,
        ));
    it("treats a policy document unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("task-role-data", (i) => (i.policy = U)).resources, "task-role-data", /unknown during preview/));
    it("treats managed policy ARNs built from other resources' outputs, unknown during preview, as unproven", () => {
        const s = compliantStack().change("task-role", (i) => (i.managedPolicyArns = U));
        s.get("task-role").propertyDependencies.managedPolicyArns = [s.urn("archive")];
        return expectOneViolation(P, s.resources, "task-role", /managedPolicyArns are unknown during preview/);
    });
});
