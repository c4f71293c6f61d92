/**
 * The program for the `dev` and `prod` stacks, run under mocks; every requirement is asserted on the inputs of the
 * child resources, found by type.
 */
import * as assert from "assert";
import { allOfType, deps, json, oneOfType, PROD_UPDATE_OVERRIDES, RecordedResource, stackRun, StackRun, UNKNOWN } from "../mocks";

const T = {
    vpc: "awsx:ec2:Vpc",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    fs: "aws:efs/fileSystem:FileSystem",
    mountTarget: "aws:efs/mountTarget:MountTarget",
    accessPoint: "aws:efs/accessPoint:AccessPoint",
    fsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
    backup: "aws:efs/backupPolicy:BackupPolicy",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    cluster: "aws:ecs/cluster:Cluster",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    alb: "aws:lb/loadBalancer:LoadBalancer",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    listener: "aws:lb/listener:Listener",
    scalingTarget: "aws:appautoscaling/target:Target",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
    image: "awsx:ecr:Image",
    schedule: "aws:scheduler/schedule:Schedule",
} as const;

/** What each stack file promises, restated here so that a changed stack file fails loudly. */
const STACKS = {
    dev: { azs: ["us-east-1a", "us-east-1b"], nat: "Single", logDays: 14, min: 1, max: 2, cpu: "256", memory: "512", retain: false, https: false, nfsClients: ["app-task-sg"] },
    prod: { azs: ["us-east-1a", "us-east-1b", "us-east-1c"], nat: "OnePerAz", logDays: 365, min: 2, max: 10, cpu: "1024", memory: "2048", retain: true, https: true, nfsClients: ["app-task-sg", "worker-sg"] },
} as const;

function containerOf(run: StackRun) {
    const defs = json<any[]>(oneOfType(run, T.taskDef, "app-task").inputs.containerDefinitions);
    assert.strictEqual(defs.length, 1);
    return defs[0];
}

function policyStatements(value: unknown): any[] {
    return json<{ Statement: any[] }>(value).Statement;
}

const urnOf = (run: StackRun, type: string, name: string) => oneOfType(run, type, name).urn;

for (const [stack, expected] of Object.entries(STACKS)) {
    describe(`program, ${stack} stack (mocks)`, function () {
        let run: StackRun;
        before(async function () {
            // Run as an update, so prod needs a certificate that is not the stack file's placeholder.
            run = await stackRun({ stack, overrides: stack === "prod" ? PROD_UPDATE_OVERRIDES : undefined });
        });

        describe("Network", () => {
            it("builds an awsx VPC over the configured AZs with public and private subnets", () => {
                const vpc = oneOfType(run, T.vpc);
                assert.deepStrictEqual(vpc.inputs.availabilityZoneNames, expected.azs);
                assert.deepStrictEqual(vpc.inputs.subnetSpecs, [{ type: "Public" }, { type: "Private" }]);
                assert.strictEqual(vpc.inputs.cidrBlock, "10.0.0.0/16");
            });
            it(`uses the NAT strategy from config (${expected.nat})`, () => {
                assert.deepStrictEqual(oneOfType(run, T.vpc).inputs.natGateways, { strategy: expected.nat });
            });
            it("adds an S3 gateway endpoint on the private route tables so archive traffic skips NAT", () => {
                const endpoint = oneOfType(run, T.endpoint);
                assert.strictEqual(endpoint.inputs.vpcEndpointType, "Gateway");
                assert.strictEqual(endpoint.inputs.serviceName, "com.amazonaws.us-east-1.s3");
                // The mocks answer getRouteTables by its SubnetType filter, as awsx tags the route tables.
                assert.deepStrictEqual(endpoint.inputs.routeTableIds, ["rtb-private-1", "rtb-private-2"]);
                const lookups = run.calls.filter((c) => c.token === "aws:ec2/getRouteTables:getRouteTables");
                assert.strictEqual(lookups.length, 1);
                assert.deepStrictEqual(lookups[0].args.filters, [{ name: "tag:SubnetType", values: ["Private"] }]);
                assert.strictEqual(lookups[0].args.vpcId, oneOfType(run, T.vpc).outputs.vpcId);
            });
        });

        describe("SharedFileSystem", () => {
            it("encrypts EFS at rest (the AWS-managed key unless config names one)", () => {
                const fs = oneOfType(run, T.fs);
                assert.strictEqual(fs.inputs.encrypted, true);
                assert.strictEqual(fs.inputs.kmsKeyId, undefined);
            });
            it("uses elastic throughput and general purpose mode by default", () => {
                const fs = oneOfType(run, T.fs);
                assert.strictEqual(fs.inputs.throughputMode, "elastic");
                assert.strictEqual(fs.inputs.performanceMode, "generalPurpose");
                assert.strictEqual(fs.inputs.provisionedThroughputInMibps, undefined);
            });
            it("moves files to Infrequent Access after 30 days and back on first access", () => {
                assert.deepStrictEqual(oneOfType(run, T.fs).inputs.lifecyclePolicies, [
                    { transitionToIa: "AFTER_30_DAYS" },
                    { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
                ]);
            });
            it("turns automatic backups on", () => {
                assert.deepStrictEqual(oneOfType(run, T.backup).inputs.backupPolicy, { status: "ENABLED" });
            });
            it("makes one mount target per private subnet, keyed by AZ, behind the EFS security group", () => {
                const targets = allOfType(run, T.mountTarget);
                assert.deepStrictEqual(targets.map((t) => t.name).sort(), expected.azs.map((az) => `shared-mount-${az}`));
                const efsSg = urnOf(run, T.sg, "shared-sg");
                for (const t of targets) {
                    const az = t.name.replace("shared-mount-", "");
                    assert.strictEqual(t.inputs.subnetId, `network-vpc-private-${az}-id`);
                    assert.deepStrictEqual(deps(t, "securityGroups"), [efsSg]);
                }
            });
            it(`lets only TCP 2049 from each client's security group reach EFS (${expected.nfsClients.join(", ")}; no CIDR, no range, no inline rules)`, () => {
                const efsSg = oneOfType(run, T.sg, "shared-sg");
                assert.strictEqual(efsSg.inputs.ingress, undefined);
                const rules = allOfType(run, T.ingress).filter((r) => deps(r, "securityGroupId").includes(efsSg.urn));
                assert.strictEqual(rules.length, expected.nfsClients.length, "one ingress rule on the EFS security group per client group");
                const sources = rules.map((rule) => {
                    assert.strictEqual(rule.inputs.ipProtocol, "tcp");
                    assert.strictEqual(rule.inputs.fromPort, 2049);
                    assert.strictEqual(rule.inputs.toPort, 2049);
                    assert.strictEqual(rule.inputs.cidrIpv4, undefined);
                    assert.strictEqual(rule.inputs.cidrIpv6, undefined);
                    return deps(rule, "referencedSecurityGroupId");
                });
                assert.deepStrictEqual(sources.flat().sort(), expected.nfsClients.map((name) => urnOf(run, T.sg, name)).sort());
            });
            it("gives the access point a POSIX user and a root directory with creation info, not /", () => {
                const ap = oneOfType(run, T.accessPoint);
                assert.deepStrictEqual(ap.inputs.posixUser, { gid: 1000, uid: 1000 });
                assert.deepStrictEqual(ap.inputs.rootDirectory, {
                    path: "/app",
                    creationInfo: { ownerGid: 1000, ownerUid: 1000, permissions: "0750" },
                });
            });
            it("has a file-system policy that only denies: non-TLS, and mounts that bypass an access point (allows live in identity policies)", () => {
                const statements = policyStatements(oneOfType(run, T.fsPolicy).inputs.policy);
                const [tls, bypass, ...rest] = statements;
                assert.strictEqual(rest.length, 0);
                assert.deepStrictEqual([tls.Effect, tls.Principal, tls.Action], ["Deny", "*", "*"]);
                assert.deepStrictEqual(tls.Condition, { Bool: { "aws:SecureTransport": "false" } });
                assert.deepStrictEqual([bypass.Effect, bypass.Principal], ["Deny", "*"]);
                assert.deepStrictEqual(bypass.Condition, { Null: { "elasticfilesystem:AccessPointArn": "true" } });
                assert.ok(statements.every((st: any) => st.Effect === "Deny"), "no Allow in the resource policy");
            });
            it(`${expected.retain ? "retains" : "does not retain"} the file system and the bucket on delete`, () => {
                for (const [type, name] of [[T.fs, undefined], [T.bucket, "archive-bucket"]] as const) {
                    assert.strictEqual(run.retainedOnDelete.has(oneOfType(run, type, name).urn), expected.retain, type);
                }
            });
        });

        describe("ArchiveBucket", () => {
            // The archive's own settings (the load balancer's access-log bucket has its own, specified with the load balancer).
            const archiveParts: Record<string, string> = {
                [T.versioning]: "archive-versioning",
                [T.encryption]: "archive-encryption",
                [T.publicAccess]: "archive-public-access-block",
                [T.ownership]: "archive-ownership",
                [T.bucketPolicy]: "archive-policy",
                [T.lifecycle]: "archive-lifecycle",
            };
            const bucketDep = (type: string) => () => {
                const r = oneOfType(run, type, archiveParts[type]);
                assert.deepStrictEqual(deps(r, "bucket"), [urnOf(run, T.bucket, "archive-bucket")]);
                return r;
            };
            it("enables versioning on the bucket", () => {
                assert.deepStrictEqual(bucketDep(T.versioning)().inputs.versioningConfiguration, { status: "Enabled" });
            });
            it("encrypts objects by default", () => {
                const rules = bucketDep(T.encryption)().inputs.rules as any[];
                assert.deepStrictEqual(rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
            });
            it("blocks all four kinds of public access", () => {
                const pab = bucketDep(T.publicAccess)().inputs;
                for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) {
                    assert.strictEqual(pab[k], true, k);
                }
            });
            it("enforces bucket-owner object ownership (no ACLs)", () => {
                assert.deepStrictEqual(bucketDep(T.ownership)().inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
            });
            it("denies every request that is not over TLS", () => {
                const [deny] = policyStatements(bucketDep(T.bucketPolicy)().inputs.policy);
                assert.strictEqual(deny.Effect, "Deny");
                assert.strictEqual(deny.Action, "s3:*");
                assert.deepStrictEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
            });
            it("moves current objects to GLACIER after 90 days, archives and expires old versions, aborts stale multipart uploads after 7 days", () => {
                const rules = bucketDep(T.lifecycle)().inputs.rules as any[];
                const byId = Object.fromEntries(rules.map((r) => [r.id, r]));
                assert.deepStrictEqual(byId["archive-current-versions"].transitions[0], { days: 90, storageClass: "GLACIER" });
                assert.deepStrictEqual(byId["archive-noncurrent-versions"].noncurrentVersionTransitions, [{ noncurrentDays: 30, storageClass: "GLACIER" }]);
                assert.deepStrictEqual(byId["archive-noncurrent-versions"].noncurrentVersionExpiration, { noncurrentDays: 365 });
                assert.deepStrictEqual(byId["abort-incomplete-multipart-uploads"].abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
                assert.ok(rules.every((r) => r.status === "Enabled"));
            });
        });

        describe("FargateService", () => {
            it("turns on Container Insights for the cluster", () => {
                assert.deepStrictEqual(oneOfType(run, T.cluster).inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
            });
            it("task definition mounts EFS with transit encryption and IAM authorization through the access point", () => {
                const volumes = (oneOfType(run, T.taskDef, "app-task").inputs.volumes as any[]).filter((v) => v.efsVolumeConfiguration);
                assert.strictEqual(volumes.length, 1, "one EFS volume");
                for (const v of volumes) {
                    assert.strictEqual(v.efsVolumeConfiguration.transitEncryption, "ENABLED", v.name);
                    assert.strictEqual(v.efsVolumeConfiguration.authorizationConfig.iam, "ENABLED", v.name);
                    assert.strictEqual(v.efsVolumeConfiguration.authorizationConfig.accessPointId, "shared-ap-app-id", v.name);
                }
            });
            it("runs the container as the access point's uid/gid on a read-only root file system, EFS at /mnt/efs", () => {
                const c = containerOf(run);
                assert.strictEqual(c.user, "1000:1000");
                assert.strictEqual(c.readonlyRootFilesystem, true);
                assert.deepStrictEqual(c.mountPoints, [{ sourceVolume: "efs-app", containerPath: "/mnt/efs", readOnly: false }]);
            });
            it("passes the app's environment from the app contract", () => {
                const env = Object.fromEntries((containerOf(run).environment as any[]).map((e) => [e.name, e.value]));
                assert.strictEqual(env.DATA_DIR, "/mnt/efs");
                assert.strictEqual(env.BUCKET, "archive-bucket-0a1b2c3");
                assert.strictEqual(env.ARCHIVE_PREFIX, "uploads/");
                assert.strictEqual(env.AWS_REGION, "us-east-1");
                assert.strictEqual(env.PORT, "8080");
                // Neither stack sets maxUploadBytes: the app's own default (app/src/config.ts) applies.
                assert.strictEqual(env.MAX_UPLOAD_BYTES, undefined);
            });
            it(`sizes tasks from config (${expected.cpu} CPU units, ${expected.memory} MiB) for Fargate`, () => {
                const td = oneOfType(run, T.taskDef, "app-task").inputs;
                assert.strictEqual(td.cpu, expected.cpu);
                assert.strictEqual(td.memory, expected.memory);
                assert.deepStrictEqual(td.requiresCompatibilities, ["FARGATE"]);
                assert.strictEqual(td.networkMode, "awsvpc");
            });
            it("keeps the execution role and the task role apart", () => {
                const td = oneOfType(run, T.taskDef, "app-task");
                assert.deepStrictEqual(deps(td, "executionRoleArn"), [urnOf(run, T.role, "app-execution-role")]);
                assert.deepStrictEqual(deps(td, "taskRoleArn"), [urnOf(run, T.role, "app-task-role")]);
            });
            it("limits the task role to the archive prefix (and the app's log prefix) of the bucket, through the bucket's grants", () => {
                const byName = (n: string) => allOfType(run, T.rolePolicy).find((p) => p.name === n)!;
                const [write] = policyStatements(byName("app-archive-write").inputs.policy);
                const [read, list] = policyStatements(byName("app-archive-read").inputs.policy);
                for (const p of ["app-archive-write", "app-archive-read"]) {
                    assert.deepStrictEqual(deps(byName(p), "role"), [urnOf(run, T.role, "app-task-role")], p);
                }
                const objects = ["arn:aws:s3:::archive-bucket-0a1b2c3/logs/*", "arn:aws:s3:::archive-bucket-0a1b2c3/uploads/*"];
                assert.deepStrictEqual(write.Resource, objects);
                assert.deepStrictEqual(write.Action, ["s3:PutObject", "s3:AbortMultipartUpload"]);
                assert.deepStrictEqual(read.Resource, objects);
                assert.deepStrictEqual(read.Action, ["s3:GetObject", "s3:GetObjectVersion"], "presigned downloads name a version id");
                assert.deepStrictEqual([list.Action, list.Resource], ["s3:ListBucket", "arn:aws:s3:::archive-bucket-0a1b2c3"]);
            });
            it("limits the task role's EFS rights to mounting through the access point", () => {
                const policy = allOfType(run, T.rolePolicy).find((p) => p.name === "app-efs-app")!;
                assert.deepStrictEqual(deps(policy, "role"), [urnOf(run, T.role, "app-task-role")]);
                const [statement, ...rest] = policyStatements(policy.inputs.policy);
                assert.strictEqual(rest.length, 0);
                assert.strictEqual(statement.Resource, "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-shared-fs");
                assert.deepStrictEqual(statement.Condition.ArnEquals, {
                    "elasticfilesystem:AccessPointArn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-shared-ap-app",
                });
            });
            it(`keeps logs ${expected.logDays} days`, () => {
                const logGroup = oneOfType(run, T.logGroup, "app-logs");
                assert.strictEqual(logGroup.inputs.retentionInDays, expected.logDays);
                assert.deepStrictEqual(containerOf(run).logConfiguration.options["awslogs-group"], "app-logs-0a1b2c3");
            });
            it("runs Fargate platform 1.4.0 in the private subnets without a public IP", () => {
                const svc = oneOfType(run, T.service, "app-service").inputs as any;
                // Issue 22: on-demand Fargate through a capacity provider strategy (launchType excludes it).
                assert.deepStrictEqual(svc.capacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
                assert.strictEqual(svc.launchType, undefined);
                assert.strictEqual(svc.platformVersion, "1.4.0");
                assert.strictEqual(svc.networkConfiguration.assignPublicIp, false);
                assert.deepStrictEqual(svc.networkConfiguration.subnets, expected.azs.map((az) => `network-vpc-private-${az}-id`));
            });
            it("rolls back a failed deployment by itself (circuit breaker)", () => {
                assert.deepStrictEqual((oneOfType(run, T.service, "app-service").inputs as any).deploymentCircuitBreaker, { enable: true, rollback: true });
            });
            it("starts tasks only once the mount targets, the file-system grant and the task role's S3 access exist", () => {
                const svc = oneOfType(run, T.service, "app-service");
                for (const t of allOfType(run, T.mountTarget)) {
                    assert.ok(svc.dependencies.includes(t.urn), t.name);
                }
                for (const [type, name] of [[T.fsPolicy, "shared-policy"], [T.rolePolicy, "app-efs-app"], [T.rolePolicy, "app-archive-write"], [T.rolePolicy, "app-archive-read"], [T.ingress, "app-nfs-ingress"]]) {
                    assert.ok(svc.dependencies.includes(urnOf(run, type, name)), name);
                }
            });
            it("health-checks /healthz behind the load balancer", () => {
                const tg = oneOfType(run, T.targetGroup).inputs as any;
                assert.strictEqual(tg.healthCheck.path, "/healthz");
                assert.strictEqual(tg.targetType, "ip");
                assert.strictEqual(tg.port, 8080);
            });
            it(`opens the load balancer to the internet on ${expected.https ? "80 and 443" : "80"} only, and tasks to the load balancer only`, () => {
                const albSg = urnOf(run, T.sg, "app-alb-sg");
                const taskSg = urnOf(run, T.sg, "app-task-sg");
                const albRules = allOfType(run, T.ingress).filter((r) => deps(r, "securityGroupId").includes(albSg));
                const ports = [...new Set(albRules.map((r) => r.inputs.fromPort))].sort();
                assert.deepStrictEqual(ports, expected.https ? [443, 80] : [80]);
                for (const r of albRules) {
                    assert.strictEqual(r.inputs.fromPort, r.inputs.toPort);
                }
                const taskRules = allOfType(run, T.ingress).filter((r) => deps(r, "securityGroupId").includes(taskSg));
                assert.strictEqual(taskRules.length, 1);
                assert.deepStrictEqual(deps(taskRules[0], "referencedSecurityGroupId"), [albSg]);
                assert.strictEqual(taskRules[0].inputs.fromPort, 8080);
                assert.strictEqual(taskRules[0].inputs.toPort, 8080);
                assert.deepStrictEqual(deps(oneOfType(run, T.alb), "subnets"), [urnOf(run, T.vpc, "network-vpc")]);
            });
            it(expected.https ? "serves HTTPS with TLS 1.3 and redirects HTTP" : "serves plain HTTP only because the stack opts out explicitly", () => {
                const listeners = allOfType(run, T.listener).map((l) => l.inputs as any);
                if (expected.https) {
                    const https = listeners.find((l) => l.port === 443);
                    assert.strictEqual(https.protocol, "HTTPS");
                    assert.match(https.sslPolicy, /TLS13/);
                    assert.strictEqual(listeners.find((l) => l.port === 80).defaultActions[0].type, "redirect");
                } else {
                    assert.deepStrictEqual(listeners.map((l) => [l.port, l.protocol]), [[80, "HTTP"]]);
                }
            });
            it(`scales on CPU between ${expected.min} and ${expected.max} tasks`, () => {
                const target = oneOfType(run, T.scalingTarget, "app-scaling-target").inputs as any;
                assert.strictEqual(target.minCapacity, expected.min);
                assert.strictEqual(target.maxCapacity, expected.max);
                assert.strictEqual(target.scalableDimension, "ecs:service:DesiredCount");
                const policy = oneOfType(run, T.scalingPolicy, "app-cpu-scaling").inputs as any;
                assert.strictEqual(policy.policyType, "TargetTrackingScaling");
                assert.strictEqual(policy.targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType, "ECSServiceAverageCPUUtilization");
                assert.strictEqual(policy.targetTrackingScalingPolicyConfiguration.targetValue, 60);
            });
            it("drains EFS to S3 every hour with one `archive --once` task, even when no service task runs", () => {
                const schedule = oneOfType(run, T.schedule).inputs as any;
                assert.strictEqual(schedule.scheduleExpression, "rate(1 hour)");
                assert.strictEqual(schedule.target.arn, "arn:aws:scheduler:::aws-sdk:ecs:runTask");
                const request = JSON.parse(schedule.target.input);
                assert.strictEqual(request.Overrides, undefined, "command and role come from the drain's own task definition");
                assert.strictEqual(request.TaskDefinition, oneOfType(run, T.taskDef, "app-drain-task").outputs.arn);
                assert.strictEqual(request.Cluster, oneOfType(run, T.cluster).outputs.arn);
                assert.strictEqual(request.PlatformVersion, "1.4.0");
                // Issue 22: on-demand Fargate through a capacity provider strategy (RunTask refuses it with a launch type).
                assert.deepStrictEqual(request.CapacityProviderStrategy, [{ CapacityProvider: "FARGATE", Base: 0, Weight: 1 }]);
                assert.strictEqual(request.LaunchType, undefined);
                assert.deepStrictEqual(request.NetworkConfiguration.AwsvpcConfiguration, {
                    Subnets: expected.azs.map((az) => `network-vpc-private-${az}-id`),
                    SecurityGroups: ["app-task-sg-id"],
                    AssignPublicIp: "DISABLED",
                });
                const policy = allOfType(run, T.rolePolicy).find((p) => p.name === "app-drain-scheduler-access")!;
                const [runTask, passRole] = policyStatements(policy.inputs.policy);
                assert.strictEqual(runTask.Action, "ecs:RunTask");
                assert.strictEqual(runTask.Resource, oneOfType(run, T.taskDef, "app-drain-task").outputs.arn, "RunTask on the drain's task definition only");
                assert.deepStrictEqual(passRole.Resource, ["app-execution-role", "app-drain-task-role"].map((n) => oneOfType(run, T.role, n).outputs.arn));
                assert.deepStrictEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
            });
            it("the drain task's health is judged by nothing its command cannot answer: its own task definition runs `archive --once` under its own role, with no /healthz check and no published port", () => {
                const drain = oneOfType(run, T.taskDef, "app-drain-task").inputs as any;
                const [container] = JSON.parse(drain.containerDefinitions);
                assert.deepStrictEqual(container.command, ["archive", "--once"]);
                assert.strictEqual(container.healthCheck, undefined);
                assert.deepStrictEqual(container.portMappings, []);
                assert.strictEqual(drain.taskRoleArn, oneOfType(run, T.role, "app-drain-task-role").outputs.arn);
                const [web] = JSON.parse((oneOfType(run, T.taskDef, "app-task").inputs as any).containerDefinitions);
                assert.match(web.healthCheck.command.join(" "), /\/healthz/, "(control) the web task keeps its /healthz check");
                assert.strictEqual(container.image, web.image, "the same image");
                assert.deepStrictEqual(container.mountPoints, web.mountPoints, "the same EFS mount");
            });
            it("builds the image from app/ when config gives no image URI", () => {
                // Issue 22: the build is for Graviton (every tier, the Spot worker included).
                const image = oneOfType(run, T.image, "app-image-arm64").inputs as any;
                assert.strictEqual(image.dockerfile, "app/Dockerfile");
                assert.strictEqual(image.platform, "linux/arm64");
                assert.match(containerOf(run).image, /@sha256:/);
            });
        });

        it("exports what an operator needs", () => {
            for (const key of ["serviceUrl", "bucketName", "fileSystemId", "accessPointId", "clusterName", "serviceName", "logGroupName"]) {
                assert.ok(typeof run.outputs[key] === "string" && run.outputs[key] !== "", key);
            }
            assert.match(run.outputs.serviceUrl as string, expected.https ? /^https:\/\// : /^http:\/\//);
        });

        it("names children by component and role (never a loop index), under their component", () => {
            for (const r of run.resources.filter((r) => r.custom)) {
                assert.doesNotMatch(r.name, /-\d+$/, r.name);
                assert.ok(r.parent && !r.parent.endsWith("::fargate-efs-s3-" + stack), `${r.name} has a component parent`);
            }
        });
    });
}

describe("program, settings that change what is built (mocks)", () => {
    it("runs a given image URI instead of building app/", async () => {
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:image": "public.ecr.aws/example/app:1.2.3" } });
        assert.strictEqual(allOfType(run, T.image).length, 0);
        assert.strictEqual(containerOf(run).image, "public.ecr.aws/example/app:1.2.3");
    });
    it("runs no drain task when the schedule is off", async () => {
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:drainSchedule": "off" } });
        assert.strictEqual(allOfType(run, T.schedule).length, 0);
    });
    it("buys provisioned EFS throughput when config asks for it", async () => {
        const run = await stackRun({
            stack: "dev",
            overrides: { "fargate-efs-s3:efsThroughputMode": "provisioned", "fargate-efs-s3:efsProvisionedThroughputMibps": "100" },
        });
        const fs = oneOfType(run, T.fs).inputs;
        assert.strictEqual(fs.throughputMode, "provisioned");
        assert.strictEqual(fs.provisionedThroughputInMibps, 100);
    });
    it("encrypts EFS and the bucket with the KMS keys config names, and lets the task role use the bucket's key", async () => {
        const efsKey = "arn:aws:kms:us-east-1:123456789012:key/1111-efs";
        const s3Key = "arn:aws:kms:us-east-1:123456789012:key/2222-s3";
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:efsKmsKeyArn": efsKey, "fargate-efs-s3:archiveKmsKeyArn": s3Key } });
        assert.strictEqual(oneOfType(run, T.fs).inputs.kmsKeyId, efsKey);
        assert.deepStrictEqual((oneOfType(run, T.encryption, "archive-encryption").inputs.rules as any[])[0], {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: s3Key },
            bucketKeyEnabled: true,
        });
        const statements = policyStatements(allOfType(run, T.rolePolicy).find((p) => p.name === "app-archive-write")!.inputs.policy);
        const key = statements.find((s) => s.Sid === "UseBucketKeyThroughS3");
        assert.strictEqual(key.Resource, s3Key);
        assert.deepStrictEqual(key.Condition, { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } });
    });
    it("a broken config fails the run with one error naming every bad key", async () => {
        const { recordStack } = await import("../mocks");
        await assert.rejects(
            recordStack({ stack: "dev", overrides: { "fargate-efs-s3:azCount": "9", "fargate-efs-s3:efsThroughputMode": "turbo" } }),
            (err: any) => err.name === "ConfigError" && /azCount/.test(err.message) && /efsThroughputMode/.test(err.message),
        );
    });
    describe("prod's placeholder certificate (Pulumi.prod.yaml ships an example ARN)", () => {
        it("is refused in an update (isDryRun false), naming certificateArn, before any resource is registered", async () => {
            const { recordStack } = await import("../mocks");
            const registered: RecordedResource[] = [];
            await assert.rejects(recordStack({ stack: "prod", preview: false, registrations: registered }), (err: any) =>
                err.name === "ConfigError" && err.problems.length === 1 && err.problems[0].key === "fargate-efs-s3:certificateArn" && /placeholder/.test(err.message),
            );
            assert.deepStrictEqual(
                registered.filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => r.type),
                [],
                "nothing but the stack itself was registered",
            );
        });
        it("still runs in a preview (isDryRun true), as `pulumi preview` and the offline plan do", async () => {
            const run = await stackRun({ stack: "prod", preview: true });
            assert.ok(allOfType(run, T.listener).length > 0);
        });
    });
    it("in a preview, new resources' ids and computed outputs are unknown, as in a real preview", async () => {
        const run = await stackRun({ stack: "dev", preview: true });
        const target = allOfType(run, T.mountTarget)[0];
        assert.strictEqual(target.inputs.fileSystemId, UNKNOWN);
        assert.strictEqual(oneOfType(run, T.fs).outputs.arn, undefined);
        // What the program decides itself is still known.
        assert.strictEqual(oneOfType(run, T.fs).inputs.encrypted, true);
        assert.strictEqual((oneOfType(run, T.taskDef, "app-task").inputs.volumes as any[])[0].efsVolumeConfiguration.transitEncryption, "ENABLED");
    });
});
