import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport, GrantLedger, Grantee } from "./policyStatements";
import { Problem, throwIfProblems } from "./validation";

/** Receives of one message before SQS moves it to the dead-letter queue (and the app quarantines its item). */
export const DEFAULT_MAX_RECEIVE_COUNT = 3;
/** The app's own MAX_UPLOAD_BYTES default (app/src/config.ts), the largest item a message stands for when the stack sets none. */
export const APP_DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
/** Days the work queue keeps a message: a week outlasts any S3 outage, and the dead-letter queue keeps it longer. */
export const DEFAULT_MESSAGE_RETENTION_DAYS = 7;

/**
 * SQS limits. MessageRetentionPeriod: 60 s to 1,209,600 s (14 days); VisibilityTimeout: 0 to 43,200 s (12 hours);
 * RedrivePolicy maxReceiveCount: 1 to 1,000.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export const SQS_MAX_RETENTION_SECONDS = 14 * 86_400;
export const SQS_MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 3600;
export const SQS_MAX_RECEIVE_COUNT = 1000;
/**
 * The dead-letter queue keeps a message as long as SQS allows. For a standard queue "the expiration of a message is
 * always based on its original enqueue timestamp. When a message is moved to a dead-letter queue, the enqueue
 * timestamp is unchanged … it is a best practice to always set the retention period of a dead-letter queue to be
 * longer than the retention period of the original queue." So the work queue's retention is at most 13 days: a message
 * that reaches the dead-letter queue at the very end of its life there still has a day to be quarantined.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html
 */
export const DEAD_LETTER_RETENTION_SECONDS = SQS_MAX_RETENTION_SECONDS;
export const MAX_MESSAGE_RETENTION_DAYS = 13;

/**
 * The pace at which one item is assumed to archive in the worst case that still counts as working: read from EFS,
 * hashed, uploaded to S3 and read back. 1 MiB/s is far below what a task sustains (a bursting EFS file system's
 * baseline for a small data set is of that order), so a slow but live archive is not handed to a second task.
 */
export const CONSERVATIVE_ARCHIVE_BYTES_PER_SECOND = 1024 * 1024;
/** What an archive costs besides its bytes: the receive, EFS metadata, the conditional write and its verification, one S3 retry. */
export const ARCHIVE_OVERHEAD_SECONDS = 60;
/** The dead-letter queue's consumers only quarantine an item on EFS (a rename and a reason file). */
const DEAD_LETTER_VISIBILITY_TIMEOUT_SECONDS = 120;
/** Long polling on both queues: a receive waits up to 20 s (the most SQS allows) instead of answering empty at once. */
const RECEIVE_WAIT_SECONDS = 20;

export interface WorkQueueArgs {
    /**
     * Receives of a message before SQS moves it to the dead-letter queue, 1 to 1,000; the app quarantines its item
     * with the receive count as the reason. An item whose processing kills its task is received once per death, so
     * this is also how many tasks it may kill. Defaults to {@link DEFAULT_MAX_RECEIVE_COUNT}.
     */
    readonly maxReceiveCount?: number;
    /**
     * Whole days the work queue keeps a message, 1 to {@link MAX_MESSAGE_RETENTION_DAYS} (the dead-letter queue keeps
     * 14, which must be longer). An item whose message expired is still on EFS and is sent again by the app's
     * reconciling scan. Defaults to {@link DEFAULT_MESSAGE_RETENTION_DAYS}.
     */
    readonly messageRetentionDays?: number;
    /**
     * The largest item a message stands for (the app's MAX_UPLOAD_BYTES): it sizes the visibility timeout. Defaults
     * to the app's own default, {@link APP_DEFAULT_MAX_UPLOAD_BYTES}.
     */
    readonly maxUploadBytes?: number;
    /**
     * A customer-managed KMS key (key ARN, not an alias: the grants name it and IAM matches key ARNs only) for
     * SSE-KMS on both queues; the grants include it, through SQS only. Defaults to SSE-SQS (SQS-managed keys, no KMS
     * calls, no key policy to keep).
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
}

/** The queue's effective settings: the one place its defaults live (the stack config leaves unset keys undefined). */
export function workQueueDefaults(args: Omit<WorkQueueArgs, "kmsKeyArn">) {
    const maxUploadBytes = args.maxUploadBytes ?? APP_DEFAULT_MAX_UPLOAD_BYTES;
    return {
        maxReceiveCount: args.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
        messageRetentionSeconds: (args.messageRetentionDays ?? DEFAULT_MESSAGE_RETENTION_DAYS) * 86_400,
        visibilityTimeoutSeconds: visibilityTimeoutFor(maxUploadBytes),
    };
}

/**
 * How long a received message stays invisible: long enough for the largest item at the conservative pace, so that a
 * live task is not raced by another, and never more than SQS's 12 hours (a task that needs longer extends its lease
 * with ChangeMessageVisibility, which SQS also caps at 12 hours from the receive).
 */
export function visibilityTimeoutFor(maxUploadBytes: number): number {
    return Math.min(SQS_MAX_VISIBILITY_TIMEOUT_SECONDS, ARCHIVE_OVERHEAD_SECONDS + Math.ceil(maxUploadBytes / CONSERVATIVE_ARCHIVE_BYTES_PER_SECOND));
}

const isWhole = (n: unknown, min: number, max: number): boolean => typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;

/** Pure validation; properties are the argument names (the stack config reports them as `workQueue.<field>`). */
export function validateWorkQueueArgs(args: Omit<WorkQueueArgs, "kmsKeyArn"> & { kmsKeyArn?: unknown }): Problem[] {
    const problems: Problem[] = [];
    if (args.maxReceiveCount !== undefined && !isWhole(args.maxReceiveCount, 1, SQS_MAX_RECEIVE_COUNT)) {
        problems.push({ property: "maxReceiveCount", reason: `must be a whole number from 1 to ${SQS_MAX_RECEIVE_COUNT} (what SQS's redrive policy accepts); got ${JSON.stringify(args.maxReceiveCount)}` });
    }
    if (args.messageRetentionDays !== undefined && !isWhole(args.messageRetentionDays, 1, MAX_MESSAGE_RETENTION_DAYS)) {
        problems.push({
            property: "messageRetentionDays",
            reason: `must be a whole number of days from 1 to ${MAX_MESSAGE_RETENTION_DAYS}: SQS keeps a message at most 14 days, and the dead-letter queue (14) must keep it longer than the work queue, since the move keeps the enqueue time; got ${JSON.stringify(args.messageRetentionDays)}`,
        });
    }
    if (args.maxUploadBytes !== undefined && !isWhole(args.maxUploadBytes, 1, Number.MAX_SAFE_INTEGER)) {
        problems.push({ property: "maxUploadBytes", reason: `must be a positive whole number of bytes; got ${JSON.stringify(args.maxUploadBytes)}` });
    }
    const key = args.kmsKeyArn;
    if (typeof key === "string" && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(key)) {
        problems.push({
            property: "kmsKeyArn",
            reason: `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias: the grants name the key and IAM matches key ARNs only; got ${JSON.stringify(key)}`,
        });
    }
    return problems;
}

/** What a service passes to its containers so that the app finds the queues (the app's contract, app/src/config.ts). */
export type QueueEnvironment = Record<"QUEUE_URL" | "DEAD_LETTER_QUEUE_URL" | "MAX_RECEIVE_COUNT", pulumi.Input<string>>;

/** The work queue as a service sees it: it connects its role (both grants), passes the environment on and scales on its depth. */
export type ServiceQueue = Pick<WorkQueue, "connect" | "queueName">;

/**
 * The work queue of the archive: an SQS standard queue with one message per item durable on EFS, encrypted at rest
 * (SSE-SQS, or SSE-KMS with a given key), a queue policy from birth that refuses every request without TLS, and a
 * dead-letter queue that receives a message after `maxReceiveCount` receives and admits no other source. Access only
 * through {@link WorkQueue.grantSend} and {@link WorkQueue.grantConsume}, into the consumers' identity policies.
 */
export class WorkQueue extends pulumi.ComponentResource {
    public readonly queueUrl: pulumi.Output<string>;
    public readonly queueArn: pulumi.Output<string>;
    /** The `QueueName` dimension of the queue's CloudWatch metrics. */
    public readonly queueName: pulumi.Output<string>;
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    public readonly deadLetterQueueName: pulumi.Output<string>;
    /** The redrive policy's maxReceiveCount (the app's MAX_RECEIVE_COUNT). */
    public readonly maxReceiveCount: number;
    public readonly visibilityTimeoutSeconds: number;

    private readonly name: string;
    private readonly key?: pulumi.Input<string>;
    private readonly region: pulumi.Output<string>;
    private readonly grants: GrantLedger<aws.iam.RolePolicy>;

    constructor(name: string, args: WorkQueueArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:messaging:WorkQueue", name, {}, opts);

        throwIfProblems(`WorkQueue "${name}"`, validateWorkQueueArgs(args));
        const settings = workQueueDefaults(args);
        this.name = name;
        this.key = args.kmsKeyArn;
        this.region = aws.getRegionOutput({}, { parent: this }).region;
        this.grants = new GrantLedger(`WorkQueue "${name}"`);

        // SSE-SQS needs no key policy; SSE-KMS reuses a data key for 5 minutes (the default) to keep KMS calls few. "Only
        // one server-side encryption option is supported per queue", and the provider refuses both attributes together.
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
        const encryption = args.kmsKeyArn !== undefined ? { kmsMasterKeyId: args.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 } : { sqsManagedSseEnabled: true };

        const deadLetters = new aws.sqs.Queue(
            `${name}-dead-letters`,
            { ...encryption, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS, visibilityTimeoutSeconds: DEAD_LETTER_VISIBILITY_TIMEOUT_SECONDS, receiveWaitTimeSeconds: RECEIVE_WAIT_SECONDS },
            { parent: this },
        );
        const queue = new aws.sqs.Queue(
            `${name}-queue`,
            {
                ...encryption,
                messageRetentionSeconds: settings.messageRetentionSeconds,
                visibilityTimeoutSeconds: settings.visibilityTimeoutSeconds,
                receiveWaitTimeSeconds: RECEIVE_WAIT_SECONDS,
                // "When the ReceiveCount for a message exceeds the maxReceiveCount for a queue, Amazon SQS moves the
                // message to the dead-letter-queue." (RedrivePolicy) https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: settings.maxReceiveCount }),
            },
            { parent: this },
        );
        // A resource of its own, not the dead-letter queue's inline attribute: inline, each queue would name the other.
        new aws.sqs.RedriveAllowPolicy(
            `${name}-dead-letters-sources`,
            { queueUrl: deadLetters.url, redriveAllowPolicy: pulumi.jsonStringify({ redrivePermission: "byQueue", sourceQueueArns: [queue.arn] }) },
            { parent: this },
        );
        // Resource policies only deny; allows live in the consumers' identity policies (the grants).
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html
        for (const [role, q] of [["queue", queue], ["dead-letters", deadLetters]] as const) {
            new aws.sqs.QueuePolicy(
                `${name}-${role}-policy`,
                { queueUrl: q.url, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("sqs:*", q.arn)] }) },
                { parent: this },
            );
        }

        this.queueUrl = queue.url;
        this.queueArn = queue.arn;
        this.queueName = queue.name;
        this.deadLetterQueueUrl = deadLetters.url;
        this.deadLetterQueueArn = deadLetters.arn;
        this.deadLetterQueueName = deadLetters.name;
        this.maxReceiveCount = settings.maxReceiveCount;
        this.visibilityTimeoutSeconds = settings.visibilityTimeoutSeconds;
        this.registerOutputs({
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            queueName: this.queueName,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            deadLetterQueueArn: this.deadLetterQueueArn,
            deadLetterQueueName: this.deadLetterQueueName,
        });
    }

    /**
     * Lets a role send messages to the work queue (sqs:SendMessage only; never to the dead-letter queue, which only
     * SQS's redrive fills), with the key through SQS under SSE-KMS: a producer needs kms:GenerateDataKey and
     * kms:Decrypt. The same grantee again returns the same grant.
     * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
     */
    public grantSend(grantee: Grantee): aws.iam.RolePolicy {
        return this.grant(grantee, "send", [{ Sid: "SendWork", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: this.queueArn }], ["kms:GenerateDataKey", "kms:Decrypt"]);
    }

    /**
     * Lets a role consume the work queue: receive, keep invisible while working (ChangeMessageVisibility), delete, and
     * read its visibility timeout (GetQueueAttributes); and receive from the dead-letter queue (whose messages become
     * quarantined items; the app never deletes them or changes them there: the operator clears them); kms:Decrypt
     * through SQS under SSE-KMS. Exactly the calls the app makes (app/src/queue/queue.ts; test/iam/queue.spec.ts checks
     * both). Never PurgeQueue, SetQueueAttributes or DeleteQueue. The same grantee again returns the same grant. The
     * batch calls need nothing more: "setting permissions for SendMessage, DeleteMessage, or ChangeMessageVisibility sets
     * permissions for the corresponding batch versions of the actions."
     * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html
     */
    public grantConsume(grantee: Grantee): aws.iam.RolePolicy {
        const actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"];
        return this.grant(
            grantee,
            "consume",
            [
                { Sid: "ConsumeWork", Effect: "Allow", Action: actions, Resource: this.queueArn },
                { Sid: "ReadDeadLetters", Effect: "Allow", Action: ["sqs:ReceiveMessage"], Resource: this.deadLetterQueueArn },
            ],
            ["kms:Decrypt"],
        );
    }

    /**
     * Both grants for a task role (every consumer also sends: ingest, the reconciling scan, rotated logs), and the
     * environment the app reads them from. Returns the grants so that a service can wait for them before it starts.
     */
    public connect(grantee: Grantee): { environment: QueueEnvironment; grants: aws.iam.RolePolicy[] } {
        return {
            environment: { QUEUE_URL: this.queueUrl, DEAD_LETTER_QUEUE_URL: this.deadLetterQueueUrl, MAX_RECEIVE_COUNT: String(this.maxReceiveCount) },
            grants: [this.grantSend(grantee), this.grantConsume(grantee)],
        };
    }

    private grant(grantee: Grantee, kind: "send" | "consume", statements: object[], kmsActions: string[]): aws.iam.RolePolicy {
        return this.grants.once(grantee, kind, statements.map((s) => JSON.stringify((s as { Action: string[] }).Action)).join("+"), () => {
            if (this.key !== undefined) {
                // SSE-KMS: SQS calls KMS as the caller. kms:ViaService keeps the key usable only through SQS here.
                // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
                statements = [
                    ...statements,
                    { Sid: "UseQueueKeyThroughSqs", Effect: "Allow", Action: kmsActions, Resource: this.key, Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`sqs.${this.region}.amazonaws.com` } } },
                ];
            }
            return new aws.iam.RolePolicy(
                `${grantee.name}-queue-${kind}`,
                { role: grantee.role.name, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
                { parent: grantee.parent ?? this },
            );
        });
    }
}
