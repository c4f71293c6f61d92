import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * Waiting items (work-queue messages, one per item) per running task that target tracking keeps a service at. AWS's
 * rule for a queue backlog target is the acceptable latency divided by the time one item takes. The archive benchmark
 * (bench/efs/README.md) measures 225–290 archived files/s per task at 1 ms per file-system request, falling in
 * proportion as requests slow (a task waits for ~20 per file one after the other): about 100 files/s at ~3 ms, as
 * EFS documents writes "as low as" 2.7 ms on a Regional General Purpose file system
 * (https://docs.aws.amazon.com/efs/latest/ug/performance.html). So 5,000 items per task is 20 s to a minute of one
 * task's work: above it, waiting work outlives the one-minute metric that sees it and another task pays off (on the
 * queue every task takes distinct messages, so a task added is throughput added); below it, the backlog drains within
 * a minute without help. Larger files archive slower per file, which CPU scaling (alongside) catches.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-using-sqs-queue.html
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
    /** The work queue's name: the `QueueName` dimension of its `AWS/SQS` metrics. */
    readonly queueName: pulumi.Input<string>;
    /** Waiting messages per running task to hold. Defaults to {@link DEFAULT_BACKLOG_FILES_PER_TASK}. */
    readonly filesPerTask?: number;
}

/**
 * Target tracking on the work queue's backlog per task, beside the CPU policy (the larger desired count wins), as
 * AWS documents it for ECS: "To calculate the Amazon SQS queue backlog per task, take the approximate number of
 * messages available for retrieval from the queue and divide that number by the number of Amazon ECS tasks running
 * in the service": `ApproximateNumberOfMessagesVisible` (Sum) over Container Insights' `RunningTaskCount` (Average),
 * which the cluster enables. Messages in flight (being archived) are not in the backlog: they have a task already.
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
                                stat: "Sum",
                                metric: {
                                    namespace: "AWS/SQS",
                                    metricName: "ApproximateNumberOfMessagesVisible",
                                    dimensions: [{ name: "QueueName", value: args.queueName }],
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
                        { id: "perTask", expression: "backlog / tasks", label: "Work-queue messages per running task", returnData: true },
                    ],
                },
            },
        },
        { parent },
    );
}
