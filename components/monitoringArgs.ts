import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BACKLOG_FILES_PER_TASK } from "./backlogScaling";
import { PerformanceMode, ThroughputMode } from "./fileSystemArgs";
import { Problem } from "./validation";

/** What a stack decides about monitoring (config key `monitoring`); every field is optional. */
export interface MonitoringSettings {
    /** An address subscribed to the alarm topic (SNS sends a confirmation mail first). Defaults to none. */
    readonly alarmEmail?: string;
    /**
     * A customer managed KMS key (key ARN or alias ARN) that encrypts the alarm topic instead of the key the Monitoring
     * component creates; its key policy must let `cloudwatch.amazonaws.com` use it (kms:Decrypt, kms:GenerateDataKey*),
     * or no alarm notification is ever delivered. AWS managed keys (`alias/aws/sns`, any `alias/aws/*`, or a key ARN that
     * KMS describes as AWS managed) are refused: their policies cannot admit CloudWatch. So are asymmetric keys and keys
     * of another region than the stack's. Defaults to a key the component creates, with rotation on and that grant.
     */
    readonly topicKmsKeyId?: string;
    /** Alarm when the EFS backlog exceeds this share of `backlogLimitBytes` (uploads get 503 at 100). Defaults to 80. */
    readonly backlogAlarmPercent?: number;
    /** Alarm when the oldest waiting item is older than this many minutes. Defaults to 30. */
    readonly oldestItemMinutes?: number;
    /** Alarm when target p99 latency exceeds this many seconds (uploads stream their body through it). Defaults to 10. */
    readonly latencyP99Seconds?: number;
    /** Alarm when target 5xx answers exceed this share of requests. Defaults to 5. */
    readonly errorRatePercent?: number;
    /** Alarm when average CPU or memory of a service exceeds this. Defaults to 85. */
    readonly utilizationPercent?: number;
    /** Backlog files per running task that scaling holds (web and worker). Defaults to 5,000 (see backlogScaling.ts). */
    readonly backlogFilesPerTask?: number;
}

export const MONITORING_FIELDS = [
    "alarmEmail",
    "topicKmsKeyId",
    "backlogAlarmPercent",
    "oldestItemMinutes",
    "latencyP99Seconds",
    "errorRatePercent",
    "utilizationPercent",
    "backlogFilesPerTask",
] as const satisfies readonly (keyof MonitoringSettings)[];

/** The one place monitoring's defaults live. */
export function monitoringDefaults(s: MonitoringSettings) {
    return {
        alarmEmail: s.alarmEmail,
        topicKmsKeyId: s.topicKmsKeyId,
        backlogAlarmPercent: s.backlogAlarmPercent ?? 80,
        oldestItemMinutes: s.oldestItemMinutes ?? 30,
        latencyP99Seconds: s.latencyP99Seconds ?? 10,
        errorRatePercent: s.errorRatePercent ?? 5,
        utilizationPercent: s.utilizationPercent ?? 85,
        backlogFilesPerTask: s.backlogFilesPerTask ?? DEFAULT_BACKLOG_FILES_PER_TASK,
    };
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** A KMS key ARN or alias ARN: a key passed in is named by ARN, so that the account and region it lives in are explicit. */
const KMS_KEY_OR_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/;
/** AWS managed keys' aliases (`alias/aws/sns`, …), as a name or inside an alias ARN. */
const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;

/**
 * Why `alias/aws/sns` cannot encrypt a topic that CloudWatch alarms notify: the AWS managed key's policy does not admit
 * cloudwatch.amazonaws.com and cannot be changed. Amazon SNS Developer Guide, "Enable compatibility between event
 * sources from AWS services and encrypted topics": "1. Use a customer managed KMS key. 2. To allow the AWS service to
 * have the kms:GenerateDataKey* and kms:Decrypt permissions, add the following statement to the KMS policy."
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
export const AWS_MANAGED_TOPIC_KEY_REASON =
    "is an AWS managed key: its key policy cannot admit cloudwatch.amazonaws.com, so CloudWatch could never publish an alarm to the topic " +
    "(every alarm action fails with KMS AccessDenied). Leave monitoring.topicKmsKeyId unset (the stack creates a customer managed key that admits " +
    "CloudWatch) or name a customer managed key whose policy grants cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*";

/** Pure validation; properties are the field names (the config reports them as `monitoring.<field>`). */
export function validateMonitoringSettings(s: MonitoringSettings): Problem[] {
    const problems: Problem[] = [];
    if (s.alarmEmail !== undefined && !(typeof s.alarmEmail === "string" && EMAIL.test(s.alarmEmail))) {
        problems.push({ property: "alarmEmail", reason: `must be an e-mail address like ops@example.com; got ${JSON.stringify(s.alarmEmail)}` });
    }
    if (s.topicKmsKeyId !== undefined) {
        if (typeof s.topicKmsKeyId === "string" && AWS_MANAGED_ALIAS.test(s.topicKmsKeyId)) {
            problems.push({ property: "topicKmsKeyId", reason: `${JSON.stringify(s.topicKmsKeyId)} ${AWS_MANAGED_TOPIC_KEY_REASON}` });
        } else if (!(typeof s.topicKmsKeyId === "string" && KMS_KEY_OR_ALIAS_ARN.test(s.topicKmsKeyId))) {
            problems.push({
                property: "topicKmsKeyId",
                reason: `must be the ARN of a customer managed KMS key or of its alias (arn:aws:kms:<region>:<account>:key/<id> or …:alias/<name>), or be left unset for a key the stack creates; got ${JSON.stringify(s.topicKmsKeyId)}`,
            });
        }
    }
    const range = (field: keyof MonitoringSettings, min: number, max: number, what: string) => {
        const n = s[field];
        if (n !== undefined && !(typeof n === "number" && Number.isFinite(n) && n >= min && n <= max)) {
            problems.push({ property: field, reason: `must be a number from ${min} to ${max} (${what}); got ${JSON.stringify(n)}` });
        }
    };
    range("backlogAlarmPercent", 1, 99, "percent of backlogLimitBytes; at 100 uploads are already refused");
    range("oldestItemMinutes", 2, 1440, "minutes");
    range("latencyP99Seconds", 0.1, 300, "seconds");
    range("errorRatePercent", 0.1, 100, "percent of requests");
    range("utilizationPercent", 10, 100, "percent");
    range("backlogFilesPerTask", 10, 1_000_000, "files per running task");
    return problems;
}

/** The EFS alarms that apply to a file system, by role: the set changes with its throughput and performance modes. */
export type EfsAlarm = "efs-throughput-utilization" | "efs-client-connections" | "efs-percent-io-limit" | "efs-burst-credits";

/**
 * Which EFS alarms a file system gets.
 * - Throughput utilisation (MeteredIOBytes against PermittedThroughput) and client connections: every mode.
 * - PercentIOLimit: General Purpose only (EFS submits it for no other mode), and not with Elastic throughput, where
 *   the per-operation limits it measures are not the bound (the elastic limits are, seen by utilisation).
 * - BurstCreditBalance: Bursting only; the credits are what Bursting spends.
 * https://docs.aws.amazon.com/efs/latest/ug/efs-metrics.html
 */
export function efsAlarms(throughputMode: ThroughputMode, performanceMode: PerformanceMode): EfsAlarm[] {
    const alarms: EfsAlarm[] = ["efs-throughput-utilization", "efs-client-connections"];
    if (performanceMode === "generalPurpose" && throughputMode !== "elastic") alarms.push("efs-percent-io-limit");
    if (throughputMode === "bursting") alarms.push("efs-burst-credits");
    return alarms;
}

/** A service the monitoring watches: its ECS names and the dimension of its app metrics. */
export interface WatchedService {
    /** Short role in alarm names: `app`, `worker`. */
    readonly role: string;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    readonly metricsServiceName: string;
}

export interface MonitoringArgs extends MonitoringSettings {
    readonly fileSystemId: pulumi.Input<string>;
    /** Decides which EFS alarms exist. */
    readonly throughputMode: ThroughputMode;
    readonly performanceMode: PerformanceMode;
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** The web service first; its app metrics carry the backlog alarms (every service reports the same backlog). */
    readonly services: readonly WatchedService[];
    /** The app's BACKLOG_MAX_BYTES, above which uploads get 503. */
    readonly backlogLimitBytes: number;
    readonly region: pulumi.Input<string>;
    /** issue 19: the work queue and its dead-letter queue (their `QueueName` dimensions), watched when given. */
    readonly queue?: { readonly queueName: pulumi.Input<string>; readonly deadLetterQueueName: pulumi.Input<string> };
    /**
     * The dashboard's name, unique in the account and region (a physical name). Defaults to `<project>-<stack>`;
     * a program with more than one Monitoring (the package's Architecture, twice in a stack) gives each its own.
     */
    readonly dashboardName?: string;
}

/** `monitoring` in the stack config: a map of {@link MONITORING_FIELDS}; problems are reported as `monitoring.<field>`. */
export function parseMonitoringSettings(raw: Record<string, unknown> | undefined, problems: Problem[]): MonitoringSettings {
    if (raw === undefined) return {};
    for (const k of Object.keys(raw)) {
        if (!(MONITORING_FIELDS as readonly string[]).includes(k)) {
            problems.push({ property: `monitoring.${k}`, reason: `is not a monitoring setting; use ${MONITORING_FIELDS.join(", ")}` });
        }
    }
    const settings = raw as MonitoringSettings;
    problems.push(...validateMonitoringSettings(settings).map((p) => ({ ...p, property: `monitoring.${p.property}` })));
    return settings;
}
