import * as pulumi from "@pulumi/pulumi";
import { EFS_MOUNT_PATH, LOG_RETENTION_DAYS, ServiceBucket } from "./fargateServiceArgs";
import { metricsServiceName } from "./backlogScaling";
import { CapacityProviderStrategy, CpuArchitecture, DEFAULT_CPU_ARCHITECTURE, validateCapacityStrategy, WORKER_CAPACITY } from "./capacity";
import { ExecSessionLog } from "./execAccess";
import { ServiceSizing, sizingDefaults, validateServiceSizing } from "./fargateSizing";
import { appEnvironment, createEcsService, createServiceScaling, createTaskFoundation, grantServiceAccess } from "./serviceParts";
import { SharedFileSystem } from "./sharedFileSystem";
import { createTaskDefinition } from "./taskDefinition";
import { roleScope } from "./taskRoles";
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
    /** The CPU of the tasks, on FARGATE and FARGATE_SPOT alike (ARM64 on Spot needs platform 1.4.0, which the service pins). Defaults to "ARM64". */
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
        cpuArchitecture: args.cpuArchitecture ?? DEFAULT_CPU_ARCHITECTURE,
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
        // No ingress rule: nothing reaches the worker. HTTPS out for S3 and the AWS APIs; NFS out comes with the grant.
        const foundation = createTaskFoundation(
            name,
            { vpcId: args.vpcId, scope, logRetentionDays: settings.logRetentionDays, logKeyArn: args.logKeyArn, securityGroup: { groupRole: "sg", httpsRuleRole: "https", description: `Tasks of ${name}: no ingress; HTTPS and NFS out` } },
            this,
        );
        const { logGroup, execution, taskRole, securityGroup } = foundation;

        // Read-back without versions: the archiver verifies what it wrote (HeadObject) and never presigns a download.
        const access = grantServiceAccess(
            { name, role: taskRole, securityGroup, parent: this },
            { fileSystem: args.fileSystem, accessPoint: args.accessPoint, bucket: args.bucket, archivePrefix: args.archivePrefix, readVersions: false, execSessionLog: args.execSessionLog, queue: args.queue },
        );
        const execEnabled = args.execSessionLog !== undefined;

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
                efs: access.efs,
                environment: appEnvironment(name, { bucket: args.bucket, archivePrefix: args.archivePrefix, region: scope.region, port: WORKER_HEALTH_PORT, access }, { HOST: "127.0.0.1" }),
                logGroup,
                region: scope.region,
                cpuArchitecture: settings.cpuArchitecture,
                execEnabled,
            },
            this,
        );

        const service = createEcsService(
            name,
            {
                clusterArn: args.clusterArn,
                taskDefinition,
                desiredCount: settings.desiredCount,
                capacityProviderStrategy: settings.capacityProviderStrategy,
                subnetIds: args.subnetIds,
                foundation,
                access,
                clusterCapacity: args.clusterCapacity,
                execEnabled,
            },
            this,
        );
        createServiceScaling(
            name,
            { clusterName: args.clusterName, service, minCount: settings.minCount, maxCount: settings.maxCount, cpuTargetPercent: settings.cpuTargetPercent, queueName: args.queue.queueName, backlogFilesPerTask: args.backlogFilesPerTask },
            this,
        );

        this.serviceName = service.name;
        this.logGroupName = logGroup.name;
        this.taskRoleArn = taskRole.arn;
        this.securityGroupId = securityGroup.id;
        this.metricsServiceName = metricsServiceName(name);
        this.registerOutputs({ serviceName: this.serviceName, logGroupName: this.logGroupName, taskRoleArn: this.taskRoleArn, securityGroupId: this.securityGroupId });
    }
}
