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

async function decide(role: { arn: string; policies: { name: string; policy: unknown }[] }, action: string, resource: string, context: Record<string, string> = {}, resourcePolicy?: unknown): Promise<string> {
    const result = await runSimulation(
        { request: { principal: role.arn, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context }, identityPolicies: role.policies as any, serviceControlPolicies: [], resourceControlPolicies: [], resourcePolicy: resourcePolicy as any },
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
            for (const action of ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]) {
                assert.equal(await decide(role, action, `${group}:log-stream:ecs-execute-command-1`), "Allowed", `${name} ${action} on the session log`);
                assert.notEqual(await decide(role, action, `${appLogs}:log-stream:app/app/1`), "Allowed", `${name} ${action} on the app's own log group`);
            }
            assert.notEqual(await decide(role, "ssm:StartSession", "*"), "Allowed", `${name} may not start sessions itself`);
        }
    });

    it("with logging: s3, allows each task role to put session logs under exec-sessions/ (and the bucket key through S3), through the bucket's policy, and nowhere else", async () => {
        // The agent uploads the session's output with PutObject under the cluster's s3KeyPrefix ("Logging and auditing
        // using ECS Exec": the task role needs s3:PutObject on the bucket/prefix, and the key's GenerateDataKey when the
        // bucket encrypts with KMS). A customer key for the bucket, so that the KMS grant is exercised too.
        const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const run = await stackRun({ stack: "prod", overrides: { ...PROD_UPDATE_OVERRIDES, "fargate-efs-s3:exec": JSON.stringify({ enabled: true, logging: "s3" }), "fargate-efs-s3:archiveKmsKeyArn": key } });
        const cluster = oneOfType(run, "aws:ecs/cluster:Cluster").inputs as any;
        const prefix = cluster.configuration.executeCommandConfiguration.logConfiguration.s3KeyPrefix as string;
        const bucket = `arn:aws:s3:::${run.outputs.bucketName as string}`;
        const bucketPolicy = JSON.parse(oneOfType(run, "aws:s3/bucketPolicy:BucketPolicy", "archive-policy").inputs.policy as string);
        const tls = { "aws:SecureTransport": "true" };
        const viaS3 = { "kms:ViaService": "s3.us-east-1.amazonaws.com", "kms:CallerAccount": ACCOUNT };
        // The key is the stack's given key; its policy is KMS's default one, which lets IAM policies of the account grant it.
        const keyPolicy = { Version: "2012-10-17", Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] };
        for (const name of ["app-task-role", "worker-task-role"]) {
            const role = policiesOf(run, name);
            assert.equal(await decide(role, "s3:PutObject", `${bucket}/${prefix}/ecs-execute-command-1.log`, tls, bucketPolicy), "Allowed", `${name} puts a session log`);
            assert.equal(await decide(role, "kms:GenerateDataKey", key, viaS3, keyPolicy), "Allowed", `${name} encrypts it with the bucket's key through S3`);
            assert.notEqual(await decide(role, "kms:GenerateDataKey", key, { "kms:CallerAccount": ACCOUNT }, keyPolicy), "Allowed", `${name} uses the key only through S3`);
            assert.notEqual(await decide(role, "s3:PutObject", `${bucket}/exec-sessions-not/x.log`, tls, bucketPolicy), "Allowed", `${name} outside the prefix`);
            assert.notEqual(await decide(role, "s3:PutObject", `${bucket}/${prefix}/x.log`, { "aws:SecureTransport": "false" }, bucketPolicy), "Allowed", `${name} without TLS`);
            assert.equal(await decide(role, "ssmmessages:OpenDataChannel", "*"), "Allowed", `${name} opens its channels`);
            assert.notEqual(await decide(role, "logs:PutLogEvents", "*"), "Allowed", `${name}: no CloudWatch session log with logging: s3`);
        }
    });

    it("allows no exec call while exec is off", async () => {
        const run = await stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });
        const role = policiesOf(run, "app-task-role");
        assert.notEqual(await decide(role, "ssmmessages:OpenDataChannel", "*"), "Allowed");
    });
});
