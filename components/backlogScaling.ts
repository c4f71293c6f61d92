import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_DIMENSION, APP_METRICS_NAMESPACE } from "../app/src/metricNames";

/**
 * Backlog files per running task that target tracking keeps the service at. The archive benchmark
 * (bench/efs/README.md) measures 225–290 archived files/s per task at 1 ms per file-system request, falling in
 * proportion as requests slow (a task waits for ~20 per file one after the other): about 100 files/s at ~3 ms, as
 * EFS documents writes "as low as" 2.7 ms on a Regional General Purpose file system and a claim's renames, creates
 * and removals are writes (https://docs.aws.amazon.com/efs/latest/ug/performance.html). So 5,000 files per task is
 * 20 s to a minute of one task's work: above it,
 * waiting work outlives the one-minute metric that sees it and another task pays off; below it, the backlog drains
 * within a minute without help. Larger files archive slower per file, which CPU scaling (alongside) catches.
 */
export const DEFAULT_BACKLOG_FILES_PER_TASK = 5000;

/**
 * The ServiceName dimension a service's tasks put on their metrics (`METRICS_SERVICE_NAME`): the stack and the
 * component, known before anything is created, unlike the ECS service's physical name, which would be a cycle
 * (the task definition would depend on the service that runs it).
 */
export function metricsServiceName(component: string): string {
    return `${pulumi.getStack()}-${component}`;
}

export interface BacklogScalingArgs {
    /** The service's scalable target (created with its CPU scaling). */
    readonly target: aws.appautoscaling.Target;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    /** The ServiceName dimension of the app's metrics for this service ({@link metricsServiceName}). */
    readonly metricsServiceName: string;
    /** Backlog files per running task to hold. Defaults to {@link DEFAULT_BACKLOG_FILES_PER_TASK}. */
    readonly filesPerTask?: number;
}

/**
 * Target tracking on backlog per task, beside the CPU policy (the larger desired count wins): the app's
 * `BacklogFiles` (Maximum: every task reports the same figure for the shared file system) divided by the service's
 * `RunningTaskCount` from Container Insights, which the cluster enables.
 * https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking-metric-math.html
 */
export function createBacklogScaling(name: string, args: BacklogScalingArgs, parent: pulumi.Resource): aws.appautoscaling.Policy {
    return new aws.appautoscaling.Policy(
        `${name}-backlog-scaling`,
        {
            policyType: "TargetTrackingScaling",
            serviceNamespace: args.target.serviceNamespace,
            scalableDimension: args.target.scalableDimension,
            resourceId: args.target.resourceId,
            targetTrackingScalingPolicyConfiguration: {
                targetValue: args.filesPerTask ?? DEFAULT_BACKLOG_FILES_PER_TASK,
                scaleInCooldown: 300,
                scaleOutCooldown: 60,
                customizedMetricSpecification: {
                    metrics: [
                        {
                            id: "backlog",
                            returnData: false,
                            metricStat: {
                                stat: "Maximum",
                                metric: {
                                    namespace: APP_METRICS_NAMESPACE,
                                    metricName: APP_METRICS.backlogFiles.name,
                                    dimensions: [{ name: APP_METRICS_DIMENSION, value: args.metricsServiceName }],
                                },
                            },
                        },
                        {
                            id: "tasks",
                            returnData: false,
                            metricStat: {
                                stat: "Average",
                                metric: {
                                    namespace: "ECS/ContainerInsights",
                                    metricName: "RunningTaskCount",
                                    dimensions: [
                                        { name: "ClusterName", value: args.clusterName },
                                        { name: "ServiceName", value: args.serviceName },
                                    ],
                                },
                            },
                        },
                        { id: "perTask", expression: "backlog / tasks", label: "Backlog files per running task", returnData: true },
                    ],
                },
            },
        },
        { parent },
    );
}
