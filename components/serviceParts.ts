/**
 * What every Fargate service of the stack builds for itself, written once: its log group under a customer managed
 * key, its two roles, its task security group, the grants it asks the owners for, its environment, its ECS service
 * and its scaling. `FargateService` and `WorkerService` call these in the same order, so each constructor reads as a
 * table of contents and the two cannot drift apart.
 *
 * The names of the resources are each service's own from before they shared this code (the web tier's group is
 * `<name>-task-sg`, the worker's `<name>-sg`): a renamed resource is a replaced one, and a replaced security group
 * takes its tasks' network interfaces with it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createBacklogScaling, metricsServiceName } from "./backlogScaling";
import { CapacityProviderStrategy, serviceStrategy } from "./capacity";
import { EXEC_S3_PREFIX, ExecLogging, ExecSessionLog, grantExec } from "./execAccess";
import { APP_LOG_PREFIX, EFS_MOUNT_PATH, ServiceBucket } from "./fargateServiceArgs";
import { createLogGroupKey } from "./logEncryption";
import { EfsAccessGrant, EfsGrantee, SharedFileSystem } from "./sharedFileSystem";
import { createServiceRoles, RoleScope, ServiceRoles } from "./taskRoles";
import { QueueEnvironment, ServiceQueue } from "./workQueue";

export interface TaskFoundationArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly scope: RoleScope;
    /** Days CloudWatch keeps the service's logs. */
    readonly logRetentionDays: number;
    /** The KMS key that encrypts the log group (the stack's log key). Defaults to a key of the service's own, `<name>-logs-key`. */
    readonly logKeyArn?: pulumi.Input<string>;
    /** The tasks' security group: its name is `<name>-<groupRole>`, its HTTPS egress rule's `<name>-<httpsRuleRole>`. */
    readonly securityGroup: { readonly groupRole: string; readonly httpsRuleRole: string; readonly description: string };
}

/** What a service's tasks run as and log to, before any grant. */
export interface TaskFoundation extends ServiceRoles {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly securityGroup: aws.ec2.SecurityGroup;
}

/** The log group (CT.CLOUDWATCH.PR.3: encrypted with a customer managed key, components/logEncryption.ts), the roles and the task security group. */
export function createTaskFoundation(name: string, args: TaskFoundationArgs, parent: pulumi.Resource): TaskFoundation {
    const logKeyArn = args.logKeyArn ?? createLogGroupKey(name, parent).arn;
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays, kmsKeyId: logKeyArn }, { parent });
    const roles = createServiceRoles(name, args.scope, parent);
    const securityGroup = createTaskSecurityGroup(name, args.vpcId, args.securityGroup, parent);
    return { ...roles, logGroup, securityGroup };
}

/**
 * A task security group with no inline rules: ingress comes from whoever owns the way in (the load balancer), NFS
 * from the file system's grant. HTTPS out for S3 (through the gateway endpoint) and the AWS APIs.
 */
export function createTaskSecurityGroup(name: string, vpcId: pulumi.Input<string>, naming: TaskFoundationArgs["securityGroup"], parent: pulumi.Resource): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(`${name}-${naming.groupRole}`, { vpcId, description: naming.description }, { parent });
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-${naming.httpsRuleRole}`,
        {
            securityGroupId: group.id,
            cidrIpv4: "0.0.0.0/0",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to AWS APIs: S3 (through the gateway endpoint), ECR, CloudWatch Logs, STS",
        },
        { parent },
    );
    return group;
}

export interface ServiceAccessArgs {
    readonly fileSystem: SharedFileSystem;
    readonly accessPoint: string;
    readonly bucket: ServiceBucket;
    /** Key prefix of archived objects; with the app's log prefix, all the role may write and read. */
    readonly archivePrefix: string;
    /** Read object versions too: the web tier presigns downloads that name a version id; an archiver only verifies what it wrote. */
    readonly readVersions: boolean;
    /** The cluster's ECS Exec session log when exec is on. Defaults to no exec grant. */
    readonly execSessionLog?: ExecSessionLog;
    readonly queue: ServiceQueue;
}

/** What a service's task role was granted, and what its tasks wait on before they start. */
export interface ServiceAccess {
    readonly efs: EfsAccessGrant;
    /** The bucket prefixes granted: the archive's and the app logs'. */
    readonly prefixes: string[];
    readonly bucketGrants: aws.iam.RolePolicy[];
    readonly queue: { readonly environment: QueueEnvironment; readonly grants: aws.iam.RolePolicy[] };
    readonly execGrants: aws.iam.RolePolicy[];
}

/**
 * Access only through the owners' grants: the access point read-write, writes and reads on the two prefixes (and
 * the exec session prefix when sessions are logged to S3), the work queue, and ECS Exec's channels when it is on.
 */
export function grantServiceAccess(grantee: EfsGrantee, args: ServiceAccessArgs): ServiceAccess {
    const efs = args.fileSystem.grantAccess(grantee, args.accessPoint);
    const prefixes = [args.archivePrefix, APP_LOG_PREFIX];
    const bucketGrants = [
        args.bucket.grantWrite(grantee, withExecPrefix(prefixes, args.execSessionLog?.logging)),
        args.bucket.grantRead(grantee, prefixes, args.readVersions ? { versions: true } : {}),
    ];
    const execGrants = args.execSessionLog ? [grantExec(grantee, args.execSessionLog)] : [];
    const queue = args.queue.connect(grantee);
    return { efs, prefixes, bucketGrants, queue, execGrants };
}

/** The prefixes a write grant covers: with session logs in S3, their prefix too (the agent writes them as the task role). */
export function withExecPrefix(prefixes: readonly string[], logging: ExecLogging | undefined): string[] {
    return logging === "s3" ? [...prefixes, EXEC_S3_PREFIX] : [...prefixes];
}

/** The app's environment (ARCHITECTURE.md, "The app"): `extra` first, so that it can never override what the grants were made for. */
export function appEnvironment(
    name: string,
    args: { bucket: ServiceBucket; archivePrefix: string; region: pulumi.Input<string>; port: number; access: ServiceAccess },
    extra: Record<string, pulumi.Input<string>> = {},
): Record<string, pulumi.Input<string>> {
    return {
        ...extra,
        DATA_DIR: EFS_MOUNT_PATH,
        BUCKET: args.bucket.bucketName,
        ARCHIVE_PREFIX: args.archivePrefix,
        AWS_REGION: args.region,
        PORT: String(args.port),
        METRICS_SERVICE_NAME: metricsServiceName(name),
        ...args.access.queue.environment,
    };
}

export interface EcsServiceArgs {
    readonly clusterArn: pulumi.Input<string>;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    readonly desiredCount: number;
    readonly capacityProviderStrategy: CapacityProviderStrategy;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly foundation: TaskFoundation;
    readonly access: ServiceAccess;
    /** The cluster's capacity provider association, which placing the tasks needs. */
    readonly clusterCapacity: pulumi.Resource;
    readonly execEnabled: boolean;
    /** The target group the tasks register with, and what it waits on (listeners). Defaults to none: no load balancer. */
    readonly loadBalancer?: { readonly targetGroupArn: pulumi.Input<string>; readonly containerPort: number; readonly ready: pulumi.Resource[] };
}

/** The ECS service: private subnets without public IPs, platform 1.4.0, a rolling deployment that rolls back by itself. */
export function createEcsService(name: string, args: EcsServiceArgs, parent: pulumi.Resource): aws.ecs.Service {
    const { foundation, access, loadBalancer } = args;
    return new aws.ecs.Service(
        `${name}-service`,
        {
            cluster: args.clusterArn,
            taskDefinition: args.taskDefinition.arn,
            desiredCount: args.desiredCount,
            // No launchType: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted."
            // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
            capacityProviderStrategies: serviceStrategy(args.capacityProviderStrategy),
            // The provider: "Updating this argument [capacityProviderStrategies] requires forceNewDeployment = true".
            forceNewDeployment: true,
            // 1.4.0 is the first platform version that mounts EFS, and the first with TLS for it; ARM64 tasks on
            // FARGATE_SPOT need it too (API_CapacityProviderStrategyItem: "on platform version 1.4.0 or later").
            platformVersion: "1.4.0",
            networkConfiguration: { subnets: args.subnetIds, securityGroups: [foundation.securityGroup.id], assignPublicIp: false },
            ...(loadBalancer
                ? { loadBalancers: [{ targetGroupArn: loadBalancer.targetGroupArn, containerName: "app", containerPort: loadBalancer.containerPort }], healthCheckGracePeriodSeconds: 60 }
                : {}),
            deploymentCircuitBreaker: { enable: true, rollback: true },
            deploymentMinimumHealthyPercent: 100,
            deploymentMaximumPercent: 200,
            enableExecuteCommand: args.execEnabled,
            propagateTags: "SERVICE",
            waitForSteadyState: true,
        },
        // Autoscaling owns desiredCount once the service runs. Tasks start only once they can pull, log, mount and
        // archive (and be placed: the cluster's capacity providers), and open exec sessions when asked to: a task that
        // starts earlier fails its health check and counts against the circuit breaker.
        {
            parent,
            dependsOn: [
                ...(loadBalancer?.ready ?? []),
                ...access.efs.ready,
                foundation.execution.policy,
                ...access.bucketGrants,
                ...access.queue.grants,
                args.clusterCapacity,
                ...access.execGrants,
            ],
            ignoreChanges: ["desiredCount"],
        },
    );
}

export interface ServiceScalingArgs {
    readonly clusterName: pulumi.Input<string>;
    readonly service: aws.ecs.Service;
    readonly minCount: number;
    readonly maxCount: number;
    readonly cpuTargetPercent: number;
    /** The work queue whose backlog per task is held (see backlogScaling.ts). */
    readonly queueName: pulumi.Input<string>;
    /** Defaults to DEFAULT_BACKLOG_FILES_PER_TASK. */
    readonly backlogFilesPerTask?: number;
}

/** Two target-tracking policies on one scalable target, CPU and the queue's backlog per task: the larger desired count wins. */
export function createServiceScaling(name: string, args: ServiceScalingArgs, parent: pulumi.Resource): aws.appautoscaling.Target {
    const target = createCpuScaling(name, { clusterName: args.clusterName, service: args.service, minCount: args.minCount, maxCount: args.maxCount, targetPercent: args.cpuTargetPercent }, parent);
    createBacklogScaling(name, { target, clusterName: args.clusterName, serviceName: args.service.name, queueName: args.queueName, filesPerTask: args.backlogFilesPerTask }, parent);
    return target;
}

/** Target tracking on average CPU between `minCount` and `maxCount` tasks; returns the scalable target for more policies. */
export function createCpuScaling(
    name: string,
    args: { clusterName: pulumi.Input<string>; service: aws.ecs.Service; minCount: number; maxCount: number; targetPercent: number },
    parent: pulumi.Resource,
): aws.appautoscaling.Target {
    const target = new aws.appautoscaling.Target(
        `${name}-scaling-target`,
        {
            serviceNamespace: "ecs",
            scalableDimension: "ecs:service:DesiredCount",
            resourceId: pulumi.interpolate`service/${args.clusterName}/${args.service.name}`,
            minCapacity: args.minCount,
            maxCapacity: args.maxCount,
        },
        { parent },
    );
    new aws.appautoscaling.Policy(
        `${name}-cpu-scaling`,
        {
            policyType: "TargetTrackingScaling",
            serviceNamespace: target.serviceNamespace,
            scalableDimension: target.scalableDimension,
            resourceId: target.resourceId,
            targetTrackingScalingPolicyConfiguration: {
                predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                targetValue: args.targetPercent,
                scaleInCooldown: 300,
                scaleOutCooldown: 60,
            },
        },
        { parent },
    );
    return target;
}
