/**
 * The whole architecture as one component of the package: what `index.ts` builds for a stack, for a program in any
 * Pulumi language. Its arguments are the stack config's keys as plain data (README "Configuration reference"),
 * read and validated by the same `parseStackConfig`; its children are `buildArchitecture`'s, named `<name>-<role>`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { architectureOutputs, buildArchitecture } from "../components/architecture";
import type { MonitoringSettings } from "../components/monitoringArgs";
import { ConfigError, describeTopicKey, NAMESPACE, parseStackConfig, WorkerSettings } from "../config";
import type { WorkQueueSettings } from "../config/queue";

/** The repository: the app's Docker build context when no image is given, wherever the consuming program runs. */
const REPO_ROOT = path.resolve(__dirname, "..");

/** One lifecycle step: after `days`, objects move to `storageClass`. */
export interface LifecycleTransition {
    /** Days after creation (or after becoming noncurrent). */
    readonly days: number;
    /** STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or DEEP_ARCHIVE. */
    readonly storageClass: string;
}

/** What happens to archived objects over time, checked as S3 checks it. */
export interface ArchitectureLifecycle {
    /** Transitions of current versions. Defaults to GLACIER after 90 days. */
    readonly transitions?: LifecycleTransition[];
    /** Days after which current versions expire. Defaults to never. */
    readonly expirationDays?: number;
    /** Transitions of noncurrent versions. Defaults to GLACIER after 30 days. */
    readonly noncurrentTransitions?: LifecycleTransition[];
    /** Days after which noncurrent versions expire. Defaults to 365. */
    readonly noncurrentExpirationDays?: number;
    /** Days after which incomplete multipart uploads are aborted. Defaults to 7. */
    readonly abortIncompleteMultipartUploadDays?: number;
}

/** CloudFront in front of the archive for some key patterns. */
export interface ArchitectureCdn {
    /** Whether the distribution exists. */
    readonly enabled: boolean;
    /** Key prefixes served through CloudFront. Defaults to the app's processed-content prefixes. */
    readonly servedPrefixes?: string[];
    /** Alternate domain names (need certificateArn). Defaults to none. */
    readonly aliases?: string[];
    /** ACM certificate in us-east-1 for the aliases. Defaults to CloudFront's own. */
    readonly certificateArn?: string;
    /** WAFv2 web ACL ARN (CLOUDFRONT scope). Defaults to none. */
    readonly webAclArn?: string;
    /** PriceClass_100, PriceClass_200 or PriceClass_All. Defaults to PriceClass_100. */
    readonly priceClass?: string;
}

/** The stack config's keys (README "Configuration reference"); the region is the AWS provider's. Every key is optional. */
export interface ArchitectureArgs {
    /** The VPC's IPv4 range, /16 to /24 (forces replacement). Defaults to 10.0.0.0/16. */
    readonly vpcCidr?: string;
    /** Availability zones, 2 to 6 and at most the region's. Defaults to 2. */
    readonly azCount?: number;
    /** Single or OnePerAz NAT gateways. Defaults to OnePerAz. */
    readonly natGateways?: string;
    /** generalPurpose or maxIO (forces replacement). Defaults to generalPurpose. */
    readonly efsPerformanceMode?: string;
    /** elastic, bursting or provisioned. Defaults to elastic. */
    readonly efsThroughputMode?: string;
    /** MiB/s bought, 1 to 3414; required with, and only with, provisioned throughput. */
    readonly efsProvisionedThroughputMibps?: number;
    /** Days without access before a file moves to Infrequent Access. Defaults to 30. */
    readonly efsTransitionToIaDays?: number;
    /** KMS key or alias ARN for EFS encryption at rest. Defaults to the AWS-managed key. */
    readonly efsKmsKeyArn?: string;
    /** Daily AWS Backup of the file system. Defaults to true. */
    readonly efsBackup?: boolean;
    /** User id the access point enforces (never root). Defaults to 1000. */
    readonly posixUid?: number;
    /** Group id the access point enforces (never root). Defaults to 1000. */
    readonly posixGid?: number;
    /** The directory tasks see as the EFS root. Defaults to /app. */
    readonly accessPointPath?: string;
    /** Octal mode of that directory when EFS creates it. Defaults to 0750. */
    readonly accessPointPermissions?: string;
    /** S3 key prefix of archived objects, ending in /. Defaults to uploads/. */
    readonly archivePrefix?: string;
    /** KMS key ARN (not an alias) for SSE-KMS on the archive. Defaults to SSE-S3. */
    readonly archiveKmsKeyArn?: string;
    /** The archive's lifecycle. Defaults to GLACIER after 90 days, noncurrent versions to GLACIER after 30 and expired after 365. */
    readonly archiveLifecycle?: ArchitectureLifecycle;
    /** Container image URI to run. Defaults to app/ built into an ECR repository (needs Docker). */
    readonly image?: string;
    /** Web task CPU units. Defaults to 256. */
    readonly cpu?: number;
    /** Web task memory in MiB. Defaults to 512. */
    readonly memory?: number;
    /** Web tasks to start with. Defaults to minCount. */
    readonly desiredCount?: number;
    /** Fewest web tasks. Defaults to 1. */
    readonly minCount?: number;
    /** Most web tasks. Defaults to 2. */
    readonly maxCount?: number;
    /** CPU target of the web tier's scaling, 10 to 90. Defaults to 60. */
    readonly cpuTargetPercent?: number;
    /** The app's port, 1024 to 65535. Defaults to 8080. */
    readonly containerPort?: number;
    /** Days the app's logs are kept. Defaults to 30. */
    readonly logRetentionDays?: number;
    /** Largest upload the app accepts, bytes. Defaults to the app's 104857600. */
    readonly maxUploadBytes?: number;
    /** EFS backlog in bytes above which uploads get 503. Defaults to the app's 10737418240. */
    readonly backlogLimitBytes?: number;
    /** Scheduler rate(…) or cron(…) of the archive --once drain task, or off. Defaults to rate(1 hour). */
    readonly drainSchedule?: string;
    /** ACM certificate ARN for HTTPS; without one, allowPlainHttp must be true. */
    readonly certificateArn?: string;
    /** Explicit opt-out of TLS: plain HTTP on 80 without a certificate. Defaults to false. */
    readonly allowPlainHttp?: boolean;
    /** Keep the file system and the bucket when destroyed. Defaults to true. */
    readonly retainOnDelete?: boolean;
    /** Load-balancer deletion protection. Defaults to true. */
    readonly deletionProtection?: boolean;
    /** The background worker service: `work` (archive only) on the same access point, its own role, no load balancer. Defaults to off. */
    readonly worker?: WorkerSettings;
    /** Alarms, their topic and the dashboard. Defaults to every field's default. */
    readonly monitoring?: MonitoringSettings;
    /** E-mail address for the alarms; the same as monitoring.alarmEmail. Defaults to none. */
    readonly alarmEmail?: string;
    /** A Glue table and an Athena workgroup over the archived logs. Defaults to false. */
    readonly logAnalytics?: boolean;
    /** Days back the log table projects. Defaults to 30. */
    readonly logQueryDays?: number;
    /** MB a query may scan before the workgroup cancels it, at least 10. Defaults to 1024. */
    readonly athenaBytesScannedCutoffMb?: number;
    /** CloudFront in front of the archive. Defaults to off. */
    readonly cdn?: ArchitectureCdn;
    /** The CPU of every tier, on FARGATE and FARGATE_SPOT: ARM64 (Graviton) or X86_64. Defaults to ARM64. */
    readonly cpuArchitecture?: string;
    /** Where each tier's tasks run: web (FARGATE), worker (FARGATE base 1 + FARGATE_SPOT weight 1), drain (FARGATE). */
    readonly capacityProviders?: ArchitectureCapacityProviders;
    /** ECS Exec on the services: enabled (required), logging (cloudwatch, s3 or none). Defaults to off. */
    readonly exec?: ArchitectureExec;
    /** Days without access before a file moves to EFS Archive (1, 7, 14, 30, 60, 90, 180, 270, 365; needs elastic throughput). Defaults to none. */
    readonly efsTransitionToArchiveDays?: number;
    /** A read-only replica of the file system in another region: region (required), kmsKeyArn. Defaults to none. */
    readonly efsReplication?: ArchitectureEfsReplication;
    /** The SQS work queue and its dead-letter queue: maxReceiveCount (3), messageRetentionDays (7), kmsKeyArn (SSE-SQS when unset). Defaults to every field's default. */
    readonly workQueue?: WorkQueueSettings;
}

/** One entry of a capacity provider strategy, as ECS takes it. */
export interface ArchitectureCapacityProvider {
    /** FARGATE or FARGATE_SPOT. */
    readonly capacityProvider: string;
    /** Tasks placed on this provider before any weight applies, 0 to 100,000; one entry at most. Defaults to 0. */
    readonly base?: number;
    /** Share of the tasks beyond the bases, 0 to 1,000. Defaults to 0. */
    readonly weight?: number;
}

/** Each tier's capacity provider strategy. */
export interface ArchitectureCapacityProviders {
    /** The web service's. Defaults to FARGATE; FARGATE_SPOT needs allowWebOnSpot. */
    readonly web?: ArchitectureCapacityProvider[];
    /** The named opt-out that lets the web service's strategy use FARGATE_SPOT. Defaults to false. */
    readonly allowWebOnSpot?: boolean;
    /** The worker service's. Defaults to FARGATE base 1 + FARGATE_SPOT weight 1. */
    readonly worker?: ArchitectureCapacityProvider[];
    /** The scheduled drain task's. Defaults to FARGATE. */
    readonly drain?: ArchitectureCapacityProvider[];
}

/** ECS Exec on demand. */
export interface ArchitectureExec {
    /** enableExecuteCommand on the services. */
    readonly enabled: boolean;
    /** Where sessions are logged: cloudwatch (an encrypted log group), s3 (the archive's exec-sessions/) or none. Defaults to cloudwatch. */
    readonly logging?: string;
}

/** A replica of the file system in another region. */
export interface ArchitectureEfsReplication {
    /** The replica's region, another than the stack's. */
    readonly region: string;
    /** A KMS key ARN in that region for the replica. Defaults to that region's aws/elasticfilesystem key. */
    readonly kmsKeyArn?: string;
}

/** The argument names that are not stack config keys (none today) and the keys that are not arguments. */
export const CONFIG_KEYS_NOT_ARGUMENTS = ["usage"] as const; // the cost estimate's assumptions: nothing is built from them

/** The arguments in the raw form Pulumi hands a program (full keys → strings, structured values as JSON). */
export function rawConfigOf(args: ArchitectureArgs, region: string): Record<string, string> {
    const raw: Record<string, string> = { "aws:region": region };
    for (const [key, value] of Object.entries(args ?? {})) {
        if (value === undefined || value === null) continue;
        raw[`${NAMESPACE}:${key}`] = typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return raw;
}

/**
 * The whole architecture (VPC, shared file system, archive, services, monitoring, delivery, analytics) in the AWS
 * provider's region, configured like a stack of this repository.
 */
export class Architecture extends pulumi.ComponentResource {
    /** The load balancer's URL (https:// with a certificate). */
    public readonly serviceUrl: pulumi.Output<string>;
    /** The archive bucket. */
    public readonly bucketName: pulumi.Output<string>;
    /** The EFS file system. */
    public readonly fileSystemId: pulumi.Output<string>;
    /** The app's access point. */
    public readonly accessPointId: pulumi.Output<string>;
    /** The ECS cluster. */
    public readonly clusterName: pulumi.Output<string>;
    /** The web service. */
    public readonly serviceName: pulumi.Output<string>;
    /** The web service's log group. */
    public readonly logGroupName: pulumi.Output<string>;
    /** The VPC. */
    public readonly vpcId: pulumi.Output<string>;
    /** The SNS topic the alarms notify. */
    public readonly alarmTopicArn: pulumi.Output<string>;
    /** The CloudWatch dashboard. */
    public readonly dashboardName: pulumi.Output<string>;
    /** The worker service, when worker.enabled. */
    public readonly workerServiceName?: pulumi.Output<string>;
    /** CloudFront's base URL, when cdn.enabled. */
    public readonly cdnBaseUrl?: pulumi.Output<string>;
    /** The SQS work queue the app's tasks consume. */
    public readonly queueUrl: pulumi.Output<string>;
    /** Its dead-letter queue (items received maxReceiveCount times). */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The Athena workgroup, with logAnalytics. */
    public readonly athenaWorkgroup?: pulumi.Output<string>;
    /** The Glue database, with logAnalytics. */
    public readonly athenaDatabase?: pulumi.Output<string>;

    constructor(name: string, args: ArchitectureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:Architecture", name, {}, opts);
        // The region and its AZs are looked up through this component's provider before anything is registered; the
        // parts are registered at once after that (not inside an apply), so a preview sees every one.
        const outputs = this.build(name, args ?? {});
        const output = (key: string) => pulumi.output(outputs.then((o) => o[key])) as pulumi.Output<string>;
        this.serviceUrl = output("serviceUrl");
        this.bucketName = output("bucketName");
        this.fileSystemId = output("fileSystemId");
        this.accessPointId = output("accessPointId");
        this.clusterName = output("clusterName");
        this.serviceName = output("serviceName");
        this.logGroupName = output("logGroupName");
        this.vpcId = output("vpcId");
        this.alarmTopicArn = output("alarmTopicArn");
        this.dashboardName = output("dashboardName");
        this.workerServiceName = output("workerServiceName");
        this.cdnBaseUrl = output("cdnBaseUrl");
        this.queueUrl = output("queueUrl");
        this.deadLetterQueueUrl = output("deadLetterQueueUrl");
        this.athenaWorkgroup = output("athenaWorkgroup");
        this.athenaDatabase = output("athenaDatabase");
        this.registerOutputs(outputs);
    }

    private async build(name: string, args: ArchitectureArgs): Promise<Record<string, pulumi.Output<string> | undefined>> {
        const { region } = await aws.getRegion({}, { parent: this });
        const zones = await aws.getAvailabilityZones(
            // Local Zones and Wavelength Zones have no EFS or Fargate; only the region's own AZs count (as config/index.ts).
            { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
            { parent: this },
        );
        let config;
        try {
            const raw = rawConfigOf(args, region);
            const topicKey = await describeTopicKey(raw, { parent: this });
            config = parseStackConfig(raw, { availabilityZones: zones.names, topicKey }, pulumi.runtime.isDryRun() ? "preview" : "update");
        } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            // Every problem at once, each naming the argument (the config key without its namespace).
            throw new pulumi.InputPropertiesError({
                message: error.message.split(`${NAMESPACE}:`).join(""),
                errors: error.problems.map((p) => ({ propertyPath: p.key.replace(`${NAMESPACE}:`, ""), reason: p.reason })),
            });
        }
        const parts = buildArchitecture(config, {
            namePrefix: name,
            parent: this,
            build: { context: REPO_ROOT, dockerfile: path.join(REPO_ROOT, "app", "Dockerfile") },
        });
        return architectureOutputs(parts);
    }
}
