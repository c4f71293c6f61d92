/**
 * The work queue (issue 19): its pure defaults and validation without mocks, the component and its grants under mocks,
 * and its wiring in the program: the web, worker and drain roles get both grants, their containers the URLs, scaling
 * and alarms read the queue's own metrics. Limits as SQS documents them:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../../app/src/config";
import { APP_DEFAULT_MAX_UPLOAD_BYTES, validateWorkQueueArgs, visibilityTimeoutFor, WorkQueue, workQueueDefaults } from "../../components";
import { ConfigError, parseStackConfig } from "../../config";
import { allOfType, deps, json, MockRecord, oneOfType, PROD_UPDATE_OVERRIDES, RecordedResource, registrationsSettled, stackRun, StackRun, useMocks } from "../mocks";

const T = {
    queue: "aws:sqs/queue:Queue",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    allow: "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    scaling: "aws:appautoscaling/policy:Policy",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
};
const MiB = 1024 * 1024;

describe("work queue: defaults and validation (pure)", () => {
    it("defaults to 3 receives, 7 days' retention and a visibility timeout for the app's 100 MiB at 1 MiB/s plus 60 s", () => {
        assert.deepStrictEqual(workQueueDefaults({}), { maxReceiveCount: 3, messageRetentionSeconds: 604800, visibilityTimeoutSeconds: 160 });
    });
    it("sizes from the app's own MAX_UPLOAD_BYTES default when the stack sets none (the two cannot drift apart)", () => {
        const queues = `https://sqs.us-east-1.amazonaws.com/123456789012`;
        const app = loadConfig({ BUCKET: "archive-bucket", AWS_REGION: "us-east-1", QUEUE_URL: `${queues}/work`, DEAD_LETTER_QUEUE_URL: `${queues}/dead-letters` });
        assert.strictEqual(APP_DEFAULT_MAX_UPLOAD_BYTES, app.maxUploadBytes);
    });
    it("sizes the visibility timeout from the largest item and caps it at SQS's 12 hours", () => {
        assert.strictEqual(visibilityTimeoutFor(1), 61);
        assert.strictEqual(visibilityTimeoutFor(1024 * MiB), 1084);
        assert.strictEqual(visibilityTimeoutFor(50 * 1024 * MiB), 43200);
        assert.strictEqual(workQueueDefaults({ maxUploadBytes: 5 * 1024 * MiB }).visibilityTimeoutSeconds, 5180);
    });
    it("accepts maxReceiveCount 1 and 1000 and retention 1 to 13 days", () => {
        assert.deepStrictEqual(validateWorkQueueArgs({ maxReceiveCount: 1, messageRetentionDays: 1 }), []);
        assert.deepStrictEqual(validateWorkQueueArgs({ maxReceiveCount: 1000, messageRetentionDays: 13 }), []);
    });
    it("names every bad argument at once: maxReceiveCount outside 1..1000, 14 days (the dead-letter queue must keep longer), an alias for the key", () => {
        const problems = validateWorkQueueArgs({ maxReceiveCount: 1001, messageRetentionDays: 14, maxUploadBytes: 0, kmsKeyArn: "arn:aws:kms:us-east-1:210987654321:alias/queue" });
        assert.deepStrictEqual(problems.map((p) => p.property), ["maxReceiveCount", "messageRetentionDays", "maxUploadBytes", "kmsKeyArn"]);
        assert.match(problems[0].reason, /1 to 1000/);
        assert.match(problems[1].reason, /dead-letter queue \(14\) must keep it longer/);
        assert.match(problems[3].reason, /not an alias/);
        assert.deepStrictEqual(validateWorkQueueArgs({ maxReceiveCount: 0 }).map((p) => p.property), ["maxReceiveCount"]);
        assert.deepStrictEqual(validateWorkQueueArgs({ maxReceiveCount: 2.5 }).map((p) => p.property), ["maxReceiveCount"]);
    });
});

describe("stack config: workQueue", () => {
    const BASE = { "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true" };
    const problemsOf = (workQueue: object) => {
        try {
            parseStackConfig({ ...BASE, "fargate-efs-s3:workQueue": JSON.stringify(workQueue) }, { availabilityZones: ["us-east-1a", "us-east-1b"] });
        } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            return err.problems;
        }
        return [];
    };
    it("reads maxReceiveCount, messageRetentionDays and kmsKeyArn", () => {
        const c = parseStackConfig({ ...BASE, "fargate-efs-s3:workQueue": JSON.stringify({ maxReceiveCount: 5, messageRetentionDays: 4 }) }, { availabilityZones: ["us-east-1a", "us-east-1b"] });
        assert.deepStrictEqual(c.workQueue, { maxReceiveCount: 5, messageRetentionDays: 4 });
        assert.deepStrictEqual(parseStackConfig(BASE, { availabilityZones: ["us-east-1a", "us-east-1b"] }).workQueue, {});
    });
    it("names each bad field as fargate-efs-s3:workQueue.<field>, all at once", () => {
        const keys = problemsOf({ maxReceiveCount: 0, messageRetentionDays: 20, visibility: 3 }).map((p) => p.key).sort();
        assert.deepStrictEqual(keys, ["fargate-efs-s3:workQueue.maxReceiveCount", "fargate-efs-s3:workQueue.messageRetentionDays", "fargate-efs-s3:workQueue.visibility"]);
        assert.deepStrictEqual(problemsOf({ maxReceiveCount: "3" }).map((p) => p.key), ["fargate-efs-s3:workQueue.maxReceiveCount"]);
    });
});

describe("WorkQueue and its grants (mocks)", () => {
    let record: MockRecord;
    beforeEach(async () => {
        record = await useMocks();
    });
    const ofType = async (type: string) => {
        await registrationsSettled();
        return record.resources.filter((r) => r.type === type);
    };
    const named = (rs: RecordedResource[], name: string) => rs.find((r) => r.name === name)!;
    const role = (n: string) => new aws.iam.Role(n, { assumeRolePolicy: "{}" });

    it("builds an SSE-SQS queue whose redrive policy names its dead-letter queue, which admits only it and keeps messages longer", async () => {
        new WorkQueue("work", { maxReceiveCount: 4 });
        const queues = await ofType(T.queue);
        assert.deepStrictEqual(queues.map((q) => q.name).sort(), ["work-dead-letters", "work-queue"]);
        const [queue, dlq] = [named(queues, "work-queue"), named(queues, "work-dead-letters")];
        for (const q of queues) assert.strictEqual(q.inputs.sqsManagedSseEnabled, true, q.name);
        assert.deepStrictEqual(json(queue.inputs.redrivePolicy), { deadLetterTargetArn: dlq.outputs.arn, maxReceiveCount: 4 });
        assert.strictEqual(queue.inputs.messageRetentionSeconds, 7 * 86400);
        assert.strictEqual(dlq.inputs.messageRetentionSeconds, 14 * 86400);
        assert.strictEqual(queue.inputs.visibilityTimeoutSeconds, 160);
        assert.strictEqual(queue.inputs.receiveWaitTimeSeconds, 20);
        const [allow] = await ofType(T.allow);
        assert.strictEqual(allow.inputs.queueUrl, dlq.outputs.url);
        assert.deepStrictEqual(json(allow.inputs.redriveAllowPolicy), { redrivePermission: "byQueue", sourceQueueArns: [queue.outputs.arn] });
    });

    it("gives each queue a policy from birth that denies every request without TLS and allows nothing", async () => {
        new WorkQueue("work");
        const queues = await ofType(T.queue);
        const policies = await ofType(T.queuePolicy);
        assert.strictEqual(policies.length, 2);
        for (const q of queues) {
            const policy = policies.find((p) => p.inputs.queueUrl === q.outputs.url)!;
            assert.ok(policy, `a policy for ${q.name}`);
            assert.deepStrictEqual(json(policy.inputs.policy).Statement, [
                { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: q.outputs.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ]);
        }
        assert.deepStrictEqual(await ofType(T.rolePolicy), []);
    });

    it("with a KMS key: SSE-KMS on both queues, and the grants use the key through SQS only", async () => {
        const key = "arn:aws:kms:us-east-1:210987654321:key/3333";
        const q = new WorkQueue("work", { kmsKeyArn: key });
        q.connect({ name: "web", role: role("web-role") });
        for (const queue of await ofType(T.queue)) {
            assert.strictEqual(queue.inputs.kmsMasterKeyId, key);
            assert.strictEqual(queue.inputs.sqsManagedSseEnabled, undefined);
        }
        const grants = await ofType(T.rolePolicy);
        const kms = (name: string) => json(named(grants, name).inputs.policy).Statement.find((s: any) => s.Sid === "UseQueueKeyThroughSqs");
        assert.deepStrictEqual([kms("web-queue-send").Action, kms("web-queue-send").Resource], [["kms:GenerateDataKey", "kms:Decrypt"], key]);
        assert.deepStrictEqual(kms("web-queue-consume").Action, ["kms:Decrypt"]);
        assert.deepStrictEqual(kms("web-queue-consume").Condition, { StringEquals: { "kms:ViaService": "sqs.us-east-1.amazonaws.com" } });
    });

    it("grants send (the work queue only) and consume (the work queue; only receives on the dead-letter queue; no purge or attribute changes) in identity policies; the same grant twice is one", async () => {
        const q = new WorkQueue("work");
        const web = { name: "web", role: role("web-role") };
        const first = q.grantSend(web);
        assert.strictEqual(q.grantSend(web), first);
        const { environment, grants } = q.connect(web);
        assert.strictEqual(grants[0], first);
        const queues = await ofType(T.queue);
        const [arn, dlqArn] = [named(queues, "work-queue").outputs.arn, named(queues, "work-dead-letters").outputs.arn];
        const policies = await ofType(T.rolePolicy);
        assert.deepStrictEqual(policies.map((p) => p.name).sort(), ["web-queue-consume", "web-queue-send"]);
        assert.deepStrictEqual(json(named(policies, "web-queue-send").inputs.policy).Statement, [{ Sid: "SendWork", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: arn }]);
        assert.deepStrictEqual(json(named(policies, "web-queue-consume").inputs.policy).Statement, [
            { Sid: "ConsumeWork", Effect: "Allow", Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"], Resource: arn },
            { Sid: "ReadDeadLetters", Effect: "Allow", Action: ["sqs:ReceiveMessage"], Resource: dlqArn },
        ]);
        const env = await new Promise<Record<string, string>>((resolve) => pulumi.all(environment).apply((e) => resolve(e as Record<string, string>)));
        assert.deepStrictEqual(env, { QUEUE_URL: named(queues, "work-queue").outputs.url, DEAD_LETTER_QUEUE_URL: named(queues, "work-dead-letters").outputs.url, MAX_RECEIVE_COUNT: "3" });
    });

    it("refuses one grantee name for two roles", () => {
        const q = new WorkQueue("work");
        q.grantSend({ name: "web", role: role("a") });
        assert.throws(() => q.grantSend({ name: "web", role: role("b") }), /already granted "web" to another role/);
    });

    it("refuses bad arguments before creating anything, naming each", async () => {
        assert.throws(
            () => new WorkQueue("bad", { maxReceiveCount: 0, messageRetentionDays: 14 }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.map((e) => e.propertyPath).join() === "maxReceiveCount,messageRetentionDays",
        );
        assert.deepStrictEqual((await ofType(T.queue)).length, 0);
    });
});

describe("program: the work queue is wired to the web, worker and drain roles only (issue 19)", function () {
    this.timeout(120_000);
    const prod = () => stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });
    const dev = () => stackRun({ stack: "dev" });
    /** Every role policy that mentions SQS, as `role name → policy names`. */
    function sqsGrants(run: StackRun): Record<string, string[]> {
        const out: Record<string, string[]> = {};
        for (const p of allOfType(run, T.rolePolicy).filter((x) => String(x.inputs.policy).includes("sqs:"))) {
            const role = allOfType(run, T.role).find((r) => deps(p, "role").includes(r.urn))!;
            (out[role.name] ??= []).push(p.name);
        }
        for (const k of Object.keys(out)) out[k].sort();
        return out;
    }

    it("prod: the web, worker and drain task roles each get send and consume; no other role anything on SQS", async () => {
        assert.deepStrictEqual(sqsGrants(await prod()), {
            "app-task-role": ["app-queue-consume", "app-queue-send"],
            "app-drain-task-role": ["app-drain-queue-consume", "app-drain-queue-send"],
            "worker-task-role": ["worker-queue-consume", "worker-queue-send"],
        });
    });
    it("dev (no worker): the web and drain task roles", async () => {
        assert.deepStrictEqual(Object.keys(sqsGrants(await dev())).sort(), ["app-drain-task-role", "app-task-role"]);
    });

    it("passes QUEUE_URL, DEAD_LETTER_QUEUE_URL and MAX_RECEIVE_COUNT to the web and worker containers (the drain runs the web's task definition)", async () => {
        const run = await prod();
        const queues = allOfType(run, T.queue);
        const url = (n: string) => queues.find((q) => q.name === n)!.outputs.url;
        for (const td of ["app-task", "worker-task"]) {
            const env = Object.fromEntries(json<any[]>(oneOfType(run, T.taskDefinition, td).inputs.containerDefinitions)[0].environment.map((e: any) => [e.name, e.value]));
            assert.deepStrictEqual([env.QUEUE_URL, env.DEAD_LETTER_QUEUE_URL, env.MAX_RECEIVE_COUNT], [url("work-queue"), url("work-dead-letters"), "3"], td);
        }
    });

    it("scales each service on the queue's visible messages per running task (metric math), not on the EFS backlog file count", async () => {
        const run = await prod();
        const queue = oneOfType(run, T.queue, "work-queue");
        for (const name of ["app-backlog-scaling", "worker-backlog-scaling"]) {
            const policy = oneOfType(run, T.scaling, name);
            const metrics = (policy.inputs.targetTrackingScalingPolicyConfiguration as any).customizedMetricSpecification.metrics;
            const backlog = metrics.find((m: any) => m.id === "backlog").metricStat;
            assert.deepStrictEqual([backlog.metric.namespace, backlog.metric.metricName, backlog.stat, backlog.metric.dimensions], ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "Sum", [{ name: "QueueName", value: queue.outputs.name }]]);
            assert.strictEqual(metrics.find((m: any) => m.returnData).expression, "backlog / tasks");
            assert.strictEqual((policy.inputs.targetTrackingScalingPolicyConfiguration as any).targetValue, 5000);
        }
    });

    it("alarms on the oldest message's age and on anything reaching the dead-letter queue", async () => {
        const run = await prod();
        const [queue, dlq] = ["work-queue", "work-dead-letters"].map((n) => oneOfType(run, T.queue, n).outputs.name);
        const oldest = oneOfType(run, T.alarm, "ops-queue-oldest-message").inputs;
        assert.deepStrictEqual([oldest.namespace, oldest.metricName, oldest.dimensions, oldest.threshold], ["AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: queue }, 1800]);
        const dead = oneOfType(run, T.alarm, "ops-queue-dead-letters").inputs as any;
        const read = dead.metricQueries.filter((q: any) => q.metric).map((q: any) => [q.metric.metricName, q.metric.dimensions.QueueName]);
        assert.deepStrictEqual(read, [["ApproximateNumberOfMessagesVisible", dlq], ["NumberOfMessagesReceived", dlq]]);
        assert.deepStrictEqual([dead.comparisonOperator, dead.threshold, dead.treatMissingData], ["GreaterThanThreshold", 0, "notBreaching"]);
    });

    it("sizes the visibility timeout from the stack's maxUploadBytes", async () => {
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:maxUploadBytes": String(2048 * MiB) } });
        assert.strictEqual(oneOfType(run, T.queue, "work-queue").inputs.visibilityTimeoutSeconds, 2108);
    });
});
