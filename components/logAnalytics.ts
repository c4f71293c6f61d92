import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket } from "./archiveBucket";
import { LOG_COLUMNS, LOG_DATE_FORMAT, LOG_KEY_TEMPLATE, LOG_PARTITION_KEYS, LOG_TABLE, NAMED_QUERIES } from "./logQueries";
import { Problem, throwIfProblems } from "./validation";

/** Where the workgroup writes query results, inside the archive bucket; the bucket expires them (expiringPrefixes). */
export const ATHENA_RESULTS_PREFIX = "athena-results/";
/** Days a query result is kept: long enough to download it again, short enough not to pile up. */
export const ATHENA_RESULTS_EXPIRATION_DAYS = 7;

export interface LogAnalyticsArgs {
    /**
     * The bucket the app archives its logs to (under `logs/`); results go to its `athena-results/` prefix. Only its
     * name and its default-encryption key are used: an ArchiveBucket, or those two of a bucket made elsewhere.
     */
    readonly bucket: Pick<ArchiveBucket, "bucketName" | "kmsKeyArn">;
    /**
     * Days back from today that the table projects: older days are not queried. Must not exceed the days after
     * which the bucket's lifecycle moves objects to Glacier (Athena cannot read Glacier objects). Defaults to 30.
     */
    readonly logQueryDays?: number;
    /** A query that would scan more than this many bytes is cancelled (Athena's minimum is 10 MB). Defaults to 1 GiB. */
    readonly bytesScannedCutoffPerQuery?: number;
}

export function logAnalyticsDefaults(args: Omit<LogAnalyticsArgs, "bucket">): { logQueryDays: number; bytesScannedCutoffPerQuery: number } {
    return { logQueryDays: args.logQueryDays ?? 30, bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery ?? 1024 ** 3 };
}

/** Athena's floor for a workgroup's per-query limit. https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html */
const MIN_CUTOFF_BYTES = 10 * 1024 * 1024;

export function validateLogAnalyticsArgs(args: Omit<LogAnalyticsArgs, "bucket">): Problem[] {
    const { logQueryDays, bytesScannedCutoffPerQuery } = logAnalyticsDefaults(args);
    const problems: Problem[] = [];
    if (!Number.isInteger(logQueryDays) || logQueryDays < 1) {
        problems.push({ property: "logQueryDays", reason: `must be a whole number of days, at least 1; got ${JSON.stringify(logQueryDays)}` });
    }
    if (!Number.isInteger(bytesScannedCutoffPerQuery) || bytesScannedCutoffPerQuery < MIN_CUTOFF_BYTES) {
        problems.push({ property: "bytesScannedCutoffPerQuery", reason: `must be a whole number of bytes, at least ${MIN_CUTOFF_BYTES} (Athena's minimum); got ${JSON.stringify(bytesScannedCutoffPerQuery)}` });
    }
    return problems;
}

/** A Glue/Athena name from the stack's: lower case, letters, digits and underscores only (no quoting needed). */
function catalogName(...parts: string[]): string {
    return parts.join("_").toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/**
 * The archived app logs registered for Athena: a Glue table over `logs/` with partition projection (no crawler, no
 * MSCK REPAIR), and a workgroup that enforces its result location, encryption and scan limit, with named queries.
 * Grants nobody anything: operators query with their own identities (athena:*, glue:Get*, s3:GetObject on logs/,
 * s3:PutObject on athena-results/).
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html
 */
export class LogAnalytics extends pulumi.ComponentResource {
    public readonly databaseName: pulumi.Output<string>;
    public readonly tableName: pulumi.Output<string>;
    public readonly workgroupName: pulumi.Output<string>;

    constructor(name: string, args: LogAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:analytics:LogAnalytics", name, {}, opts);
        throwIfProblems(`LogAnalytics "${name}"`, validateLogAnalyticsArgs(args));
        const { logQueryDays, bytesScannedCutoffPerQuery } = logAnalyticsDefaults(args);
        const bucket = args.bucket.bucketName;

        const database = new aws.glue.CatalogDatabase(
            `${name}-database`,
            { name: catalogName(pulumi.getProject(), pulumi.getStack(), name), description: "The archived app logs, for Athena" },
            { parent: this },
        );

        const table = new aws.glue.CatalogTable(
            `${name}-table`,
            {
                databaseName: database.name,
                name: LOG_TABLE,
                tableType: "EXTERNAL_TABLE",
                parameters: {
                    EXTERNAL: "TRUE",
                    classification: "json",
                    "projection.enabled": "true",
                    "projection.task.type": "injected",
                    "projection.dt.type": "date",
                    "projection.dt.format": LOG_DATE_FORMAT,
                    // Relative to the query's time (NOW-<n>DAYS): the window moves by itself, and matches the Glacier check.
                    // https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html
                    "projection.dt.range": `NOW-${logQueryDays}DAYS,NOW`,
                    "projection.dt.interval": "1",
                    "projection.dt.interval.unit": "DAYS",
                    "storage.location.template": pulumi.interpolate`s3://${bucket}/${LOG_KEY_TEMPLATE}`,
                },
                partitionKeys: LOG_PARTITION_KEYS.map((k) => ({ ...k })),
                storageDescriptor: {
                    location: pulumi.interpolate`s3://${bucket}/logs/`,
                    inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
                    outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                    serDeInfo: {
                        serializationLibrary: "org.openx.data.jsonserde.JsonSerDe",
                        // A line cut short by a crash must not fail every query over its day.
                        parameters: { "ignore.malformed.json": "true" },
                    },
                    columns: LOG_COLUMNS.map((c) => ({ ...c })),
                },
            },
            { parent: this },
        );

        const key = args.bucket.kmsKeyArn;
        const workgroup = new aws.athena.Workgroup(
            `${name}-workgroup`,
            {
                name: catalogName(pulumi.getProject(), pulumi.getStack(), name),
                description: "Queries over the archived app logs",
                forceDestroy: true,
                configuration: {
                    // Clients cannot override the result location, its encryption or the scan limit.
                    enforceWorkgroupConfiguration: true,
                    publishCloudwatchMetricsEnabled: true,
                    bytesScannedCutoffPerQuery,
                    engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                    resultConfiguration: {
                        outputLocation: pulumi.interpolate`s3://${bucket}/${ATHENA_RESULTS_PREFIX}`,
                        encryptionConfiguration: key.apply((k) => (k ? { encryptionOption: "SSE_KMS", kmsKeyArn: k } : { encryptionOption: "SSE_S3" })),
                    },
                },
            },
            { parent: this },
        );

        for (const [queryName, q] of Object.entries(NAMED_QUERIES)) {
            new aws.athena.NamedQuery(
                `${name}-${queryName}`,
                { name: queryName, description: q.description, workgroup: workgroup.name, database: database.name, query: q.sql },
                { parent: this, dependsOn: [table] },
            );
        }

        this.databaseName = database.name;
        this.tableName = table.name;
        this.workgroupName = workgroup.name;
        this.registerOutputs({ databaseName: this.databaseName, tableName: this.tableName, workgroupName: this.workgroupName });
    }
}
