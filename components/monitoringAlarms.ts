import * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_DIMENSION, APP_METRICS_NAMESPACE, AppMetric } from "../app/src/contract";
import { efsAlarms, MonitoringArgs, monitoringDefaults } from "./monitoringArgs";

/** One CloudWatch metric as an alarm, a scaling policy or a dashboard reads it. */
export interface MetricRef {
    readonly namespace: string;
    readonly name: string;
    readonly dimensions: Readonly<Record<string, pulumi.Input<string>>>;
    /** `Sum`, `Average`, `Maximum`, `Minimum`, or a percentile such as `p99`. */
    readonly stat: string;
}

/** An alarm as data: one metric, or an expression over named metrics (metric math). */
export interface AlarmSpec {
    /** Stable role; the alarm is named `${monitoring}-${role}`. */
    readonly role: string;
    /** What it means and what to do, shown in the notification. */
    readonly description: string;
    readonly metric?: MetricRef;
    readonly expression?: { readonly expr: string; readonly label: string; readonly metrics: Readonly<Record<string, MetricRef>> };
    readonly comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    readonly threshold: number;
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
    readonly treatMissingData: "missing" | "notBreaching" | "breaching" | "ignore";
}

const MiB = 1024 * 1024;
/** One hour of bursting at the 100 MiB/s floor, in bytes: below it, a busy hour empties the credits. */
export const BURST_CREDIT_FLOOR_BYTES = 100 * MiB * 3600;
const DOCTOR = "Run `npm run doctor -- --stack <stack>` (README, Doctor) for the checklist.";

/** Every alarm of the stack, from its args; pure, so that specs can read the set without mocks. */
export function alarmSpecs(args: MonitoringArgs): AlarmSpec[] {
    const s = monitoringDefaults(args);
    const efs = { FileSystemId: args.fileSystemId };
    const alb = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix };
    const app = (metric: AppMetric, stat = "Maximum"): MetricRef => ({
        namespace: APP_METRICS_NAMESPACE,
        name: APP_METRICS[metric].name,
        dimensions: { [APP_METRICS_DIMENSION]: args.services[0].metricsServiceName },
        stat,
    });
    const tasksOf = (svc: MonitoringArgs["services"][number], name: string): MetricRef => ({
        namespace: "ECS/ContainerInsights",
        name,
        dimensions: { ClusterName: svc.clusterName, ServiceName: svc.serviceName },
        stat: "Average",
    });
    const specs: AlarmSpec[] = [];
    const every = { periodSeconds: 60 };

    for (const role of efsAlarms(args.throughputMode, args.performanceMode)) {
        if (role === "efs-throughput-utilization") {
            specs.push({
                role, ...every, evaluationPeriods: 15, datapointsToAlarm: 15, comparison: "GreaterThanThreshold", threshold: 80, treatMissingData: "notBreaching",
                description: `EFS throughput above 80% of what the file system may drive (${args.throughputMode}) for 15 minutes: uploads and archiving slow down, then stall. With bursting, check BurstCreditBalance and consider elastic; with provisioned, raise efsProvisionedThroughputMibps; with elastic, find the client that reads or writes most (DataReadIOBytes, DataWriteIOBytes on the dashboard).`,
                expression: {
                    expr: "100 * (metered / PERIOD(metered)) / permitted",
                    label: "Throughput utilisation (%)",
                    metrics: { metered: { namespace: "AWS/EFS", name: "MeteredIOBytes", dimensions: efs, stat: "Sum" }, permitted: { namespace: "AWS/EFS", name: "PermittedThroughput", dimensions: efs, stat: "Average" } },
                },
            });
        } else if (role === "efs-client-connections") {
            const tasks = Object.fromEntries(args.services.map((svc, i) => [`tasks${i}`, tasksOf(svc, "RunningTaskCount")]));
            specs.push({
                role, ...every, evaluationPeriods: 5, datapointsToAlarm: 5, comparison: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
                description: `No NFS client connected to EFS for 5 minutes while tasks run: the tasks cannot mount (the article's "Mount timeout"). ${DOCTOR} It checks that the EFS security group admits TCP 2049 from the task security group, that every task subnet's AZ has an available mount target, that the VPC has DNS support and hostnames, and it translates the stopped tasks' ResourceInitializationError.`,
                // No FILL: what FILL does for a metric with no data point at all in the window (a file system never mounted,
                // the case this alarm exists for) is not documented. What is: "When comparison operators are used between
                // two time series, and only one of the time series has a value for a particular time stamp, the function
                // treats the missing value in the other time series as 0", and for arithmetic "Missing values in a time
                // series are treated as 0". https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
                // So at every minute a task runs, (running >= 1) is 1 and is compared with the connections, 0 when missing.
                expression: {
                    expr: `(${Object.keys(tasks).join(" + ")} >= 1) > connections`,
                    label: "Tasks running with no EFS client connection (1 = yes)",
                    metrics: { connections: { namespace: "AWS/EFS", name: "ClientConnections", dimensions: efs, stat: "Sum" }, ...tasks },
                },
            });
        } else if (role === "efs-percent-io-limit") {
            specs.push({
                role, ...every, metric: { namespace: "AWS/EFS", name: "PercentIOLimit", dimensions: efs, stat: "Maximum" },
                evaluationPeriods: 15, datapointsToAlarm: 10, comparison: "GreaterThanThreshold", threshold: 90, treatMissingData: "notBreaching",
                description: "EFS is above 90% of the General Purpose I/O limit for 10 of 15 minutes: metadata-heavy work (many small uploads, a large backlog scan) queues. Spread the load over time, reduce ARCHIVE_CONCURRENCY, or move to elastic throughput (efsThroughputMode: elastic), which lifts the limit.",
            });
        } else {
            specs.push({
                role, periodSeconds: 300, metric: { namespace: "AWS/EFS", name: "BurstCreditBalance", dimensions: efs, stat: "Minimum" },
                evaluationPeriods: 3, datapointsToAlarm: 3, comparison: "LessThanThreshold", threshold: BURST_CREDIT_FLOOR_BYTES, treatMissingData: "missing",
                description: "EFS burst credits below one hour of bursting at 100 MiB/s: once they are gone the file system drops to its baseline (50 KiB/s per GiB stored) and uploads and archiving crawl. Switch to efsThroughputMode: elastic (pay per use) or provisioned, or reduce the throughput the app drives.",
            });
        }
    }

    specs.push(
        {
            role: "alb-target-5xx-rate", ...every, evaluationPeriods: 5, datapointsToAlarm: 3, comparison: "GreaterThanThreshold", threshold: s.errorRatePercent, treatMissingData: "notBreaching",
            description: `More than ${s.errorRatePercent}% of requests answered 5xx by the tasks in 3 of 5 minutes. Read the log group for "level":"error" lines: a 503 with BACKLOG_MAX_BYTES is backpressure (see the backlog alarm), "Permission denied" on DATA_DIR means the access point's POSIX user differs from the container user (doctor check posix-user), "Access Denied" from S3 means the task role lacks the prefix (doctor check archive-access).`,
            expression: {
                expr: "100 * FILL(errors, 0) / requests",
                label: "Target 5xx (% of requests)",
                metrics: { errors: { namespace: "AWS/ApplicationELB", name: "HTTPCode_Target_5XX_Count", dimensions: alb, stat: "Sum" }, requests: { namespace: "AWS/ApplicationELB", name: "RequestCount", dimensions: alb, stat: "Sum" } },
            },
        },
        {
            role: "alb-unhealthy-hosts", ...every, metric: { namespace: "AWS/ApplicationELB", name: "UnHealthyHostCount", dimensions: alb, stat: "Maximum" },
            evaluationPeriods: 3, datapointsToAlarm: 3, comparison: "GreaterThanOrEqualToThreshold", threshold: 1, treatMissingData: "notBreaching",
            description: "A task fails the load balancer's /healthz for 3 minutes: the process hangs or DATA_DIR (EFS) is not writable. Compare /status from inside the VPC; if EFS is unwritable, " + DOCTOR,
        },
        {
            role: "alb-p99-latency", ...every, metric: { namespace: "AWS/ApplicationELB", name: "TargetResponseTime", dimensions: alb, stat: "p99" },
            evaluationPeriods: 5, datapointsToAlarm: 5, comparison: "GreaterThanThreshold", threshold: s.latencyP99Seconds, treatMissingData: "notBreaching",
            description: `p99 target response time above ${s.latencyP99Seconds} s for 5 minutes (uploads stream their body, so large slow uploads count). If EFS throughput utilisation or PercentIOLimit is high too, EFS is the bound; otherwise check task CPU and scale-out (maxCount).`,
        },
    );

    for (const svc of args.services) {
        specs.push(
            {
                role: `${svc.role}-running-below-desired`, ...every, evaluationPeriods: 10, datapointsToAlarm: 10, comparison: "GreaterThanThreshold", threshold: 0, treatMissingData: "missing",
                description: `The ${svc.role} service runs fewer tasks than desired for 10 minutes: tasks fail to start or keep stopping. ${DOCTOR} Its stopped-tasks check translates stop reasons: ResourceInitializationError (EFS mount: mount targets, DNS, security groups), CannotPullContainerError (route to ECR), an exit code (the log group).`,
                expression: { expr: "desired - running", label: "Desired minus running tasks", metrics: { desired: tasksOf(svc, "DesiredTaskCount"), running: tasksOf(svc, "RunningTaskCount") } },
            },
            ...(["CPUUtilization", "MemoryUtilization"] as const).map(
                (name): AlarmSpec => ({
                    role: `${svc.role}-${name === "CPUUtilization" ? "cpu" : "memory"}-high`, ...every,
                    metric: { namespace: "AWS/ECS", name, dimensions: { ClusterName: svc.clusterName, ServiceName: svc.serviceName }, stat: "Average" },
                    evaluationPeriods: 10, datapointsToAlarm: 10, comparison: "GreaterThanThreshold", threshold: s.utilizationPercent, treatMissingData: "missing",
                    description: `${svc.role} tasks average above ${s.utilizationPercent}% ${name === "CPUUtilization" ? "CPU" : "memory"} for 10 minutes although scaling adds tasks: the service is at maxCount, or each task is too small. Raise maxCount, or cpu/memory (a Fargate size pair).`,
                }),
            ),
        );
    }

    specs.push(
        {
            role: "app-backlog-bytes", ...every, metric: app("backlogBytes"), evaluationPeriods: 5, datapointsToAlarm: 5, comparison: "GreaterThanThreshold",
            threshold: Math.floor((args.backlogLimitBytes * s.backlogAlarmPercent) / 100), treatMissingData: "missing",
            description: `The EFS backlog is above ${s.backlogAlarmPercent}% of backlogLimitBytes (${args.backlogLimitBytes} bytes) for 5 minutes; at 100% uploads get 503. Archiving is slower than ingest or stopped: check the archive failures and S3 reachability (/status), "Access Denied" from S3 (doctor check archive-access), and whether scaling reached maxCount.`,
        },
        {
            role: "app-oldest-item", ...every, metric: app("oldestBacklogAge"), evaluationPeriods: 3, datapointsToAlarm: 3, comparison: "GreaterThanThreshold",
            threshold: s.oldestItemMinutes * 60, treatMissingData: "missing",
            description: `An item has waited on EFS for more than ${s.oldestItemMinutes} minutes: archiving is stuck (S3 unreachable or denied, a lease held by a dead task) although the backlog may be small. Read the log lines with its uploadId; check S3 from /status and the task role (doctor check archive-access).`,
        },
        {
            role: "app-quarantine", ...every, metric: app("quarantinedFiles"), evaluationPeriods: 1, datapointsToAlarm: 1, comparison: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching",
            description: "An item is in uploads/quarantine on EFS: it could not be processed or S3 refused to confirm it, and it will not be retried. Read uploads/quarantine/<id>/reason.json (and the log lines with that uploadId), fix the cause, then move the directory back to uploads/incoming to retry or delete it.",
        },
    );
    if (args.queue) specs.push(...queueAlarmSpecs(args.queue, s.oldestItemMinutes));
    return specs;
}

/**
 * issue 19: the work queue's own metrics. SQS publishes them to CloudWatch every minute, and stops for a queue
 * inactive for six hours (an idle queue is not an alarm: missing data is not breaching).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
 */
export function queueAlarmSpecs(queue: NonNullable<MonitoringArgs["queue"]>, oldestItemMinutes: number): AlarmSpec[] {
    const sqs = (queueName: pulumi.Input<string>, name: string, stat: string): MetricRef => ({ namespace: "AWS/SQS", name, dimensions: { QueueName: queueName }, stat });
    return [
        {
            role: "queue-oldest-message", periodSeconds: 60, metric: sqs(queue.queueName, "ApproximateAgeOfOldestMessage", "Maximum"), evaluationPeriods: 3, datapointsToAlarm: 3,
            comparison: "GreaterThanThreshold", threshold: oldestItemMinutes * 60, treatMissingData: "notBreaching",
            description: `The oldest message on the work queue has waited more than ${oldestItemMinutes} minutes (monitoring.oldestItemMinutes): its item is durable on EFS but nobody archives it. S3 unreachable or denied (/status, doctor check archive-access), no task running (running-below-desired), or scaling at maxCount. A message received three times without being deleted no longer counts here (SQS moves it to the back); the dead-letter alarm catches those.`,
        },
        {
            // The app keeps dead letters (the operator clears them), but each task's look hides what it takes for 30 s
            // (archiver.ts, deadLetters), so a one-minute sample of the depth may miss them; its receives are not missed. Redrive moves do not count in NumberOfMessagesSent, and are seen
            // as depth until a task receives them. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/dead-letter-queues-alarms-cloudwatch.html
            role: "queue-dead-letters", periodSeconds: 60, evaluationPeriods: 1, datapointsToAlarm: 1, comparison: "GreaterThanThreshold", threshold: 0, treatMissingData: "notBreaching",
            description: "A message reached the work queue's dead-letter queue: its item was received maxReceiveCount times without being archived (it failed every time, or killed the task working on it). The app quarantines it under uploads/quarantine/<id> with its receive count and last error: read reason.json and the log lines with that uploadId. A depth that stays above 0 means no task consumes the dead-letter queue.",
            expression: {
                expr: "FILL(depth, 0) + FILL(received, 0)",
                label: "Dead-letter messages waiting or taken for quarantine",
                metrics: { depth: sqs(queue.deadLetterQueueName, "ApproximateNumberOfMessagesVisible", "Maximum"), received: sqs(queue.deadLetterQueueName, "NumberOfMessagesReceived", "Sum") },
            },
        },
    ];
}
