import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { SharedFileSystem } from "./sharedFileSystem";
import { Problem, throwIfProblems } from "./validation";

/** Where the access point is mounted in the container; the app's `DATA_DIR`. */
export const EFS_MOUNT_PATH = "/mnt/efs";

/** Where the app archives its own rotated logs (`logs/<task>/<timestamp>.jsonl`, see app/README.md). */
export const APP_LOG_PREFIX = "logs/";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * The memory sizes (MiB) Fargate offers for each CPU size (CPU units; 1024 = 1 vCPU), platform 1.4.0 on Linux.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) {
        out.push(v);
    }
    return out;
}

/** The archive bucket as the service sees it. */
export interface ServiceBucket {
    readonly bucketName: pulumi.Input<string>;
    readonly bucketArn: pulumi.Input<string>;
    /** The bucket's KMS key, if it uses SSE-KMS: the task role may then encrypt and decrypt with it. */
    readonly kmsKeyArn?: pulumi.Input<string | undefined>;
}

/** Sizing and scaling of the service; each field is checked by {@link validateServiceSizing}. */
export interface ServiceSizing {
    /** CPU units per task (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384. Defaults to 256. */
    readonly cpu?: number;
    /** MiB per task; must be a size Fargate offers for `cpu`. Defaults to 512. */
    readonly memory?: number;
    /** Tasks to start with. Defaults to `minCount`. */
    readonly desiredCount?: number;
    /** Fewest tasks autoscaling keeps. Defaults to 1. */
    readonly minCount?: number;
    /** Most tasks autoscaling starts. Defaults to 2. */
    readonly maxCount?: number;
    /** Average CPU % that target tracking holds the service at, 10 to 90. Defaults to 60. */
    readonly cpuTargetPercent?: number;
}

export interface FargateServiceArgs extends ServiceSizing {
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the load balancer (internet-facing). */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Subnets of the tasks, which get no public IP. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The file system to mount at {@link EFS_MOUNT_PATH}, and which of its access points. */
    readonly fileSystem: SharedFileSystem;
    readonly accessPoint: string;
    /** Where the app archives to; the task role may touch only `archivePrefix` there. */
    readonly bucket: ServiceBucket;
    /** Key prefix of archived objects; ends with "/". Defaults to "uploads/". */
    readonly archivePrefix?: string;
    /** A container image URI to run. Defaults to building `app/` into a new ECR repository. */
    readonly image?: pulumi.Input<string>;
    /** Docker build context and Dockerfile used when `image` is not given. Defaults to the repository root and app/Dockerfile. */
    readonly build?: { readonly context: string; readonly dockerfile: string };
    /** The port the app listens on, 1024 to 65535 (the container does not run as root). Defaults to 8080. */
    readonly containerPort?: number;
    /** Days CloudWatch keeps the app's logs; one of {@link LOG_RETENTION_DAYS}. Defaults to 30. */
    readonly logRetentionDays?: number;
    /** More environment for the app (e.g. `MAX_UPLOAD_BYTES`); cannot override the variables the service sets. */
    readonly environment?: Readonly<Record<string, string>>;
    /** An ACM certificate for HTTPS on 443; port 80 then only redirects. Excludes nothing; required unless `allowPlainHttp`. */
    readonly certificateArn?: pulumi.Input<string>;
    /** Explicit opt-out of TLS: serve plain HTTP on port 80 when there is no certificate. Defaults to false. */
    readonly allowPlainHttp?: boolean;
    /** Refuse to delete the load balancer. Defaults to true. */
    readonly deletionProtection?: boolean;
    /**
     * When to run one extra task with `archive --once`, which drains whatever is left on EFS (after a crash, a
     * scale-in, or while the service runs no task) to S3 and exits. An EventBridge Scheduler expression such as
     * `rate(1 hour)` or `cron(0 3 * * ? *)`, or false for none. Defaults to `rate(1 hour)`.
     */
    readonly drainSchedule?: string | false;
}

const SCHEDULE_EXPRESSION = /^(rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/;

/** Pure validation of sizing and scaling; exported for tests and the stack config. */
export function validateServiceSizing(s: ServiceSizing): Problem[] {
    const problems: Problem[] = [];
    const cpu = s.cpu ?? 256;
    const memory = s.memory ?? 512;
    const sizes = FARGATE_SIZES[cpu];
    if (!sizes) {
        problems.push({ property: "cpu", reason: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")} CPU units; got ${JSON.stringify(s.cpu)}` });
    } else if (!sizes.includes(memory)) {
        problems.push({ property: "memory", reason: `Fargate offers ${sizes[0]} to ${sizes[sizes.length - 1]} MiB in steps of ${sizes.length > 1 ? sizes[1] - sizes[0] : sizes[0]} for ${cpu} CPU units (${sizes.join(", ")}); got ${JSON.stringify(s.memory)}` });
    }
    const count = (field: "desiredCount" | "minCount" | "maxCount", value: unknown, min: number) => {
        if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 1000)) {
            problems.push({ property: field, reason: `must be a whole number from ${min} to 1000; got ${JSON.stringify(value)}` });
            return false;
        }
        return true;
    };
    const minCount = s.minCount ?? 1;
    const maxCount = s.maxCount ?? 2;
    const desired = s.desiredCount ?? minCount;
    const ok = [count("minCount", s.minCount, 0), count("maxCount", s.maxCount, 1), count("desiredCount", s.desiredCount, 0)].every(Boolean);
    if (ok) {
        if (minCount > maxCount) {
            problems.push({ property: "minCount", reason: `must not exceed maxCount (${maxCount}); got ${minCount}` });
        }
        if (desired > maxCount) {
            problems.push({ property: "desiredCount", reason: `must not exceed maxCount (${maxCount}); got ${desired}` });
        } else if (desired < minCount) {
            problems.push({ property: "desiredCount", reason: `must be at least minCount (${minCount}); got ${desired}` });
        }
    }
    const target = s.cpuTargetPercent;
    if (target !== undefined && (typeof target !== "number" || !(target >= 10 && target <= 90))) {
        problems.push({ property: "cpuTargetPercent", reason: `must be from 10 to 90; got ${JSON.stringify(target)}` });
    }
    return problems;
}

/** Pure validation of everything else that decides what is built; exported for tests and the stack config. */
export function validateServiceArgs(args: Omit<FargateServiceArgs, "vpcId" | "publicSubnetIds" | "privateSubnetIds" | "fileSystem" | "bucket">): Problem[] {
    const problems = validateServiceSizing(args);
    const port = args.containerPort;
    if (port !== undefined && (typeof port !== "number" || !Number.isInteger(port) || port < 1024 || port > 65535)) {
        problems.push({ property: "containerPort", reason: `must be a whole number from 1024 to 65535 (the app does not run as root); got ${JSON.stringify(port)}` });
    }
    const retention = args.logRetentionDays;
    if (retention !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
        problems.push({ property: "logRetentionDays", reason: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (what CloudWatch Logs accepts); got ${JSON.stringify(retention)}` });
    }
    const prefix = args.archivePrefix;
    if (prefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/.test(prefix)) {
        problems.push({ property: "archivePrefix", reason: `must be a relative key prefix ending with "/", like "uploads/"; got ${JSON.stringify(prefix)}` });
    }
    if (args.certificateArn === undefined && !args.allowPlainHttp) {
        problems.push({
            property: "certificateArn",
            reason: "is required for HTTPS; give an ACM certificate ARN, or opt out explicitly with allowPlainHttp: true (plain HTTP on port 80)",
        });
    }
    const drain = args.drainSchedule;
    const rate = typeof drain === "string" ? SCHEDULE_EXPRESSION.exec(drain) : null;
    if (drain !== undefined && drain !== false && !rate) {
        problems.push({ property: "drainSchedule", reason: `must be an EventBridge Scheduler expression like "rate(1 hour)" or "cron(0 3 * * ? *)", or off; got ${JSON.stringify(drain)}` });
    } else if (rate && (rate[2] === "1") !== !rate[3].endsWith("s")) {
        // https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based: the unit is singular
        // for 1 and plural otherwise; the Scheduler API refuses anything else.
        const unit = rate[3].replace(/s$/, "");
        const fixed = `rate(${rate[2]} ${rate[2] === "1" ? unit : `${unit}s`})`;
        problems.push({ property: "drainSchedule", reason: `EventBridge Scheduler takes a singular unit only for 1 and a plural one otherwise; write "${fixed}", got ${JSON.stringify(drain)}` });
    } else if (rate && rate[3]?.startsWith("minute") && Number(rate[2]) < 5) {
        problems.push({ property: "drainSchedule", reason: `would start a task every ${rate[2]} minute(s); use 5 minutes or more (every service task already archives continuously)` });
    }
    if (typeof args.certificateArn === "string" && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(args.certificateArn)) {
        problems.push({ property: "certificateArn", reason: `must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got ${JSON.stringify(args.certificateArn)}` });
    }
    return problems;
}

/**
 * The app on Fargate: a cluster, a task definition that mounts the shared file system over TLS with IAM
 * authorization and runs as the access point's user on a read-only root, least-privilege roles, logs, a load
 * balancer in front, a rolling deployment that rolls back by itself, and CPU-based autoscaling.
 */
export class FargateService extends pulumi.ComponentResource {
    /** `http(s)://<load balancer DNS name>`. */
    public readonly url: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    public readonly logGroupName: pulumi.Output<string>;
    public readonly taskRoleArn: pulumi.Output<string>;
    public readonly taskSecurityGroupId: pulumi.Output<string>;
    public readonly image: pulumi.Output<string>;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:compute:FargateService", name, {}, opts);

        throwIfProblems(`FargateService "${name}"`, validateServiceArgs(args));
        const cpu = args.cpu ?? 256;
        const memory = args.memory ?? 512;
        const minCount = args.minCount ?? 1;
        const maxCount = args.maxCount ?? 2;
        const desiredCount = args.desiredCount ?? minCount;
        const containerPort = args.containerPort ?? 8080;
        const archivePrefix = args.archivePrefix ?? "uploads/";
        const https = args.certificateArn !== undefined;
        const region = aws.getRegionOutput({}, { parent: this }).region;

        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { settings: [{ name: "containerInsights", value: "enabled" }] },
            { parent: this },
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { retentionInDays: args.logRetentionDays ?? 30 },
            { parent: this },
        );

        const assumedByTasks = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        // The execution role is the agent's (pull the image, ship logs); the task role is the app's. Kept apart so
        // the app never holds ECR or log-delivery rights, and the agent never holds data rights.
        const executionRole = new aws.iam.Role(`${name}-execution-role`, { assumeRolePolicy: assumedByTasks }, { parent: this });
        const executionPolicy = new aws.iam.RolePolicyAttachment(
            `${name}-execution-policy`,
            { role: executionRole.name, policyArn: aws.iam.ManagedPolicy.AmazonECSTaskExecutionRolePolicy },
            { parent: this },
        );
        const taskRole = new aws.iam.Role(`${name}-task-role`, { assumeRolePolicy: assumedByTasks }, { parent: this });

        const objects = pulumi.interpolate`${args.bucket.bucketArn}/${archivePrefix}*`;
        const appLogs = pulumi.interpolate`${args.bucket.bucketArn}/${APP_LOG_PREFIX}*`;
        const kmsKeyArn = pulumi.output(args.bucket.kmsKeyArn);
        const archiveAccess = new aws.iam.RolePolicy(
            `${name}-archive-access`,
            {
                role: taskRole.name,
                policy: pulumi.jsonStringify(
                    kmsKeyArn.apply((key) => ({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "ArchiveObjects",
                                Effect: "Allow",
                                Action: ["s3:PutObject", "s3:GetObject", "s3:GetObjectAttributes", "s3:AbortMultipartUpload"],
                                Resource: objects,
                            },
                            {
                                Sid: "ArchiveAppLogs",
                                Effect: "Allow",
                                Action: ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"],
                                Resource: appLogs,
                            },
                            {
                                Sid: "ListArchivePrefix",
                                Effect: "Allow",
                                Action: "s3:ListBucket",
                                Resource: args.bucket.bucketArn,
                                Condition: { StringLike: { "s3:prefix": [`${archivePrefix}*`] } },
                            },
                            ...(key
                                ? [{ Sid: "UseBucketKey", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key }]
                                : []),
                        ],
                    })),
                ),
            },
            { parent: this },
        );

        const albSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-alb-sg`,
            { vpcId: args.vpcId, description: `Load balancer of ${name}: HTTP${https ? "/HTTPS" : ""} from the internet` },
            { parent: this },
        );
        const taskSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-task-sg`,
            { vpcId: args.vpcId, description: `Tasks of ${name}: the app port from the load balancer only` },
            { parent: this },
        );
        const listenerPorts = https ? [80, 443] : [80];
        for (const port of listenerPorts) {
            for (const [family, cidr] of [["ipv4", "0.0.0.0/0"], ["ipv6", "::/0"]] as const) {
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-alb-${port}-${family}`,
                    {
                        securityGroupId: albSecurityGroup.id,
                        ipProtocol: "tcp",
                        fromPort: port,
                        toPort: port,
                        ...(family === "ipv4" ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
                        description: `${port === 443 ? "HTTPS" : "HTTP"} from the internet`,
                    },
                    { parent: this },
                );
            }
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-tasks`,
            {
                securityGroupId: albSecurityGroup.id,
                referencedSecurityGroupId: taskSecurityGroup.id,
                ipProtocol: "tcp",
                fromPort: containerPort,
                toPort: containerPort,
                description: "To the app port of the tasks",
            },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-tasks-from-alb`,
            {
                securityGroupId: taskSecurityGroup.id,
                referencedSecurityGroupId: albSecurityGroup.id,
                ipProtocol: "tcp",
                fromPort: containerPort,
                toPort: containerPort,
                description: "The app port from the load balancer",
            },
            { parent: this },
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-tasks-https`,
            {
                securityGroupId: taskSecurityGroup.id,
                cidrIpv4: "0.0.0.0/0",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                description: "HTTPS to AWS APIs: S3 (through the gateway endpoint), ECR, CloudWatch Logs, STS",
            },
            { parent: this },
        );

        const grant = args.fileSystem.grantAccess(
            name,
            { accessPoint: args.accessPoint, role: taskRole, clientSecurityGroupId: taskSecurityGroup.id },
            { parent: this },
        );

        let image: pulumi.Output<string>;
        if (args.image !== undefined) {
            image = pulumi.output(args.image);
        } else {
            const repository = new aws.ecr.Repository(
                `${name}-repository`,
                {
                    imageScanningConfiguration: { scanOnPush: true },
                    imageTagMutability: "MUTABLE",
                    encryptionConfigurations: [{ encryptionType: "AES256" }],
                    forceDelete: !(args.deletionProtection ?? true),
                },
                { parent: this },
            );
            const build = args.build ?? { context: ".", dockerfile: "app/Dockerfile" };
            // The task definition names the image by digest, so a new build always rolls the service.
            image = new awsx.ecr.Image(
                `${name}-image`,
                {
                    repositoryUrl: repository.repositoryUrl,
                    context: build.context,
                    dockerfile: build.dockerfile,
                    platform: "linux/amd64",
                    args: { APP_UID: String(grant.posixUser.uid), APP_GID: String(grant.posixUser.gid) },
                },
                { parent: this },
            ).imageUri;
        }

        const serviceEnvironment: Record<string, pulumi.Input<string>> = {
            DATA_DIR: EFS_MOUNT_PATH,
            BUCKET: args.bucket.bucketName,
            ARCHIVE_PREFIX: archivePrefix,
            AWS_REGION: region,
            PORT: String(containerPort),
        };
        const environment = { ...args.environment, ...serviceEnvironment };

        const taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                // Derived from project and stack so that two stacks in one account never share a family.
                family: `${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
                cpu: String(cpu),
                memory: String(memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                volumes: [grant.volume],
                containerDefinitions: pulumi.jsonStringify([
                    {
                        name: "app",
                        image,
                        essential: true,
                        command: ["serve"],
                        user: `${grant.posixUser.uid}:${grant.posixUser.gid}`,
                        readonlyRootFilesystem: true,
                        portMappings: [{ containerPort, protocol: "tcp" }],
                        environment: Object.entries(environment)
                            .sort(([a], [b]) => a.localeCompare(b))
                            .map(([key, value]) => ({ name: key, value })),
                        mountPoints: [{ sourceVolume: grant.volume.name, containerPath: EFS_MOUNT_PATH, readOnly: false }],
                        healthCheck: {
                            command: ["CMD", "node", "-e", `fetch("http://127.0.0.1:${containerPort}/healthz").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
                            interval: 30,
                            timeout: 5,
                            retries: 3,
                            startPeriod: 30,
                        },
                        stopTimeout: 60,
                        logConfiguration: {
                            logDriver: "awslogs",
                            options: { "awslogs-group": logGroup.name, "awslogs-region": region, "awslogs-stream-prefix": "app" },
                        },
                    },
                ]),
            },
            { parent: this },
        );

        const loadBalancer = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                securityGroups: [albSecurityGroup.id],
                subnets: args.publicSubnetIds,
                dropInvalidHeaderFields: true,
                enableDeletionProtection: args.deletionProtection ?? true,
                // Large uploads stream through the load balancer; the default 60 s cuts slow clients off.
                idleTimeout: 300,
            },
            { parent: this },
        );
        const targetGroup = new aws.lb.TargetGroup(
            `${name}-tg`,
            {
                vpcId: args.vpcId,
                targetType: "ip",
                port: containerPort,
                protocol: "HTTP",
                deregistrationDelay: 30,
                healthCheck: { path: "/healthz", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
            },
            { parent: this },
        );
        const listeners: aws.lb.Listener[] = [];
        if (https) {
            listeners.push(
                new aws.lb.Listener(
                    `${name}-https`,
                    {
                        loadBalancerArn: loadBalancer.arn,
                        port: 443,
                        protocol: "HTTPS",
                        sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                        certificateArn: args.certificateArn,
                        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
                    },
                    { parent: this },
                ),
                new aws.lb.Listener(
                    `${name}-http-redirect`,
                    {
                        loadBalancerArn: loadBalancer.arn,
                        port: 80,
                        protocol: "HTTP",
                        defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                    },
                    { parent: this },
                ),
            );
        } else {
            listeners.push(
                new aws.lb.Listener(
                    `${name}-http`,
                    {
                        loadBalancerArn: loadBalancer.arn,
                        port: 80,
                        protocol: "HTTP",
                        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
                    },
                    { parent: this },
                ),
            );
        }

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: cluster.arn,
                taskDefinition: taskDefinition.arn,
                desiredCount,
                launchType: "FARGATE",
                // 1.4.0 is the first platform version that mounts EFS, and the first with TLS for it.
                platformVersion: "1.4.0",
                networkConfiguration: {
                    subnets: args.privateSubnetIds,
                    securityGroups: [taskSecurityGroup.id],
                    assignPublicIp: false,
                },
                loadBalancers: [{ targetGroupArn: targetGroup.arn, containerName: "app", containerPort }],
                healthCheckGracePeriodSeconds: 60,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                enableExecuteCommand: false,
                propagateTags: "SERVICE",
                waitForSteadyState: true,
            },
            // Autoscaling owns desiredCount once the service runs.
            // Tasks start only once they can pull, log, mount and archive: a task that starts earlier fails its
            // health check and counts against the circuit breaker.
            { parent: this, dependsOn: [...listeners, ...grant.ready, executionPolicy, archiveAccess], ignoreChanges: ["desiredCount"] },
        );

        const scalingTarget = new aws.appautoscaling.Target(
            `${name}-scaling-target`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
                minCapacity: minCount,
                maxCapacity: maxCount,
            },
            { parent: this },
        );
        new aws.appautoscaling.Policy(
            `${name}-cpu-scaling`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: scalingTarget.serviceNamespace,
                scalableDimension: scalingTarget.scalableDimension,
                resourceId: scalingTarget.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                    targetValue: args.cpuTargetPercent ?? 60,
                    scaleInCooldown: 300,
                    scaleOutCooldown: 60,
                },
            },
            { parent: this },
        );

        const drainSchedule = args.drainSchedule ?? "rate(1 hour)";
        if (drainSchedule !== false) {
            const schedulerRole = new aws.iam.Role(
                `${name}-drain-scheduler-role`,
                {
                    assumeRolePolicy: aws.getCallerIdentityOutput({}, { parent: this }).accountId.apply((account) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                {
                                    Effect: "Allow",
                                    Principal: { Service: "scheduler.amazonaws.com" },
                                    Action: "sts:AssumeRole",
                                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                                },
                            ],
                        }),
                    ),
                },
                { parent: this },
            );
            new aws.iam.RolePolicy(
                `${name}-drain-scheduler-access`,
                {
                    role: schedulerRole.name,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "RunTheDrainTask",
                                Effect: "Allow",
                                Action: "ecs:RunTask",
                                Resource: taskDefinition.arn,
                                Condition: { ArnEquals: { "ecs:cluster": cluster.arn } },
                            },
                            { Sid: "PassTheTaskRoles", Effect: "Allow", Action: "iam:PassRole", Resource: [executionRole.arn, taskRole.arn] },
                        ],
                    }),
                },
                { parent: this },
            );
            new aws.scheduler.Schedule(
                `${name}-drain`,
                {
                    description: `Runs "archive --once" on ${name}'s task definition: drains EFS to S3 even when no service task runs`,
                    scheduleExpression: drainSchedule,
                    flexibleTimeWindow: { mode: "FLEXIBLE", maximumWindowInMinutes: 15 },
                    // The universal target calls ecs:RunTask with exactly this request, command override included
                    // (the templated ECS target has no field for container overrides).
                    target: {
                        arn: "arn:aws:scheduler:::aws-sdk:ecs:runTask",
                        roleArn: schedulerRole.arn,
                        input: pulumi.jsonStringify({
                            Cluster: cluster.arn,
                            TaskDefinition: taskDefinition.arn,
                            LaunchType: "FARGATE",
                            PlatformVersion: "1.4.0",
                            Count: 1,
                            NetworkConfiguration: {
                                AwsvpcConfiguration: {
                                    Subnets: args.privateSubnetIds,
                                    SecurityGroups: [taskSecurityGroup.id],
                                    AssignPublicIp: "DISABLED",
                                },
                            },
                            Overrides: { ContainerOverrides: [{ Name: "app", Command: ["archive", "--once"] }] },
                        }),
                        retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
                    },
                },
                { parent: this, dependsOn: grant.ready },
            );
        }

        this.url = pulumi.interpolate`${https ? "https" : "http"}://${loadBalancer.dnsName}`;
        this.clusterName = cluster.name;
        this.serviceName = service.name;
        this.logGroupName = logGroup.name;
        this.taskRoleArn = taskRole.arn;
        this.taskSecurityGroupId = taskSecurityGroup.id;
        this.image = image;
        this.registerOutputs({
            url: this.url,
            clusterName: this.clusterName,
            serviceName: this.serviceName,
            logGroupName: this.logGroupName,
            taskRoleArn: this.taskRoleArn,
            taskSecurityGroupId: this.taskSecurityGroupId,
            image: this.image,
        });
    }
}
