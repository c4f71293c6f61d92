import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_LOG_PREFIX, EFS_MOUNT_PATH, LOG_RETENTION_DAYS, ServiceBucket } from "./fargateServiceArgs";
import { createBacklogScaling, metricsServiceName } from "./backlogScaling";
import { CapacityProviderStrategy, CpuArchitecture, DEFAULT_CPU_ARCHITECTURE, serviceStrategy, tierArchitecture, validateCapacityStrategy, WORKER_CAPACITY } from "./capacity";
import { ExecSessionLog, grantExec } from "./execAccess";
import { createCpuScaling, withExecPrefix } from "./fargateService";
import { ServiceSizing, sizingDefaults, validateServiceSizing } from "./fargateSizing";
import { createLogGroupKey } from "./logEncryption";
import { SharedFileSystem } from "./sharedFileSystem";
import { createTaskDefinition } from "./taskDefinition";
import { createExecutionRole, createTaskRole, roleScope } from "./taskRoles";
import { Problem, throwIfProblems } from "./validation";
import { ServiceQueue } from "./workQueue";

/** The port the worker answers /healthz on, on the loopback only: its container health check is its one client. */
export const WORKER_HEALTH_PORT = 8080;

export interface WorkerServiceArgs extends ServiceSizing {
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the tasks, which get no public IP. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The cluster to run in (the web service's, so that one cluster shows the whole app). */
    readonly clusterArn: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    /** The image to run: the web service's, so both tiers always run the same app version; it must hold the worker's architecture. */
    readonly image: pulumi.Input<string>;
    /** The cluster's capacity provider association (FARGATE and FARGATE_SPOT), which placing the tasks needs. */
    readonly clusterCapacity: pulumi.Resource;
    /**
     * Where the worker's tasks run. Excludes `launchType`. Defaults to one task on FARGATE and every further one on
     * FARGATE_SPOT: its claims are leased and exactly-once, so an interruption (a SIGTERM two minutes ahead) loses nothing.
     */
    readonly capacityProviderStrategy?: CapacityProviderStrategy;
    /** The CPU of the tasks when the strategy is FARGATE only; with FARGATE_SPOT it is X86_64, the only one Spot runs. Defaults to "ARM64". */
    readonly cpuArchitecture?: CpuArchitecture;
    /** The cluster's ECS Exec session log when exec is on (the web service's `execSessionLog`). Defaults to exec off. */
    readonly execSessionLog?: ExecSessionLog;
    /** The KMS key that encrypts the worker's log group: the web service's (`FargateService.logKeyArn`). Defaults to a key of the worker's own. */
    readonly logKeyArn?: pulumi.Input<string>;
    /** The file system and access point to mount at {@link EFS_MOUNT_PATH}: the web service's, where uploads land. */
    readonly fileSystem: SharedFileSystem;
    readonly accessPoint: string;
    /** Where to archive; the task role is granted writes under `archivePrefix` and the app's log prefix only. */
    readonly bucket: ServiceBucket;
    /** Key prefix of archived objects; ends with "/". Must be the web service's. */
    readonly archivePrefix: string;
    /** The work queue the worker consumes (the web service's): its role gets both grants, the app its URLs. */
    readonly queue: ServiceQueue;
    /** Days CloudWatch keeps the worker's logs. Defaults to 30. */
    readonly logRetentionDays?: number;
    /** Backlog files per running task that target tracking holds, beside CPU. Defaults to 5,000 (see backlogScaling.ts). */
    readonly backlogFilesPerTask?: number;
}

/** The worker's effective sizing: the one place its defaults live (those of any Fargate service, {@link sizingDefaults}). */
export function workerDefaults(args: ServiceSizing & { logRetentionDays?: number } & Pick<WorkerServiceArgs, "capacityProviderStrategy" | "cpuArchitecture">) {
    const capacityProviderStrategy = args.capacityProviderStrategy ?? WORKER_CAPACITY;
    return {
        ...sizingDefaults(args),
        logRetentionDays: args.logRetentionDays ?? 30,
        capacityProviderStrategy,
        cpuArchitecture: tierArchitecture(args.cpuArchitecture ?? DEFAULT_CPU_ARCHITECTURE, capacityProviderStrategy),
    };
}

/** Pure validation of the worker's sizing and scaling; exported for tests and the stack config. */
export function validateWorkerArgs(args: ServiceSizing & { logRetentionDays?: number } & Pick<WorkerServiceArgs, "capacityProviderStrategy">): Problem[] {
    const problems = validateServiceSizing(args);
    if (args.capacityProviderStrategy !== undefined) {
        problems.push(...validateCapacityStrategy(args.capacityProviderStrategy).map((p) => ({ property: `capacityProviderStrategy${p.property}`, reason: p.reason })));
    }
    const retention = args.logRetentionDays;
    if (retention !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
        problems.push({ property: "logRetentionDays", reason: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (what CloudWatch Logs accepts); got ${JSON.stringify(retention)}` });
    }
    return problems;
}

/**
 * The background worker of the source article: the same image with `work` (the archiver without the upload API) as
 * a second Fargate service on the shared file system, with no load balancer and no ingress at all. Its task role is
 * its own, granted by the owners only what archiving needs: the access point read-write (it deletes what it has
 * archived), and writing and reading back objects under the archive and log prefixes (no GetObjectVersion: it never
 * presigns a download). It scales on CPU apart from the web tier.
 */
export class WorkerService extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    /** The `ServiceName` dimension of the app's own metrics from the worker's tasks. */
    public readonly metricsServiceName: string;

    constructor(name: string, args: WorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:compute:WorkerService", name, {}, opts);

        throwIfProblems(`WorkerService "${name}"`, validateWorkerArgs(args));
        const settings = workerDefaults(args);
        const scope = roleScope(this);

        // Encrypted with the stack's log key (CT.CLOUDWATCH.PR.3; components/logEncryption.ts), or a key of its own.
        const logKeyArn = args.logKeyArn ?? createLogGroupKey(name, this).arn;
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays, kmsKeyId: logKeyArn }, { parent: this });
        const execution = createExecutionRole(name, scope, this);
        const taskRole = createTaskRole(`${name}-task-role`, scope, this);
        // No ingress rule: nothing reaches the worker. HTTPS out for S3 and the AWS APIs; NFS out comes with the grant.
        const securityGroup = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: `Tasks of ${name}: no ingress; HTTPS and NFS out` }, { parent: this });
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-https`,
            { securityGroupId: securityGroup.id, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443, description: "HTTPS to AWS APIs: S3 (through the gateway endpoint), ECR, CloudWatch Logs, STS" },
            { parent: this },
        );

        const grantee = { name, role: taskRole, securityGroup, parent: this };
        const efs = args.fileSystem.grantAccess(grantee, args.accessPoint);
        const prefixes = [args.archivePrefix, APP_LOG_PREFIX];
        // Read-back without versions: the archiver verifies what it wrote (HeadObject) and never presigns a download.
        const s3 = [args.bucket.grantWrite(grantee, withExecPrefix(prefixes, args.execSessionLog?.logging)), args.bucket.grantRead(grantee, prefixes)];
        const execGrant = args.execSessionLog ? [grantExec(grantee, args.execSessionLog)] : [];
        const queue = args.queue.connect(grantee);

        const taskDefinition = createTaskDefinition(
            name,
            {
                image: args.image,
                cpu: settings.cpu,
                memory: settings.memory,
                containerPort: WORKER_HEALTH_PORT,
                publishPort: false,
                command: ["work"],
                executionRole: execution.role,
                taskRole,
                efs,
                environment: {
                    DATA_DIR: EFS_MOUNT_PATH,
                    BUCKET: args.bucket.bucketName,
                    ARCHIVE_PREFIX: args.archivePrefix,
                    AWS_REGION: scope.region,
                    HOST: "127.0.0.1",
                    PORT: String(WORKER_HEALTH_PORT),
                    METRICS_SERVICE_NAME: metricsServiceName(name),
                    ...queue.environment,
                },
                logGroup,
                region: scope.region,
                cpuArchitecture: settings.cpuArchitecture,
                execEnabled: args.execSessionLog !== undefined,
            },
            this,
        );

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: args.clusterArn,
                taskDefinition: taskDefinition.arn,
                desiredCount: settings.desiredCount,
                // No launchType: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted."
                // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
                capacityProviderStrategies: serviceStrategy(settings.capacityProviderStrategy),
                // The provider: "Updating this argument [capacityProviderStrategies] requires forceNewDeployment = true".
                forceNewDeployment: true,
                // 1.4.0 is the first platform version that mounts EFS, and the first with TLS for it.
                platformVersion: "1.4.0",
                networkConfiguration: { subnets: args.subnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                enableExecuteCommand: args.execSessionLog !== undefined,
                propagateTags: "SERVICE",
                waitForSteadyState: true,
            },
            { parent: this, dependsOn: [...efs.ready, execution.policy, ...s3, ...queue.grants, args.clusterCapacity, ...execGrant], ignoreChanges: ["desiredCount"] },
        );
        const scaling = createCpuScaling(
            name,
            { clusterName: args.clusterName, service, minCount: settings.minCount, maxCount: settings.maxCount, targetPercent: settings.cpuTargetPercent },
            this,
        );
        createBacklogScaling(name, { target: scaling, clusterName: args.clusterName, serviceName: service.name, queueName: args.queue.queueName, filesPerTask: args.backlogFilesPerTask }, this);

        this.serviceName = service.name;
        this.logGroupName = logGroup.name;
        this.taskRoleArn = taskRole.arn;
        this.securityGroupId = securityGroup.id;
        this.metricsServiceName = metricsServiceName(name);
        this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName, taskRoleArn: this.taskRoleArn, securityGroupId: this.securityGroupId });
    }
}
