/**
 * Issue 22: the calls the managed SSM agent makes for an ECS Exec session, evaluated by @cloud-copilot/iam-simulate
 * against the task roles' policies as the program renders them (prod, as an update, exec on with CloudWatch logging).
 * The agent opens its channels (ssmmessages, no resource ARN) and writes the session's output to the cluster's log
 * group; https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html lists both sets.
 */
import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { allOfType, deps, oneOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const ACCOUNT = "123456789012";
const EXEC = { "fargate-efs-s3:exec": JSON.stringify({ enabled: true, logging: "cloudwatch" }) };

function policiesOf(run: StackRun, role: string) {
    const r = oneOfType(run, "aws:iam/role:Role", role);
    return {
        arn: r.outputs.arn as string,
        policies: allOfType(run, "aws:iam/rolePolicy:RolePolicy")
            .filter((p) => deps(p, "role").includes(r.urn))
            .map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy as string) })),
    };
}

async function decide(role: { arn: string; policies: { name: string; policy: unknown }[] }, action: string, resource: string): Promise<string> {
    const result = await runSimulation(
        { request: { principal: role.arn, action, resource: { resource, accountId: ACCOUNT }, contextVariables: {} }, identityPolicies: role.policies as any, serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: undefined },
        {},
    );
    if (result.resultType === "error") throw new Error(`${action} on ${resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}

describe("IAM proven by simulation: the ECS Exec agent's calls (issue 22)", function () {
    this.timeout(180_000);

    it("allows each task role the session channels and the session log's streams, and nothing on another log group", async () => {
        const run = await stackRun({ stack: "prod", overrides: { ...PROD_UPDATE_OVERRIDES, ...EXEC } });
        const group = oneOfType(run, "aws:cloudwatch/logGroup:LogGroup", "app-exec-sessions").outputs.arn as string;
        const appLogs = oneOfType(run, "aws:cloudwatch/logGroup:LogGroup", "app-logs").outputs.arn as string;
        for (const name of ["app-task-role", "worker-task-role"]) {
            const role = policiesOf(run, name);
            for (const action of ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]) {
                assert.equal(await decide(role, action, "*"), "Allowed", `${name} ${action}`);
            }
            assert.equal(await decide(role, "logs:DescribeLogGroups", "*"), "Allowed", `${name} logs:DescribeLogGroups`);
            for (const action of ["logs:CreateLogStream", "logs:PutLogEvents"]) {
                assert.equal(await decide(role, action, `${group}:log-stream:ecs-execute-command-1`), "Allowed", `${name} ${action} on the session log`);
                assert.notEqual(await decide(role, action, `${appLogs}:log-stream:app/app/1`), "Allowed", `${name} ${action} on the app's own log group`);
            }
            assert.notEqual(await decide(role, "ssm:StartSession", "*"), "Allowed", `${name} may not start sessions itself`);
        }
    });

    it("allows no exec call while exec is off", async () => {
        const run = await stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });
        const role = policiesOf(run, "app-task-role");
        assert.notEqual(await decide(role, "ssmmessages:OpenDataChannel", "*"), "Allowed");
    });
});
