/**
 * The archived app logs as Athena sees them (columns, key layout) and the named queries an operator runs on them.
 * Kept apart from the component so that specs can parse and run the very text the workgroup stores
 * (test/analytics/logQueries.spec.ts).
 */

/**
 * Where archived logs live, relative to the bucket, in `storage.location.template` syntax. Must equal the app's
 * `ARCHIVED_LOG_KEY_TEMPLATE` (app/src/observability/logKey.ts), which writes the keys; a program spec compares the two.
 */
export const LOG_KEY_TEMPLATE = "logs/${task}/${dt}/";

/** The `dt` segment's format (Java DateTimeFormatter, as Athena's date projection reads it); the app's too. */
export const LOG_DATE_FORMAT = "yyyy/MM/dd";

/**
 * The app's log fields (app/src/observability/log.ts, archiveItem.ts, archiver.ts) as Hive columns. Lower case: Hive column names
 * are, and the OpenX JSON SerDe matches JSON keys case-insensitively by default. `task` is not a column: it is the
 * partition key, taken from the key (a partition column may not repeat a data column).
 * https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html
 */
export const LOG_COLUMNS: readonly { readonly name: string; readonly type: string; readonly comment: string }[] = [
    { name: "time", type: "string", comment: "ISO 8601 UTC timestamp of the line" },
    { name: "level", type: "string", comment: "info, warn or error" },
    { name: "msg", type: "string", comment: "what happened, a fixed phrase per event" },
    { name: "uploadid", type: "string", comment: "the upload (or log item) the line is about" },
    { name: "key", type: "string", comment: "the S3 key archived" },
    { name: "size", type: "bigint", comment: "bytes archived" },
    { name: "ms", type: "bigint", comment: "milliseconds an archive took" },
    { name: "reason", type: "string", comment: "why an item was quarantined" },
    { name: "error", type: "string", comment: "the error message of a failure" },
    { name: "errorname", type: "string", comment: "the error's class" },
    { name: "attempt", type: "int", comment: "the archive attempt that failed" },
];

/** The partition keys, in the order of the key template. */
export const LOG_PARTITION_KEYS = [
    { name: "task", type: "string", comment: "the task id (TASK_ID) that wrote the log; projected as injected" },
    { name: "dt", type: "string", comment: "UTC day of the log file's last write, yyyy/MM/dd; projected as a date" },
] as const;

/** The table's name inside the component's Glue database. */
export const LOG_TABLE = "app_logs";

/**
 * The named queries. `task` is projected as `injected`, so Athena runs a query only with static equality on it: each
 * query takes the task id as its one execution parameter (`?`). The day range keeps the scan to the last week.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-dynamic-id-partitioning.html
 * https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
 */
export const NAMED_QUERIES: Readonly<Record<string, { readonly description: string; readonly sql: string }>> = {
    "errors-per-task-per-hour": {
        description: "Error lines of one task (execution parameter: the task id) per hour, over the last 7 days",
        sql: `SELECT task, date_trunc('hour', from_iso8601_timestamp("time")) AS hour, count(*) AS errors
FROM ${LOG_TABLE}
WHERE task = ? AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y/%m/%d') AND level = 'error'
GROUP BY 1, 2
ORDER BY hour DESC`,
    },
    "slowest-archives": {
        description: "The 20 slowest archives of one task (execution parameter: the task id) over the last 7 days",
        sql: `SELECT uploadid, "key", size, ms
FROM ${LOG_TABLE}
WHERE task = ? AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y/%m/%d') AND msg = 'archived'
ORDER BY ms DESC
LIMIT 20`,
    },
    "quarantines": {
        description: "Uploads one task (execution parameter: the task id) quarantined over the last 7 days, and why",
        sql: `SELECT "time", uploadid, reason
FROM ${LOG_TABLE}
WHERE task = ? AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y/%m/%d') AND msg = 'quarantined'
ORDER BY "time" DESC`,
    },
};
