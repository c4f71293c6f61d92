/**
 * Log analytics as a building block of the package (`fargate-efs-s3:index:LogAnalytics`). The component takes the
 * ArchiveBucket and uses only its name and its default-encryption key; here those are `bucketName` and
 * `bucketKmsKeyArn`. It builds `components/logAnalytics.ts`'s LogAnalytics as its one child, named like it.
 */
import * as pulumi from "@pulumi/pulumi";
import { LogAnalytics as LogAnalyticsComponent } from "../components/logAnalytics";

export interface LogAnalyticsArgs {
    /** The bucket the app archives its logs to, under logs/; query results go to its athena-results/ prefix (expire them with ArchiveBucket's expiringPrefixes). */
    readonly bucketName: pulumi.Input<string>;
    /** The bucket's SSE-KMS key ARN, if any: query results are encrypted with it. Defaults to SSE-S3. */
    readonly bucketKmsKeyArn?: pulumi.Input<string>;
    /** Days back the log table projects, at least 1; no more than the bucket's days before GLACIER (Athena cannot read it). Defaults to 30. */
    readonly logQueryDays?: number;
    /** Bytes a query may scan before the workgroup cancels it, at least 10 MiB. Defaults to 1 GiB. */
    readonly bytesScannedCutoffPerQuery?: number;
}

/**
 * A Glue table over the archived app logs with partition projection and an Athena workgroup that enforces its result
 * location, encryption and scan limit, with named queries. Grants nobody anything.
 */
export class LogAnalytics extends pulumi.ComponentResource {
    /** The Glue database. */
    public readonly databaseName: pulumi.Output<string>;
    /** The Glue table of the logs. */
    public readonly tableName: pulumi.Output<string>;
    /** The Athena workgroup. */
    public readonly workgroupName: pulumi.Output<string>;

    constructor(name: string, args: LogAnalyticsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:LogAnalytics", name, {}, opts);
        const analytics = new LogAnalyticsComponent(
            name,
            {
                bucket: { bucketName: pulumi.output(args.bucketName), kmsKeyArn: pulumi.output(args.bucketKmsKeyArn) },
                logQueryDays: args.logQueryDays,
                bytesScannedCutoffPerQuery: args.bytesScannedCutoffPerQuery,
            },
            { parent: this },
        );
        this.databaseName = analytics.databaseName;
        this.tableName = analytics.tableName;
        this.workgroupName = analytics.workgroupName;
        this.registerOutputs({ databaseName: this.databaseName, tableName: this.tableName, workgroupName: this.workgroupName });
    }
}
