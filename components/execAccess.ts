/**
 * ECS Exec on demand: off unless the stack turns it on, and then with every session logged. The cluster owns the
 * session log (an encrypted log group, or a prefix of the archive bucket); each service's task role gets exactly the
 * four `ssmmessages` actions the managed SSM agent needs and the writes its session log needs.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Grantee } from "./policyStatements";
import { RoleScope } from "./taskRoles";
import { Problem } from "./validation";

/** Where ECS Exec sessions are logged. */
export type ExecLogging =
    /** A CloudWatch Logs group of the cluster's, encrypted with a KMS key of its own (the agent refuses an unencrypted group). */
    | "cloudwatch"
    /** The archive bucket under {@link EXEC_S3_PREFIX} (the bucket encrypts every object at rest). */
    | "s3"
    /** No session log: an explicit, named opt-out that the pack's `ecs-service-exec-session-logging` rule reports. */
    | "none";
export const EXEC_LOGGING: readonly ExecLogging[] = ["cloudwatch", "s3", "none"];

/** `exec`: ECS Exec on the services. */
export interface ExecSettings {
    /** `enableExecuteCommand` on the web and worker services (never on the scheduled drain task). Defaults to false. */
    readonly enabled: boolean;
    /** Where sessions are logged. Defaults to "cloudwatch". */
    readonly logging?: ExecLogging;
}

/** The key prefix of session logs in the archive bucket (`exec.logging: s3`). */
export const EXEC_S3_PREFIX = "exec-sessions/";

/**
 * The actions the managed SSM agent in the container calls to open the session channels; nothing else is needed
 * for a session. "ssmmessages:CreateControlChannel, ssmmessages:CreateDataChannel, ssmmessages:OpenControlChannel,
 * ssmmessages:OpenDataChannel" (ECS developer guide, ECS Exec, IAM permissions required for ECS Exec).
 */
export const EXEC_SSM_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"] as const;

/** The CloudWatch Logs actions the agent needs to ship a session's output (same page, "logging to CloudWatch Logs"). */
export const EXEC_LOG_ACTIONS = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"] as const;

export function execDefaults(s: ExecSettings | undefined): Required<ExecSettings> {
    return { enabled: s?.enabled ?? false, logging: s?.logging ?? "cloudwatch" };
}

export function validateExecSettings(s: unknown): Problem[] {
    if (s === undefined) {
        return [];
    }
    if (!s || typeof s !== "object" || Array.isArray(s)) {
        return [{ property: "", reason: `must be a map { enabled, logging? }; got ${JSON.stringify(s)}` }];
    }
    const problems: Problem[] = [];
    const raw = s as Record<string, unknown>;
    for (const key of Object.keys(raw)) {
        if (!["enabled", "logging"].includes(key)) {
            problems.push({ property: key, reason: "is not an exec setting; use enabled, logging" });
        }
    }
    if (typeof raw.enabled !== "boolean") {
        problems.push({ property: "enabled", reason: `must be true or false (ECS Exec on the services or not); got ${JSON.stringify(raw.enabled)}` });
    }
    if (raw.logging !== undefined && !EXEC_LOGGING.includes(raw.logging as ExecLogging)) {
        problems.push({ property: "logging", reason: `must be one of ${EXEC_LOGGING.join(", ")} ("none" is the explicit opt-out of session logs); got ${JSON.stringify(raw.logging)}` });
    }
    return problems;
}

/** The cluster's session log, made once by the cluster's owner and handed to every service's grant. */
export interface ExecSessionLog {
    readonly logging: ExecLogging;
    /** The cluster's `configuration.executeCommandConfiguration`. */
    readonly clusterConfiguration: aws.types.input.ecs.ClusterConfigurationExecuteCommandConfiguration;
    /** The log group (logging "cloudwatch"). */
    readonly logGroup?: aws.cloudwatch.LogGroup;
}

/**
 * The session log of a cluster. CloudWatch: a KMS key whose policy lets CloudWatch Logs in this region use it for
 * this account's log groups only, and a log group encrypted with it, so that `cloudWatchEncryptionEnabled` holds.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function createExecSessionLog(
    name: string,
    args: { logging: ExecLogging; scope: RoleScope; retentionInDays: number; bucketName: pulumi.Input<string>; retainOnDelete: boolean },
    parent: pulumi.Resource,
): ExecSessionLog {
    if (args.logging === "none") {
        return { logging: "none", clusterConfiguration: { logging: "NONE" } };
    }
    if (args.logging === "s3") {
        return {
            logging: "s3",
            clusterConfiguration: {
                logging: "OVERRIDE",
                // The agent verifies the bucket's default encryption only with s3BucketEncryptionEnabled, which needs
                // s3:GetEncryptionConfiguration on the bucket; the archive bucket always encrypts, so it is left off.
                logConfiguration: { s3BucketName: args.bucketName, s3KeyPrefix: EXEC_S3_PREFIX.replace(/\/$/, ""), s3BucketEncryptionEnabled: false },
            },
        };
    }
    const { account, region } = args.scope;
    const key = new aws.kms.Key(
        `${name}-exec-logs-key`,
        {
            description: `Encrypts the ECS Exec session log of ${name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                    {
                        Sid: "CloudWatchLogsEncrypts",
                        Effect: "Allow",
                        Principal: { Service: pulumi.interpolate`logs.${region}.amazonaws.com` },
                        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                        Resource: "*",
                        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:aws:logs:${region}:${account}:log-group:*` } },
                    },
                ],
            }),
        },
        // An audit trail outlives turning exec off or destroying a protected stack, and its key with it.
        { parent, retainOnDelete: args.retainOnDelete },
    );
    const logGroup = new aws.cloudwatch.LogGroup(`${name}-exec-sessions`, { retentionInDays: args.retentionInDays, kmsKeyId: key.arn }, { parent, retainOnDelete: args.retainOnDelete });
    return {
        logging: "cloudwatch",
        logGroup,
        clusterConfiguration: {
            logging: "OVERRIDE",
            logConfiguration: { cloudWatchLogGroupName: logGroup.name, cloudWatchEncryptionEnabled: true },
        },
    };
}

/**
 * Lets a task role open ECS Exec sessions: the four ssmmessages actions (they take no resource ARN, hence "*") and,
 * with CloudWatch logging, writing streams of the session log group only. S3 logging is granted by the bucket's
 * owner (the caller adds {@link EXEC_S3_PREFIX} to its write grant).
 */
export function grantExec(grantee: Grantee, log: ExecSessionLog): aws.iam.RolePolicy {
    const statements: object[] = [{ Sid: "ExecSessionChannels", Effect: "Allow", Action: [...EXEC_SSM_ACTIONS], Resource: "*" }];
    if (log.logGroup) {
        statements.push(
            { Sid: "ExecSessionLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: "*" },
            { Sid: "ExecSessionLogStreams", Effect: "Allow", Action: [...EXEC_LOG_ACTIONS], Resource: pulumi.interpolate`${log.logGroup.arn}:*` },
        );
    }
    return new aws.iam.RolePolicy(
        `${grantee.name}-exec`,
        { role: grantee.role.name, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
        { parent: grantee.parent },
    );
}
