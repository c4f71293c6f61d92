/**
 * IAM proven by simulation for the work queue (issue 19): every SQS call of the cross-team contract — on the work
 * queue SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility, GetQueueAttributes; on the dead-letter
 * queue the same but SendMessage — is evaluated with @cloud-copilot/iam-simulate against the identity policies the
 * program really renders (under the mocks, as an update) for each role that makes it, with the queue's own policy as
 * the resource policy: allowed over TLS for the web (`serve`), worker (`work`) and drain (`archive --once`) task roles;
 * refused without TLS, on another queue, for what no role may do (purge, attribute changes, deletion, sending to the
 * dead-letter queue), and for every other role of the stack. Same-account evaluation as IAM does it:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { allOfType, deps, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/4444-sqs`;
type Policy = { Version: string; Statement: any[] };

const WORK_ACTIONS = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
/** The app only takes dead letters (archiver.ts deadLetters): it never deletes, moves or measures them; the operator does. */
const DEAD_LETTER_ACTIONS = ["sqs:ReceiveMessage"];
const NEVER = ["sqs:PurgeQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:AddPermission", "sqs:StartMessageMoveTask"];
const NEVER_ON_DEAD_LETTERS = WORK_ACTIONS.filter((a) => !DEAD_LETTER_ACTIONS.includes(a));

/**
 * The IAM action each SQS command the app sends needs: the batch commands need their single action ("setting
 * permissions for SendMessage, DeleteMessage, or ChangeMessageVisibility sets permissions for the corresponding batch
 * versions of the actions", https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html).
 */
const ACTION_OF_COMMAND: Record<string, string> = {
    SendMessageCommand: "sqs:SendMessage",
    SendMessageBatchCommand: "sqs:SendMessage",
    ReceiveMessageCommand: "sqs:ReceiveMessage",
    DeleteMessageCommand: "sqs:DeleteMessage",
    DeleteMessageBatchCommand: "sqs:DeleteMessage",
    ChangeMessageVisibilityCommand: "sqs:ChangeMessageVisibility",
    ChangeMessageVisibilityBatchCommand: "sqs:ChangeMessageVisibility",
    GetQueueAttributesCommand: "sqs:GetQueueAttributes",
};
const TLS = { "aws:SecureTransport": "true" };

interface Rendered {
    queue: { arn: string; policy: Policy };
    deadLetters: { arn: string; policy: Policy };
    /** Every role of the stack by name, with its inline role policies. */
    roles: Record<string, { arn: string; policies: { name: string; policy: Policy }[] }>;
}

function render(run: StackRun): Rendered {
    const queue = (name: string) => {
        const q = oneOfType(run, "aws:sqs/queue:Queue", name);
        const policy = allOfType(run, "aws:sqs/queuePolicy:QueuePolicy").find((p) => p.inputs.queueUrl === q.outputs.url)!;
        return { arn: q.outputs.arn as string, policy: json<Policy>(policy.inputs.policy) };
    };
    const roles = Object.fromEntries(
        allOfType(run, "aws:iam/role:Role").map((r) => [
            r.name,
            {
                arn: r.outputs.arn as string,
                policies: allOfType(run, "aws:iam/rolePolicy:RolePolicy")
                    .filter((p) => deps(p, "role").includes(r.urn))
                    .map((p) => ({ name: p.name, policy: json<Policy>(p.inputs.policy) })),
            },
        ]),
    );
    return { queue: queue("work-queue"), deadLetters: queue("work-dead-letters"), roles };
}

async function decide(role: Rendered["roles"][string], action: string, resource: string, context: Record<string, string>, resourcePolicy: Policy): Promise<string> {
    const result = await runSimulation(
        {
            request: { principal: role.arn, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
            identityPolicies: role.policies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy,
        },
        {},
    );
    if (result.resultType === "error") throw new Error(`${action} on ${resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}

/** The key policy AWS creates by default: the account's IAM policies decide. */
const defaultKeyPolicy = (): Policy => ({
    Version: "2012-10-17",
    Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
});

describe("IAM proven by simulation: the work queue's calls of every role (issue 19)", function () {
    this.timeout(600_000);

    it("simulates exactly the SQS calls the app makes: every command app/src sends is one of the work queue's actions, and each action is sent", () => {
        const appSrc = path.join(__dirname, "..", "..", "app", "src");
        const sent = new Set<string>();
        const walk = (dir: string): void => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const f = path.join(dir, e.name);
                if (e.isDirectory()) walk(f);
                else if (f.endsWith(".ts")) for (const m of fs.readFileSync(f, "utf8").matchAll(/new (\w+Command)\(\{\s*QueueUrl/g)) sent.add(m[1]);
            }
        };
        walk(appSrc);
        const unknown = [...sent].filter((c) => !(c in ACTION_OF_COMMAND));
        assert.deepEqual(unknown, [], "an SQS command the app sends that this spec does not map to an IAM action (map it, grant it, simulate it)");
        assert.deepEqual([...new Set([...sent].map((c) => ACTION_OF_COMMAND[c]))].sort(), [...WORK_ACTIONS].sort());
    });

    const variants: [string, string, Record<string, string>, string[]][] = [
        ["prod", "prod", PROD_UPDATE_OVERRIDES, ["app-task-role", "worker-task-role", "app-drain-task-role"]],
        ["dev (no worker)", "dev", {}, ["app-task-role", "app-drain-task-role"]],
        ["prod with a KMS key for the queues", "prod", { ...PROD_UPDATE_OVERRIDES, "fargate-efs-s3:workQueue": JSON.stringify({ kmsKeyArn: KMS_KEY }) }, ["app-task-role", "worker-task-role", "app-drain-task-role"]],
    ];
    for (const [label, stack, overrides, consumers] of variants) {
        describe(label, () => {
            let r: Rendered;
            before(async () => {
                r = render(await stackRun({ stack, overrides }));
            });

            it(`(control) the stack has the consumer roles ${consumers.join(", ")} and others besides`, () => {
                for (const role of consumers) assert.ok(r.roles[role], `no role ${role} among ${Object.keys(r.roles).join(", ")}`);
                assert.ok(Object.keys(r.roles).length > consumers.length);
            });

            it("allows every contract call over TLS to the web, worker and drain task roles", async () => {
                const refused: string[] = [];
                for (const name of consumers) {
                    for (const [q, actions] of [[r.queue, WORK_ACTIONS], [r.deadLetters, DEAD_LETTER_ACTIONS]] as const) {
                        for (const action of actions) {
                            const verdict = await decide(r.roles[name], action, q.arn, TLS, q.policy);
                            if (verdict !== "Allowed") refused.push(`${verdict}: ${name} ${action} ${q.arn}`);
                        }
                    }
                }
                assert.deepEqual(refused, []);
            });

            it("refuses those roles: without TLS, another queue, anything but a receive on the dead-letter queue, purge/attributes/deletion", async () => {
                const other = `arn:aws:sqs:${REGION}:${ACCOUNT}:someone-elses-queue`;
                const allowed: string[] = [];
                for (const name of consumers) {
                    const role = r.roles[name];
                    const mustDeny: [string, string, Record<string, string>, Policy][] = [
                        ...WORK_ACTIONS.map((a): [string, string, Record<string, string>, Policy] => [a, r.queue.arn, { "aws:SecureTransport": "false" }, r.queue.policy]),
                        ...DEAD_LETTER_ACTIONS.map((a): [string, string, Record<string, string>, Policy] => [a, r.deadLetters.arn, { "aws:SecureTransport": "false" }, r.deadLetters.policy]),
                        ...WORK_ACTIONS.map((a): [string, string, Record<string, string>, Policy] => [a, other, TLS, { Version: "2012-10-17", Statement: [] }]),
                        ...NEVER_ON_DEAD_LETTERS.map((a): [string, string, Record<string, string>, Policy] => [a, r.deadLetters.arn, TLS, r.deadLetters.policy]),
                        ...NEVER.flatMap((a) => [[a, r.queue.arn, TLS, r.queue.policy], [a, r.deadLetters.arn, TLS, r.deadLetters.policy]] as [string, string, Record<string, string>, Policy][]),
                    ];
                    for (const [action, resource, context, policy] of mustDeny) {
                        if ((await decide(role, action, resource, context, policy)) === "Allowed") allowed.push(`${name} ${action} ${resource} ${JSON.stringify(context)}`);
                    }
                }
                assert.deepEqual(allowed, []);
            });

            it("refuses every other role of the stack every queue call", async () => {
                const allowed: string[] = [];
                for (const [name, role] of Object.entries(r.roles).filter(([n]) => !consumers.includes(n))) {
                    for (const [q, actions] of [[r.queue, WORK_ACTIONS], [r.deadLetters, DEAD_LETTER_ACTIONS]] as const) {
                        for (const action of actions) {
                            if ((await decide(role, action, q.arn, TLS, q.policy)) === "Allowed") allowed.push(`${name} ${action}`);
                        }
                    }
                }
                assert.deepEqual(allowed, []);
            });

            if (overrides["fargate-efs-s3:workQueue"]) {
                it("lets the consumers use the queues' key through SQS only: GenerateDataKey to send, Decrypt to receive", async () => {
                    const viaSqs = { ...TLS, "kms:ViaService": `sqs.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT };
                    for (const name of consumers) {
                        for (const action of ["kms:GenerateDataKey", "kms:Decrypt"]) {
                            assert.equal(await decide(r.roles[name], action, KMS_KEY, viaSqs, defaultKeyPolicy()), "Allowed", `${name} ${action} via SQS`);
                            assert.notEqual(await decide(r.roles[name], action, KMS_KEY, TLS, defaultKeyPolicy()), "Allowed", `${name} ${action} outside SQS`);
                            assert.notEqual(await decide(r.roles[name], action, KMS_KEY, { ...viaSqs, "kms:ViaService": `s3.${REGION}.amazonaws.com` }, defaultKeyPolicy()), "Allowed", `${name} ${action} via S3`);
                        }
                    }
                });
            }
        });
    }
});
