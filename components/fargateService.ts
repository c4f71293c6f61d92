import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createBacklogScaling, metricsServiceName } from "./backlogScaling";
import { CpuArchitecture, FARGATE_CAPACITY_PROVIDERS, serviceStrategy } from "./capacity";
import { createExecSessionLog, EXEC_S3_PREFIX, ExecLogging, ExecSessionLog, grantExec } from "./execAccess";
import { createDrainSchedule } from "./drainSchedule";
import { APP_LOG_PREFIX, EFS_MOUNT_PATH, FargateServiceArgs, serviceDefaults, validateServiceArgs } from "./fargateServiceArgs";
import { createLoadBalancer } from "./loadBalancer";
import { createLogGroupKey } from "./logEncryption";
import { createTaskDefinition, resolveImage } from "./taskDefinition";
import { createExecutionRole, createTaskRole, roleScope } from "./taskRoles";
import { throwIfProblems } from "./validation";

/**
 * The app on Fargate: a cluster, a task definition that mounts the shared file system over TLS with IAM
 * authorization and runs as the access point's user on a read-only root, least-privilege roles granted by the
 * owners of the file system and the bucket, logs, a load balancer in front, a rolling deployment that rolls back by
 * itself, CPU-based autoscaling and a scheduled drain task.
 */
export class FargateService extends pulumi.ComponentResource {
    /** `http(s)://<load balancer DNS name>`. */
    public readonly url: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterArn: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly taskSecurityGroupId: pulumi.Output<string>;
    /** The KMS key that encrypts this service's log group, for the other services' log groups (WorkerServiceArgs.logKeyArn). */
    public readonly logKeyArn: pulumi.Output<string>;
    /** The web tier's image. */
    public readonly image: pulumi.Output<string>;
    /** The image for each architecture it was built (or given) for: the web tier's and `extraImageArchitectures`. */
    public readonly images: Partial<Record<CpuArchitecture, pulumi.Output<string>>>;
    /** The cluster's ECS Exec session log, for other services on the cluster; undefined while exec is off. */
    public readonly execSessionLog: ExecSessionLog | undefined;
    /** The cluster's association with FARGATE and FARGATE_SPOT: what a service on the cluster waits on. */
    public readonly clusterCapacity: aws.ecs.ClusterCapacityProviders;
    /** `app/<name>/<id>`, the `LoadBalancer` dimension of the load balancer's metrics. */
    public readonly loadBalancerArnSuffix: pulumi.Output<string>;
    /** `targetgroup/<name>/<id>`, the `TargetGroup` dimension. */
    public readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The `ServiceName` dimension of the app's own metrics from this service's tasks. */
    public readonly metricsServiceName: string;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:compute:FargateService", name, {}, opts);

        throwIfProblems(`FargateService "${name}"`, validateServiceArgs(args));
        const settings = serviceDefaults(args);
        const { containerPort, archivePrefix, deletionProtection, drainSchedule, cpuArchitecture, exec } = settings;
        const scope = roleScope(this);

        const execLog = exec.enabled ? createExecSessionLog(name, { logging: exec.logging, scope, retentionInDays: settings.logRetentionDays, bucketName: args.bucket.bucketName, retainOnDelete: deletionProtection }, this) : undefined;
        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            {
                settings: [{ name: "containerInsights", value: "enabled" }],
                ...(execLog ? { configuration: { executeCommandConfiguration: execLog.clusterConfiguration } } : {}),
            },
            { parent: this },
        );
        const capacity = createClusterCapacity(name, cluster, settings.capacityProviderStrategy, this);
        // One key for the stack's service logs (CT.CLOUDWATCH.PR.3); the worker on this cluster is handed it (logKeyArn).
        const logKey = createLogGroupKey(name, this);
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays, kmsKeyId: logKey.arn }, { parent: this });
        const execution = createExecutionRole(name, scope, this);
        const taskRole = createTaskRole(`${name}-task-role`, scope, this);
        const taskSecurityGroup = createTaskSecurityGroup(name, args.vpcId, this);

        // Access comes only from the owners' grants: the file system's and the bucket's.
        const grantee = { name, role: taskRole, securityGroup: taskSecurityGroup, parent: this };
        const efs = args.fileSystem.grantAccess(grantee, args.accessPoint);
        const prefixes = [archivePrefix, APP_LOG_PREFIX];
        const s3 = [args.bucket.grantWrite(grantee, withExecPrefix(prefixes, execLog?.logging)), args.bucket.grantRead(grantee, prefixes, { versions: true })];
        const execGrant = execLog ? [grantExec(grantee, execLog)] : [];
        const queue = args.queue.connect(grantee);

        const images = resolveImage(
            name,
            {
                image: args.image,
                build: args.build ?? { context: ".", dockerfile: "app/Dockerfile" },
                posixUser: efs.posixUser,
                deletionProtection,
                architectures: [cpuArchitecture, ...(args.extraImageArchitectures ?? [])],
            },
            this,
        );
        const image = images[cpuArchitecture]!;
        const environment: Record<string, pulumi.Input<string>> = {
            ...args.environment,
            DATA_DIR: EFS_MOUNT_PATH,
            BUCKET: args.bucket.bucketName,
            ARCHIVE_PREFIX: archivePrefix,
            AWS_REGION: scope.region,
            PORT: String(containerPort),
            METRICS_SERVICE_NAME: metricsServiceName(name),
            ...queue.environment,
        };
        const container = {
            image,
            cpu: settings.cpu,
            memory: settings.memory,
            containerPort,
            executionRole: execution.role,
            environment,
            logGroup,
            region: scope.region,
            cpuArchitecture,
        };
        const taskDefinition = createTaskDefinition(name, { ...container, taskRole, efs, execEnabled: exec.enabled }, this);
        const lb = createLoadBalancer(
            name,
            { vpcId: args.vpcId, subnetIds: args.publicSubnetIds, taskSecurityGroup, containerPort, certificateArn: args.certificateArn, deletionProtection },
            this,
        );

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: cluster.arn,
                taskDefinition: taskDefinition.arn,
                desiredCount: settings.desiredCount,
                // No launchType: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted."
                // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html
                capacityProviderStrategies: serviceStrategy(settings.capacityProviderStrategy),
                // The provider: "Updating this argument [capacityProviderStrategies] requires forceNewDeployment = true".
                forceNewDeployment: true,
                // 1.4.0 is the first platform version that mounts EFS, and the first with TLS for it.
                platformVersion: "1.4.0",
                networkConfiguration: { subnets: args.privateSubnetIds, securityGroups: [taskSecurityGroup.id], assignPublicIp: false },
                loadBalancers: [{ targetGroupArn: lb.targetGroup.arn, containerName: "app", containerPort }],
                healthCheckGracePeriodSeconds: 60,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                enableExecuteCommand: exec.enabled,
                propagateTags: "SERVICE",
                waitForSteadyState: true,
            },
            // Autoscaling owns desiredCount once the service runs. Tasks start only once they can pull, log, mount
            // and archive (and be placed: the cluster's capacity providers), and open exec sessions when asked to: a
            // task that starts earlier fails its health check and counts against the circuit breaker.
            { parent: this, dependsOn: [...lb.ready, ...efs.ready, execution.policy, ...s3, ...queue.grants, capacity, ...execGrant], ignoreChanges: ["desiredCount"] },
        );
        const scaling = createCpuScaling(name, { clusterName: cluster.name, service, minCount: settings.minCount, maxCount: settings.maxCount, targetPercent: settings.cpuTargetPercent }, this);
        createBacklogScaling(name, { target: scaling, clusterName: cluster.name, serviceName: service.name, queueName: args.queue.queueName, filesPerTask: args.backlogFilesPerTask }, this);

        if (drainSchedule !== false) {
            createDrainSchedule(
                name,
                {
                    schedule: drainSchedule,
                    cluster,
                    task: container,
                    subnetIds: args.privateSubnetIds,
                    securityGroup: taskSecurityGroup,
                    fileSystem: args.fileSystem,
                    accessPoint: args.accessPoint,
                    bucket: args.bucket,
                    queue: args.queue,
                    prefixes,
                    scope,
                    capacityProviderStrategy: settings.drainCapacityProviderStrategy,
                    capacity,
                },
                this,
            );
        }

        this.url = lb.url;
        this.clusterName = cluster.name;
        this.clusterArn = cluster.arn;
        this.serviceName = service.name;
        this.logGroupName = logGroup.name;
        this.logKeyArn = logKey.arn;
        this.taskRoleArn = taskRole.arn;
        this.taskSecurityGroupId = taskSecurityGroup.id;
        this.image = image;
        this.images = images;
        this.execSessionLog = execLog;
        this.clusterCapacity = capacity;
        this.loadBalancerArnSuffix = lb.arnSuffix;
        this.targetGroupArnSuffix = lb.targetGroup.arnSuffix;
        this.metricsServiceName = metricsServiceName(name);
        this.registerOutputs({
            url: this.url,
            clusterName: this.clusterName,
            clusterArn: this.clusterArn,
            serviceName: this.serviceName,
            logGroupName: this.logGroupName,
            taskRoleArn: this.taskRoleArn,
            taskSecurityGroupId: this.taskSecurityGroupId,
            image: this.image,
            loadBalancerArnSuffix: this.loadBalancerArnSuffix,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
        });
    }
}

/**
 * Associates the cluster with both Fargate capacity providers ("To use them, all you need to do is associate them
 * with a cluster", ECS developer guide, Fargate capacity providers), with the web tier's strategy as the default.
 * Every service and RunTask names its own strategy, so the default only matters to a task started by hand.
 */
export function createClusterCapacity(name: string, cluster: aws.ecs.Cluster, defaultStrategy: Parameters<typeof serviceStrategy>[0], parent: pulumi.Resource): aws.ecs.ClusterCapacityProviders {
    return new aws.ecs.ClusterCapacityProviders(
        `${name}-capacity`,
        { clusterName: cluster.name, capacityProviders: [...FARGATE_CAPACITY_PROVIDERS], defaultCapacityProviderStrategies: serviceStrategy(defaultStrategy) },
        { parent },
    );
}

/** The prefixes a write grant covers: with session logs in S3, their prefix too (the agent writes them as the task role). */
export function withExecPrefix(prefixes: readonly string[], logging: ExecLogging | undefined): string[] {
    return logging === "s3" ? [...prefixes, EXEC_S3_PREFIX] : [...prefixes];
}

/** The tasks' group: no inline rules; the load balancer and the file system's grant add theirs, plus HTTPS out. */
export function createTaskSecurityGroup(name: string, vpcId: pulumi.Input<string>, parent: pulumi.Resource): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(`${name}-task-sg`, { vpcId, description: `Tasks of ${name}: the app port from the load balancer only` }, { parent });
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-tasks-https`,
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
