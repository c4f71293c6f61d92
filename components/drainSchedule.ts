import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityProviderStrategy, runTaskStrategy } from "./capacity";
import { ServiceBucket } from "./fargateServiceArgs";
import { SharedFileSystem } from "./sharedFileSystem";
import { createTaskDefinition, TaskDefinitionArgs } from "./taskDefinition";
import { createTaskRole, RoleScope } from "./taskRoles";
import { ServiceQueue } from "./workQueue";

export interface DrainScheduleArgs {
    /** An EventBridge Scheduler expression, checked by validateServiceArgs. */
    readonly schedule: string;
    readonly cluster: aws.ecs.Cluster;
    /** The service's container settings (image, size, environment, logs); the drain runs them with `archive --once`. */
    readonly task: Omit<TaskDefinitionArgs, "taskRole" | "efs" | "command" | "publishPort" | "healthCheck">;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly fileSystem: SharedFileSystem;
    readonly accessPoint: string;
    readonly bucket: ServiceBucket;
    /** The work queue the drain consumes (and sends to, for what it finds on EFS without a message); its URLs come with the task definition. */
    readonly queue: ServiceQueue;
    /** The key prefixes the drain archives to (the uploads' and the app logs'). */
    readonly prefixes: readonly string[];
    readonly scope: RoleScope;
    /** Where the drain task runs; the cluster must be associated with its providers (`capacity`). */
    readonly capacityProviderStrategy: CapacityProviderStrategy;
    /** The cluster's capacity provider association, which RunTask needs before it can place the task. */
    readonly capacity: pulumi.Resource;
}

/**
 * One extra task with `archive --once` on a schedule, which drains whatever is left on EFS (after a crash, a
 * scale-in, or while the service runs no task) to S3 and exits. It runs under a task role of its own, granted only
 * what `archive --once` does: mount the access point read-write, write new objects and read them back to verify
 * them (no presigned downloads, so no GetObjectVersion). It has a task definition of its own — the service's
 * container with that command and role, no published port and no health check: `archive --once` serves no
 * `/healthz`, and a RunTask override cannot remove the service's check. The scheduler may start only this task
 * definition on this cluster and pass only that role and the execution role, only to ECS tasks.
 */
export function createDrainSchedule(name: string, args: DrainScheduleArgs, parent: pulumi.Resource): aws.scheduler.Schedule {
    const taskRole = createTaskRole(`${name}-drain-task-role`, args.scope, parent);
    const grantee = { name: `${name}-drain`, role: taskRole, securityGroup: args.securityGroup, parent };
    const efs = args.fileSystem.grantAccess(grantee, args.accessPoint);
    const s3 = [args.bucket.grantWrite(grantee, args.prefixes), args.bucket.grantRead(grantee, args.prefixes)];
    const queue = args.queue.connect(grantee).grants;
    const taskDefinition = createTaskDefinition(
        `${name}-drain`,
        { ...args.task, taskRole, efs, command: ["archive", "--once"], publishPort: false, healthCheck: false },
        parent,
    );
    const executionRole = args.task.executionRole;

    const schedulerRole = new aws.iam.Role(
        `${name}-drain-scheduler-role`,
        {
            assumeRolePolicy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "scheduler.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": args.scope.account } },
                    },
                ],
            }),
        },
        { parent },
    );
    const access = new aws.iam.RolePolicy(
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
                        Condition: { ArnEquals: { "ecs:cluster": args.cluster.arn } },
                    },
                    {
                        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
                        Sid: "PassTheDrainRolesToEcsTasks",
                        Effect: "Allow",
                        Action: "iam:PassRole",
                        Resource: [executionRole.arn, taskRole.arn],
                        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                    },
                ],
            }),
        },
        { parent },
    );
    return new aws.scheduler.Schedule(
        `${name}-drain`,
        {
            description: `Runs "archive --once" (${name}'s drain task definition): drains EFS to S3 even when no service task runs`,
            scheduleExpression: args.schedule,
            flexibleTimeWindow: { mode: "FLEXIBLE", maximumWindowInMinutes: 15 },
            // The universal target calls ecs:RunTask with exactly this request ("Input – A well-formed JSON you specify
            // with the request parameters that EventBridge Scheduler sends to the target API",
            // https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html).
            // Command and role live in the drain's own task definition, so the request needs no overrides.
            target: {
                arn: "arn:aws:scheduler:::aws-sdk:ecs:runTask",
                roleArn: schedulerRole.arn,
                input: pulumi.jsonStringify({
                    Cluster: args.cluster.arn,
                    TaskDefinition: taskDefinition.arn,
                    // RunTask, like CreateService: "If a capacityProviderStrategy is specified, the launchType
                    // parameter must be omitted." https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
                    CapacityProviderStrategy: runTaskStrategy(args.capacityProviderStrategy),
                    PlatformVersion: "1.4.0",
                    Count: 1,
                    NetworkConfiguration: {
                        AwsvpcConfiguration: { Subnets: args.subnetIds, SecurityGroups: [args.securityGroup.id], AssignPublicIp: "DISABLED" },
                    },
                }),
                retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
            },
        },
        { parent, dependsOn: [...efs.ready, ...s3, ...queue, access, args.capacity] },
    );
}
