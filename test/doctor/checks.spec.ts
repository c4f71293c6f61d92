/**
 * The checks as pure functions over API responses, for what moto cannot answer or produce: IAM's policy simulator
 * (moto 5.2.5 has no iam:SimulatePrincipalPolicy), mount targets that are not `available`, and the stop reasons
 * ECS really writes. The responses are handwritten in the SDK's shapes from the API references cited per case.
 */
import * as assert from "assert";
import type { SecurityGroupRule } from "@aws-sdk/client-ec2";
import type { Service, Task } from "@aws-sdk/client-ecs";
import type { EvaluationResult } from "@aws-sdk/client-iam";
import { archivePrefixOf, checkArchiveAccess, probeObjectArn } from "../../tools/doctor/checks/archiveAccess";
import { CHECKS, runCheck } from "../../tools/doctor/checks";
import { checkMountTargets, checkNfsEgress, checkNfsIngress } from "../../tools/doctor/checks/network";
import { checkStoppedTasks, diagnoseStoppedTask } from "../../tools/doctor/checks/stoppedTasks";
import { Facts, known, MountTarget, unknown } from "../../tools/doctor/facts";
import { OutputsError, parseOutputs, StackOutputs } from "../../tools/doctor/outputs";

const outputs: StackOutputs = {
    bucketName: "archive-bucket",
    fileSystemId: "fs-0123456789abcdef0",
    accessPointId: "fsap-0123456789abcdef0",
    clusterName: "app-cluster",
    serviceName: "app-service",
    vpcId: "vpc-0123456789abcdef0",
};
const ROLE = "arn:aws:iam::123456789012:role/app-task-role";
const OBJECT = "arn:aws:s3:::archive-bucket/uploads/doctor-probe";

describe("doctor checks on recorded API responses", () => {
    describe("archive-access: iam:SimulatePrincipalPolicy (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html)", () => {
        const result = (action: string, decision: string, matched: string[] = []): EvaluationResult => ({
            EvalActionName: action,
            EvalResourceName: OBJECT,
            EvalDecision: decision as EvaluationResult["EvalDecision"],
            MatchedStatements: matched.map((id) => ({ SourcePolicyId: id, SourcePolicyType: "role" as const })),
            MissingContextValues: [],
        });
        const simulate = (results: EvaluationResult[]) => checkArchiveAccess({ outputs, archiveSimulation: known({ roleArn: ROLE, resource: OBJECT, results }) });

        it("passes when both archive actions are allowed under the prefix", () => {
            const v = simulate([result("s3:PutObject", "allowed", ["archive-access"]), result("s3:GetObject", "allowed", ["archive-access"])]);
            assert.deepStrictEqual(v, { ok: true, detail: `${ROLE} may s3:PutObject and s3:GetObject ${OBJECT}`, fix: "" });
        });

        it("an implicit deny asks for an Allow on the prefix", () => {
            const v = simulate([result("s3:PutObject", "implicitDeny"), result("s3:GetObject", "allowed")]);
            assert.strictEqual(v.ok, false);
            assert.strictEqual(v.detail, `${ROLE}: s3:PutObject is implicitDeny on ${OBJECT}`);
            assert.match(v.fix, /^allow s3:PutObject on arn:aws:s3:::archive-bucket\/uploads\/\* in the task role's policy/);
        });

        it("an explicit deny names the policy that holds it", () => {
            const v = simulate([result("s3:PutObject", "explicitDeny", ["deny-uploads"]), result("s3:GetObject", "allowed")]);
            assert.strictEqual(v.fix, "remove the Deny in deny-uploads that matches arn:aws:s3:::archive-bucket/uploads/*");
        });

        it("an action the simulator did not evaluate is not taken as allowed", () => {
            const v = simulate([result("s3:PutObject", "allowed")]);
            assert.strictEqual(v.detail, `${ROLE}: s3:GetObject is not evaluated on ${OBJECT}`);
        });

        it("asks about the task's ARCHIVE_PREFIX (default uploads/) in the role's partition", () => {
            assert.strictEqual(archivePrefixOf({ containerDefinitions: [{ name: "app", environment: [{ name: "ARCHIVE_PREFIX", value: "data/in/" }] }] }), "data/in/");
            assert.strictEqual(archivePrefixOf({ containerDefinitions: [{ name: "app" }] }), "uploads/");
            assert.strictEqual(probeObjectArn("arn:aws-cn:iam::123456789012:role/r", "b", "data/"), "arn:aws-cn:s3:::b/data/doctor-probe");
        });

        it("a simulation that could not run is a problem: the doctor never passes what it did not see", () => {
            const check = CHECKS.find((c) => c.id === "archive-access")!;
            const r = runCheck(check, { outputs, archiveSimulation: unknown("iam:SimulatePrincipalPolicy was denied to the caller (AccessDenied)", "let the caller call it") } as Facts);
            assert.deepStrictEqual(r, { id: "archive-access", ok: false, detail: "could not check: iam:SimulatePrincipalPolicy was denied to the caller (AccessDenied)", fix: "let the caller call it" });
        });
    });

    describe("mount-targets: DescribeMountTargets lifecycle (https://docs.aws.amazon.com/efs/latest/ug/API_MountTargetDescription.html)", () => {
        const subnets = known([
            { SubnetId: "subnet-a", AvailabilityZone: "eu-west-1a" },
            { SubnetId: "subnet-b", AvailabilityZone: "eu-west-1b" },
        ]);
        const target = (az: string, state: string, vpc = outputs.vpcId): MountTarget => ({
            MountTargetId: `fsmt-${az.slice(-1)}`,
            FileSystemId: outputs.fileSystemId,
            SubnetId: `subnet-${az.slice(-1)}`,
            AvailabilityZoneName: az,
            LifeCycleState: state as MountTarget["LifeCycleState"],
            VpcId: vpc,
            IpAddress: "10.0.1.10",
            securityGroups: ["sg-efs"],
        });

        it("passes when every task AZ has an available mount target", () => {
            const v = checkMountTargets({ outputs, taskSubnets: subnets, mountTargets: known([target("eu-west-1a", "available"), target("eu-west-1b", "available")]) });
            assert.deepStrictEqual(v, { ok: true, detail: "2 mount target(s) available; every task AZ (eu-west-1a, eu-west-1b) has one", fix: "" });
        });

        it("a mount target still being created, or in error, is a problem with its own fix", () => {
            const v = checkMountTargets({ outputs, taskSubnets: subnets, mountTargets: known([target("eu-west-1a", "creating"), target("eu-west-1b", "error")]) });
            assert.strictEqual(v.detail, "mount target fsmt-a (eu-west-1a) is creating; mount target fsmt-b (eu-west-1b) is error");
            assert.strictEqual(v.fix, "wait until it is available, then restart the failed tasks; recreate mount target fsmt-b (pulumi up)");
        });

        it("a mount target in another VPC is a problem", () => {
            const v = checkMountTargets({ outputs, taskSubnets: subnets, mountTargets: known([target("eu-west-1a", "available"), target("eu-west-1b", "available", "vpc-other")]) });
            assert.match(v.detail, /^mount target fsmt-b is in vpc-other, not the stack's vpc-0123456789abcdef0$/);
        });
    });

    describe("nfs-ingress and nfs-egress: DescribeSecurityGroupRules (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html)", () => {
        const service = known<Service>({ serviceName: "app-service", networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-task"] } } });
        const targets = known<MountTarget[]>([{ MountTargetId: "fsmt-a", FileSystemId: outputs.fileSystemId, SubnetId: "subnet-a", LifeCycleState: "available", IpAddress: "10.0.1.10", securityGroups: ["sg-efs"] }]);
        const rule = (r: Partial<SecurityGroupRule>): SecurityGroupRule => ({ SecurityGroupRuleId: "sgr-1", GroupId: "sg-efs", IsEgress: false, IpProtocol: "tcp", FromPort: 2049, ToPort: 2049, ...r });
        const fromTasks = rule({ ReferencedGroupInfo: { GroupId: "sg-task" } });

        it("protocol -1 from the task group admits all traffic, not only NFS", () => {
            const v = checkNfsIngress({ service, mountTargets: targets, mountTargetRules: known([fromTasks, rule({ SecurityGroupRuleId: "sgr-2", IpProtocol: "-1", FromPort: -1, ToPort: -1, ReferencedGroupInfo: { GroupId: "sg-task" } })]) });
            assert.strictEqual(v.detail, "sg-efs rule sgr-2 admits all traffic from sg-task");
        });

        it("::/0 is the whole internet too", () => {
            const v = checkNfsIngress({ service, mountTargets: targets, mountTargetRules: known([fromTasks, rule({ SecurityGroupRuleId: "sgr-3", CidrIpv6: "::/0" })]) });
            assert.strictEqual(v.detail, "sg-efs rule sgr-3 admits tcp 2049 from ::/0 (the whole internet)");
        });

        it("egress by CIDR counts only when the CIDR holds the mount target's address", () => {
            const egress = (cidr: string, protocol = "tcp") => known([rule({ GroupId: "sg-task", IsEgress: true, IpProtocol: protocol, CidrIpv4: cidr, FromPort: protocol === "-1" ? -1 : 2049, ToPort: protocol === "-1" ? -1 : 2049 })]);
            assert.strictEqual(checkNfsEgress({ service, mountTargets: targets, taskRules: egress("0.0.0.0/0", "-1") }).ok, true);
            assert.strictEqual(checkNfsEgress({ service, mountTargets: targets, taskRules: egress("10.0.1.0/24") }).ok, true);
            assert.strictEqual(checkNfsEgress({ service, mountTargets: targets, taskRules: egress("10.0.2.0/24") }).ok, false);
        });
    });

    describe("stopped-tasks: stop reasons as ECS writes them (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html)", () => {
        const EFS = "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: ";
        const task = (stoppedReason: string, exitCode?: number, stopCode?: Task["stopCode"]): Task => ({
            taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/app-cluster/0123456789abcdef",
            stoppedReason,
            ...(stopCode ? { stopCode } : {}),
            containers: [{ name: "app", ...(exitCode === undefined ? {} : { exitCode }) }],
        });
        const cases: [string, Task, RegExp | undefined][] = [
            [
                "DNS name not resolved",
                task(`${EFS}Failed to resolve "fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. : unsuccessful EFS utils command execution; code: 1`),
                /did not resolve.*see mount-targets, vpc-dns/,
            ],
            ["NFS timeout", task(`${EFS}b'mount.nfs4: Connection timed out' : unsuccessful EFS utils command execution; code: 32`), /timed out.*see nfs-ingress, nfs-egress/],
            ["mount refused", task(`${EFS}b'mount.nfs4: access denied by server while mounting 127.0.0.1:/' : unsuccessful EFS utils command execution; code: 32`), /IAM authorization or the file-system policy.*ClientMount/],
            [
                "access point directory missing",
                task(`${EFS}b'mount.nfs4: mounting fs-0123456789abcdef0.efs.eu-west-1.amazonaws.com:/app failed, reason given by server: No such file or directory' : unsuccessful EFS utils command execution; code: 32`),
                /root directory does not exist.*CreationInfo/,
            ],
            [
                "image not pulled",
                task("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:latest: not found", undefined, "TaskFailedToStart"),
                /image could not be pulled.*NAT or VPC endpoints/,
            ],
            [
                "ECR unreachable (a timeout, but not the EFS mount's)",
                task('ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send request failed caused by: Post "https://api.ecr.eu-west-1.amazonaws.com/": dial tcp 10.0.0.1:443: i/o timeout'),
                /could not reach ECR/,
            ],
            [
                "log stream denied",
                task("ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/exec/abc is not authorized to perform: logs:CreateLogStream"),
                /an AWS call was denied.*execution role/,
            ],
            ["out of memory", task("OutOfMemoryError: Container killed due to memory usage"), /out of memory.*config: memory/],
            ["health check", task("Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/app-tg/0123456789abcdef)"), /did not answer \/healthz.*posix-user/],
            ["app crashed", task("Essential container in task exited", 1, "EssentialContainerExited"), /app exited with code 1.*logGroupName/],
            ["drain task finished (exit 0)", task("Essential container in task exited", 0, "EssentialContainerExited"), undefined],
            ["scale-in", task("Scaling activity initiated by (deployment ecs-svc/1234567890123456789)", undefined, "ServiceSchedulerInitiated"), undefined],
            ["unknown reason", task("SomethingNew: the platform changed"), /stopped: SomethingNew.*stopped-task-error-codes/],
        ];
        for (const [name, t, expected] of cases) {
            it(`${name}: ${expected ? "a problem with its fix" : "routine"}`, () => {
                const d = diagnoseStoppedTask(t);
                if (expected === undefined) assert.strictEqual(d, undefined);
                else assert.match(`${d?.cause} ${d?.fix}`, expected);
            });
        }

        it("groups tasks by cause and shows the first three ids", () => {
            const timeout = `${EFS}b'mount.nfs4: Connection timed out'`;
            const tasks = ["t1", "t2", "t3", "t4"].map((id) => ({ ...task(timeout), taskArn: `arn:aws:ecs:eu-west-1:123456789012:task/app-cluster/${id}` }));
            const v = checkStoppedTasks({ stoppedTasks: known([...tasks, task("Scaling activity initiated by (deployment ecs-svc/1)")]) });
            assert.match(v.detail, /^4 task\(s\) \(t1, t2, t3, …\): the NFS connection \(TCP 2049\) to the mount target timed out \(stopped: "ResourceInitializationError/);
        });
    });

    describe("stack outputs", () => {
        it("a secret output says how to reveal it; a non-object says what to pipe in", () => {
            assert.throws(() => parseOutputs(JSON.stringify({ ...outputs, bucketName: "[secret]" }), "stdin"), (e: Error) => e instanceof OutputsError && /bucketName: is a secret; run `pulumi stack output --json --show-secrets`/.test(e.message));
            assert.throws(() => parseOutputs("[1]", "o.json"), /o\.json must be a JSON object of stack outputs/);
            assert.throws(() => parseOutputs("serviceUrl = http://x", "stdin"), /stdin is not JSON .*pulumi stack output --json --stack <name>/);
        });
    });
});
