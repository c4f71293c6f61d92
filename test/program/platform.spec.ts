/**
 * Issue 22 under mocks: Graviton by default, Fargate Spot for the worker, the cluster's capacity providers, ECS Exec
 * on demand with logged sessions, EFS Archive and replication. Dev and prod as shipped, and one setting changed at
 * a time. Prod runs as an update (a real-looking certificate), so every policy document is known.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
 * https://docs.aws.amazon.com/efs/latest/ug/lifecycle-management-efs.html
 */
import * as assert from "assert";
import { allOfType, deps, json, oneOfType, PROD_UPDATE_OVERRIDES, RecordedResource, stackRun, StackRun } from "../mocks";

/** The one resource of a type (and name), its inputs and outputs untyped for reading nested fields. */
const anyOf = (run: StackRun, type: string, name?: string): RecordedResource & { inputs: any; outputs: any } => oneOfType(run, type, name) as RecordedResource & { inputs: any; outputs: any };


const NS = "fargate-efs-s3";
const T = {
    cluster: "aws:ecs/cluster:Cluster",
    capacity: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    service: "aws:ecs/service:Service",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    role: "aws:iam/role:Role",
    schedule: "aws:scheduler/schedule:Schedule",
    fs: "aws:efs/fileSystem:FileSystem",
    replication: "aws:efs/replicationConfiguration:ReplicationConfiguration",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    kmsKey: "aws:kms/key:Key",
};
const dev = (overrides: Record<string, string> = {}) => stackRun({ stack: "dev", overrides });
const prod = (overrides: Record<string, string> = {}) => stackRun({ stack: "prod", overrides: { ...PROD_UPDATE_OVERRIDES, ...overrides } });
const container = (run: StackRun, name: string) => json<any[]>(anyOf(run, T.taskDefinition, name).inputs.containerDefinitions)[0];
const execOn = (logging?: string) => ({ [`${NS}:exec`]: JSON.stringify({ enabled: true, ...(logging ? { logging } : {}) }) });
/** The exec statements a role's policies hold, by role name. */
function execPolicy(run: StackRun, role: string): any | undefined {
    const r = anyOf(run, T.role, role);
    const found = allOfType(run, T.rolePolicy).filter((p) => deps(p, "role").includes(r.urn) && p.name.endsWith("-exec"));
    return found.length === 0 ? undefined : json(found[0].inputs.policy);
}

describe("program: Graviton by default (cpuArchitecture)", function () {
    this.timeout(180_000);

    it("runs dev's web tier on ARM64 Linux when the stack says nothing", async () => {
        const task: any = anyOf(await dev(), T.taskDefinition, "app-task").inputs;
        assert.deepStrictEqual(task.runtimePlatform, { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" });
    });
    it("runs the web tier on X86_64 with cpuArchitecture: X86_64", async () => {
        const task: any = anyOf(await dev({ [`${NS}:cpuArchitecture`]: "X86_64" }), T.taskDefinition, "app-task").inputs;
        assert.strictEqual(task.runtimePlatform.cpuArchitecture, "X86_64");
    });
    it("runs prod's worker on ARM64 on its Spot strategy too (FARGATE_SPOT runs ARM64 on platform 1.4.0), pinned to 1.4.0", async () => {
        // API_CapacityProviderStrategyItem: "FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform version 1.4.0 or later."
        const run = await prod();
        assert.strictEqual(anyOf(run, T.taskDefinition, "app-task").inputs.runtimePlatform.cpuArchitecture, "ARM64");
        assert.strictEqual(anyOf(run, T.taskDefinition, "worker-task").inputs.runtimePlatform.cpuArchitecture, "ARM64");
        assert.ok(anyOf(run, T.service, "worker-service").inputs.capacityProviderStrategies.some((i: any) => i.capacityProvider === "FARGATE_SPOT"));
        assert.strictEqual(anyOf(run, T.service, "worker-service").inputs.platformVersion, "1.4.0");
    });
    it("runs every tier on X86_64 with cpuArchitecture: X86_64, the worker on Spot included", async () => {
        const run = await prod({ [`${NS}:cpuArchitecture`]: "X86_64" });
        for (const task of ["app-task", "worker-task", "app-drain-task"]) {
            assert.strictEqual(anyOf(run, T.taskDefinition, task).inputs.runtimePlatform.cpuArchitecture, "X86_64", task);
        }
    });
});

describe("program: capacity providers (Fargate Spot for archiving)", function () {
    this.timeout(180_000);

    it("associates the cluster with FARGATE and FARGATE_SPOT, the web tier's strategy as the default", async () => {
        const run = await prod();
        const capacity = anyOf(run, T.capacity).inputs;
        assert.deepStrictEqual(capacity.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
        assert.deepStrictEqual(capacity.defaultCapacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
        assert.deepStrictEqual(deps(anyOf(run, T.capacity), "clusterName"), [anyOf(run, T.cluster).urn]);
    });
    it("keeps the web service on FARGATE and puts the worker's tasks beyond one on FARGATE_SPOT, with no launchType", async () => {
        const run = await prod();
        const web = anyOf(run, T.service, "app-service");
        const worker = anyOf(run, T.service, "worker-service");
        assert.deepStrictEqual(web.inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
        assert.deepStrictEqual(worker.inputs.capacityProviderStrategies, [
            { capacityProvider: "FARGATE", base: 1, weight: 0 },
            { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
        ]);
        for (const s of [web, worker]) {
            assert.strictEqual(s.inputs.launchType, undefined, `${s.name}: launchType and capacityProviderStrategies exclude each other`);
            assert.ok(s.dependencies.includes(anyOf(run, T.capacity).urn), `${s.name} waits for the cluster's capacity providers`);
        }
    });
    it("runs the scheduled drain with a capacity provider strategy in its RunTask request, never a launch type", async () => {
        const run = await prod({ [`${NS}:capacityProviders`]: JSON.stringify({ drain: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }) });
        const schedule = anyOf(run, T.schedule);
        const request = json(schedule.inputs.target.input);
        assert.strictEqual(request.LaunchType, undefined);
        assert.deepStrictEqual(request.CapacityProviderStrategy, [{ CapacityProvider: "FARGATE_SPOT", Base: 0, Weight: 1 }]);
        assert.strictEqual(request.PlatformVersion, "1.4.0", "ARM64 on FARGATE_SPOT needs platform 1.4.0");
        assert.ok(schedule.dependencies.includes(anyOf(run, T.capacity).urn));
    });
    it("builds the image once for the architecture every tier runs: ARM64 in prod, the worker on Spot included", async () => {
        // No `image` in Pulumi.prod.yaml: the program builds app/ once per architecture.
        const run = await prod();
        assert.deepStrictEqual(allOfType(run, "awsx:ecr:Image").map((b) => [b.name, b.inputs.platform]), [["app-image-arm64", "linux/arm64"]]);
        assert.match(container(run, "app-task").image, /\/app-image-arm64@sha256:/);
        assert.match(container(run, "worker-task").image, /\/app-image-arm64@sha256:/);
    });
    it("builds for linux/amd64 only with cpuArchitecture: X86_64", async () => {
        const run = await prod({ [`${NS}:cpuArchitecture`]: "X86_64" });
        assert.deepStrictEqual(allOfType(run, "awsx:ecr:Image").map((b) => [b.name, b.inputs.platform]), [["app-image", "linux/amd64"]]);
    });
    it("gives each build its own docker-build child and push tag: awsx names both by imageName, else imageTag, else a hash that leaves the platform out (the real CLI's new prod stack stopped on 'Duplicate resource URN')", async () => {
        // pulumi-awsx awsx/ecr/image.ts: `args.imageName ? args.imageName : imageTag ? imageTag : createUniqueImageName(dockerInputs)`,
        // and createUniqueImageName hashes context, dockerfile, args and the stack, never the platform.
        const childName = (b: RecordedResource) => (b.inputs as any).imageName ?? (b.inputs as any).imageTag ?? `hash(${JSON.stringify([(b.inputs as any).context, (b.inputs as any).dockerfile, (b.inputs as any).args])})`;
        const builds = allOfType(await prod(), "awsx:ecr:Image");
        assert.strictEqual(new Set(builds.map(childName)).size, builds.length, builds.map(childName).join(" / "));
        assert.deepStrictEqual(allOfType(await dev(), "awsx:ecr:Image").map((b) => (b.inputs as any).imageTag), [undefined], "a single build keeps awsx's own name (its URN)");
    });
    it("builds only for ARM64 in dev (no worker)", async () => {
        assert.deepStrictEqual(allOfType(await dev(), "awsx:ecr:Image").map((b) => [b.name, b.inputs.platform]), [["app-image-arm64", "linux/arm64"]]);
    });
});

describe("program: ECS Exec on demand (exec)", function () {
    this.timeout(180_000);

    it("is off by default: no exec on the services, no session log, no ssmmessages, a read-only root", async () => {
        const run = await prod();
        for (const s of allOfType(run, T.service)) assert.strictEqual(s.inputs.enableExecuteCommand, false, s.name);
        assert.strictEqual(anyOf(run, T.cluster).inputs.configuration, undefined);
        assert.strictEqual(execPolicy(run, "app-task-role"), undefined);
        assert.strictEqual(execPolicy(run, "worker-task-role"), undefined);
        assert.strictEqual(container(run, "app-task").readonlyRootFilesystem, true);
    });
    it("when on, enables exec on both services and grants each task role exactly the four ssmmessages actions and its session log", async () => {
        const run = await prod(execOn());
        for (const s of allOfType(run, T.service)) assert.strictEqual(s.inputs.enableExecuteCommand, true, s.name);
        const logGroup = anyOf(run, T.logGroup, "app-exec-sessions");
        for (const role of ["app-task-role", "worker-task-role"]) {
            const doc = execPolicy(run, role);
            assert.ok(doc, `${role} has an exec grant`);
            const bySid = Object.fromEntries((doc.Statement as any[]).map((s) => [s.Sid, s]));
            assert.deepStrictEqual(bySid.ExecSessionChannels.Action, ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]);
            assert.deepStrictEqual(bySid.ExecSessionLogStreams.Action, ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]);
            assert.strictEqual(bySid.ExecSessionLogStreams.Resource, `${logGroup.outputs.arn}:*`);
            assert.deepStrictEqual(bySid.ExecSessionLogGroup.Action, "logs:DescribeLogGroups");
            assert.deepStrictEqual(Object.keys(bySid).sort(), ["ExecSessionChannels", "ExecSessionLogGroup", "ExecSessionLogStreams"]);
        }
        assert.strictEqual(container(run, "app-task").readonlyRootFilesystem, false, "the SSM agent needs a writable root");
    });
    it("logs sessions to a log group encrypted with a KMS key of its own, which CloudWatch Logs may use only for this account's groups", async () => {
        const run = await prod(execOn("cloudwatch"));
        const config = anyOf(run, T.cluster).inputs.configuration.executeCommandConfiguration;
        const logGroup = anyOf(run, T.logGroup, "app-exec-sessions");
        const key = anyOf(run, T.kmsKey, "app-exec-logs-key");
        assert.deepStrictEqual(config, { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: logGroup.outputs.name, cloudWatchEncryptionEnabled: true } });
        assert.strictEqual(logGroup.inputs.kmsKeyId, key.outputs.arn);
        const logsStatement = (json(key.inputs.policy).Statement as any[]).find((s) => s.Sid === "CloudWatchLogsEncrypts");
        assert.strictEqual(logsStatement.Principal.Service, "logs.us-east-1.amazonaws.com");
        assert.match(logsStatement.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"], /^arn:aws:logs:us-east-1:\d{12}:log-group:\*$/);
    });
    it("logs sessions to the archive bucket's exec-sessions/ prefix with logging: s3, granted by the bucket's owner", async () => {
        const run = await prod(execOn("s3"));
        const config = anyOf(run, T.cluster).inputs.configuration.executeCommandConfiguration;
        assert.strictEqual(config.logging, "OVERRIDE");
        assert.strictEqual(config.logConfiguration.s3KeyPrefix, "exec-sessions");
        const bucketArn = anyOf(run, "aws:s3/bucket:Bucket", "archive-bucket").outputs.arn as string;
        const write = json(anyOf(run, T.rolePolicy, "worker-archive-write").inputs.policy);
        assert.ok((write.Statement as any[]).some((s) => (s.Resource as string[]).includes(`${bucketArn}/exec-sessions/*`)));
        // No session-log key (the stack's log-group and alarm-topic keys are there whatever exec does).
        assert.deepStrictEqual(allOfType(run, T.kmsKey).filter((k) => k.name.includes("exec")), []);
        assert.deepStrictEqual(Object.keys(execPolicy(run, "worker-task-role").Statement.reduce((o: any, s: any) => ({ ...o, [s.Sid]: 1 }), {})), ["ExecSessionChannels"]);
    });
    it("with logging: none (the named opt-out), turns session logs off on the cluster", async () => {
        const run = await prod(execOn("none"));
        assert.deepStrictEqual(anyOf(run, T.cluster).inputs.configuration.executeCommandConfiguration, { logging: "NONE" });
    });
});

describe("program: EFS Archive and replication", function () {
    this.timeout(180_000);

    it("has no Archive tier and no replica unless the stack asks, and keeps its own replication overwrite protection on", async () => {
        const fs = anyOf(await prod(), T.fs).inputs;
        assert.deepStrictEqual(fs.lifecyclePolicies, [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }]);
        assert.deepStrictEqual(fs.protection, { replicationOverwrite: "ENABLED" });
        assert.strictEqual(allOfType(await prod(), T.replication).length, 0);
    });
    it("moves files to Archive after efsTransitionToArchiveDays, one transition per lifecycle policy", async () => {
        const fs = anyOf(await dev({ [`${NS}:efsTransitionToArchiveDays`]: "90" }), T.fs).inputs;
        assert.deepStrictEqual(fs.lifecyclePolicies, [{ transitionToIa: "AFTER_30_DAYS" }, { transitionToArchive: "AFTER_90_DAYS" }, { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" }]);
    });
    it("replicates to a new file system in another region, with the key given", async () => {
        const key = "arn:aws:kms:us-west-2:210987654321:key/2c1b7a4e-0d8f-4e6a-9b3c-5f7e1d2a4b6c";
        const run = await prod({ [`${NS}:efsReplication`]: JSON.stringify({ region: "us-west-2", kmsKeyArn: key }) });
        const replication = anyOf(run, T.replication);
        assert.deepStrictEqual(replication.inputs.destination, { region: "us-west-2", kmsKeyId: key });
        assert.strictEqual(replication.inputs.destination.fileSystemId, undefined, "never an existing file system, which replication would overwrite");
        assert.deepStrictEqual(deps(replication, "sourceFileSystemId"), [anyOf(run, T.fs).urn]);
    });
});
