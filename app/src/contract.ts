/**
 * The app's published contract: what the Pulumi program must agree on with the app, in one small module both sides
 * import (the app from its own source; components/monitoring*.ts, components/taskDefinition.ts and
 * components/architecture.ts from `app/src/contract`). The CloudWatch metrics the app emits (observability/emf.ts) and
 * the alarms, dashboard and scaling policies read, and the shutdown timings the task definition's `stopTimeout`
 * follows. Plain data, no imports, so both sides can load it. Renaming a metric here renames it everywhere at once.
 */
export const APP_METRICS_NAMESPACE = "FargateEfsS3/App";

/**
 * The one dimension every app metric carries: the service the task belongs to (`METRICS_SERVICE_NAME`, set by the
 * Pulumi program to `<stack>-<component>`). The task id is a property of each record, never a dimension: each
 * distinct dimension combination is a custom metric billed at $0.30/month, and tasks churn with every deployment
 * and scaling step (see app/README.md).
 */
export const APP_METRICS_DIMENSION = "ServiceName";

/** Each metric: its name and CloudWatch unit. Gauges are measured on EFS (all tasks' work); counts are per interval. */
export const APP_METRICS = {
    /** Gauge: items on EFS waiting to be archived (incoming + claimed), the same figure from every task. */
    backlogFiles: { name: "BacklogFiles", unit: "Count" },
    /** Gauge: their bytes; uploads get 503 once this reaches BACKLOG_MAX_BYTES. */
    backlogBytes: { name: "BacklogBytes", unit: "Bytes" },
    /** Gauge: age of the oldest waiting item (its original's mtime), 0 when nothing waits. */
    oldestBacklogAge: { name: "OldestBacklogAgeSeconds", unit: "Seconds" },
    /** Gauge: items in uploads/quarantine (all tasks). */
    quarantinedFiles: { name: "QuarantinedFiles", unit: "Count" },
    /** Count in the interval: files this task archived to S3 and removed from EFS. */
    archivedFiles: { name: "ArchivedFiles", unit: "Count" },
    /** Count in the interval: their bytes. */
    archivedBytes: { name: "ArchivedBytes", unit: "Bytes" },
    /** Count in the interval: failed archive attempts (retried or quarantined). */
    archiveFailures: { name: "ArchiveFailures", unit: "Count" },
    /** Count in the interval: uploads refused (4xx, 503 for a full backlog). */
    uploadsRejected: { name: "UploadsRejected", unit: "Count" },
    /** Count in the interval: uploads acknowledged with 202. */
    uploadsAccepted: { name: "UploadsAccepted", unit: "Count" },
} as const;

export type AppMetric = keyof typeof APP_METRICS;

/** BACKLOG_MAX_BYTES when unset: uploads get 503 above it; the backlog alarm's threshold is a share of it. */
export const DEFAULT_BACKLOG_MAX_BYTES = 10 * 1024 ** 3;

/**
 * The container's `stopTimeout` in the task definition (components/taskDefinition.ts reads it here): after SIGTERM,
 * ECS waits this long before SIGKILL. Fargate allows at most 120 s, and Fargate Spot sends the same SIGTERM two
 * minutes before it reclaims the task.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html ("stopTimeout … Time duration
 * (in seconds) to wait before the container is forcefully killed if it doesn't exit normally on its own. … For tasks
 * using the Fargate launch type, the max stop timeout value is 120 seconds")
 */
export const STOP_TIMEOUT_SECONDS = 60;

/**
 * Seconds after SIGTERM by which the app has exited (app/src/shutdown.ts): by then it stopped accepting, handed its
 * work back, flushed its logs and last metrics and retired its heartbeat, and gave open requests what was left. The
 * margin below STOP_TIMEOUT_SECONDS is for the process's own exit and stdout reaching the log driver.
 */
export const SHUTDOWN_DEADLINE_SECONDS = STOP_TIMEOUT_SECONDS - 10;

/**
 * How long each of a consumer's ReceiveMessage calls on the work queue waits for a message (app/src/archive/archiver.ts):
 * an idle task sends one every this many seconds. Not SQS's 20 s maximum: a stopping task waits for the poll in
 * progress instead of aborting it. The cost model (tools/cost/model.ts) prices the idle polls from it.
 */
export const WORK_QUEUE_POLL_WAIT_SECONDS = 5;

/**
 * The longest a consumer waits between looks at the dead-letter queue (shorter when the work queue's visibility timeout
 * is): each look is one ReceiveMessage when the dead-letter queue is empty. The cost model prices the looks from it.
 */
export const DEAD_LETTER_LOOK_MAX_SECONDS = 60;
