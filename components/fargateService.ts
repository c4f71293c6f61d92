import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { metricsServiceName } from "./backlogScaling";
import { CpuArchitecture, FARGATE_CAPACITY_PROVIDERS, serviceStrategy } from "./capacity";
import { createExecSessionLog, ExecSessionLog } from "./execAccess";
import { createDrainSchedule } from "./drainSchedule";
import { FargateServiceArgs, serviceDefaults, validateServiceArgs } from "./fargateServiceArgs";
import { createLoadBalancer } from "./loadBalancer";
import { createLogGroupKey } from "./logEncryption";
import { appEnvironment, createEcsService, createServiceScaling, createTaskFoundation, grantServiceAccess } from "./serviceParts";
import { createTaskDefinition, resolveImage } from "./taskDefinition";
import { roleScope } from "./taskRoles";
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
        const foundation = createTaskFoundation(
            name,
            { vpcId: args.vpcId, scope, logRetentionDays: settings.logRetentionDays, logKeyArn: logKey.arn, securityGroup: { groupRole: "task-sg", httpsRuleRole: "tasks-https", description: `Tasks of ${name}: the app port from the load balancer only` } },
            this,
        );
        const { logGroup, execution, taskRole, securityGroup: taskSecurityGroup } = foundation;

        // Access comes only from the owners' grants: the file system's and the bucket's.
        const access = grantServiceAccess(
            { name, role: taskRole, securityGroup: taskSecurityGroup, parent: this },
            { fileSystem: args.fileSystem, accessPoint: args.accessPoint, bucket: args.bucket, archivePrefix, readVersions: true, execSessionLog: execLog, queue: args.queue },
        );

        const images = resolveImage(
            name,
            {
                image: args.image,
                build: args.build ?? { context: ".", dockerfile: "app/Dockerfile" },
                posixUser: access.efs.posixUser,
                deletionProtection,
                architectures: [cpuArchitecture, ...(args.extraImageArchitectures ?? [])],
            },
            this,
        );
        const image = images[cpuArchitecture]!;
        const container = {
            image,
            cpu: settings.cpu,
            memory: settings.memory,
            containerPort,
            executionRole: execution.role,
            environment: appEnvironment(name, { bucket: args.bucket, archivePrefix, region: scope.region, port: containerPort, access }, args.environment),
            logGroup,
            region: scope.region,
            cpuArchitecture,
        };
        const taskDefinition = createTaskDefinition(name, { ...container, taskRole, efs: access.efs, execEnabled: exec.enabled }, this);
        const lb = createLoadBalancer(
            name,
            { vpcId: args.vpcId, subnetIds: args.publicSubnetIds, taskSecurityGroup, containerPort, certificateArn: args.certificateArn, deletionProtection },
            this,
        );

        const service = createEcsService(
            name,
            {
                clusterArn: cluster.arn,
                taskDefinition,
                desiredCount: settings.desiredCount,
                capacityProviderStrategy: settings.capacityProviderStrategy,
                subnetIds: args.privateSubnetIds,
                foundation,
                access,
                clusterCapacity: capacity,
                execEnabled: exec.enabled,
                loadBalancer: { targetGroupArn: lb.targetGroup.arn, containerPort, ready: lb.ready },
            },
            this,
        );
        createServiceScaling(
            name,
            { clusterName: cluster.name, service, minCount: settings.minCount, maxCount: settings.maxCount, cpuTargetPercent: settings.cpuTargetPercent, queueName: args.queue.queueName, backlogFilesPerTask: args.backlogFilesPerTask },
            this,
        );

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
                    prefixes: access.prefixes,
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
