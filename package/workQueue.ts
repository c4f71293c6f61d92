/**
 * The work queue as a building block of the package (`fargate-efs-s3:index:WorkQueue`). The component's consumers get
 * access through `grantSend`/`grantConsume` with their role objects; here a grant names the role
 * (`senders[].roleName`, `consumers[].roleName`). It builds `components/workQueue.ts`'s WorkQueue as its one child,
 * named like it, and makes each grant on it.
 */
import * as pulumi from "@pulumi/pulumi";
import { WorkQueue as WorkQueueComponent } from "../components/workQueue";
import { NamedRole, roleHandles } from "./grantees";

/** A role allowed to use the queue. */
export interface QueueClient {
    /** The client's name, unique per role: its grants are named `<name>-queue-send` and `<name>-queue-consume`. */
    readonly name: string;
    /** The IAM role (its name) that gets the identity policy (and the queue's KMS key through SQS, with kmsKeyArn). */
    readonly roleName: pulumi.Input<string>;
}

export interface WorkQueueArgs {
    /** Receives of a message before SQS moves it to the dead-letter queue, 1 to 1,000. Defaults to 3. */
    readonly maxReceiveCount?: number;
    /** Whole days the work queue keeps a message, 1 to 13 (the dead-letter queue keeps 14). Defaults to 7. */
    readonly messageRetentionDays?: number;
    /** The largest item a message stands for, in bytes: it sizes the visibility timeout. Defaults to the app's 104857600. */
    readonly maxUploadBytes?: number;
    /** KMS key ARN (not an alias) for SSE-KMS on both queues; the grants include it. Defaults to SSE-SQS. */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Roles allowed to send to the work queue (sqs:SendMessage only). Defaults to none. */
    readonly senders?: QueueClient[];
    /** Roles allowed to receive, extend, delete and read attributes on the work queue, and to receive from the dead-letter queue (never purge). Defaults to none. */
    readonly consumers?: QueueClient[];
}

/**
 * An SQS standard queue with a dead-letter queue after maxReceiveCount receives, encrypted at rest (SSE-SQS or
 * SSE-KMS), queue policies from birth that deny any request without TLS, long polling on both.
 */
export class WorkQueue extends pulumi.ComponentResource {
    /** The work queue's URL (the app's QUEUE_URL). */
    public readonly queueUrl: pulumi.Output<string>;
    /** The work queue's ARN. */
    public readonly queueArn: pulumi.Output<string>;
    /** The work queue's name (the QueueName dimension of its metrics). */
    public readonly queueName: pulumi.Output<string>;
    /** The dead-letter queue's URL (the app's DEAD_LETTER_QUEUE_URL). */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The dead-letter queue's ARN. */
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    /** The redrive policy's maxReceiveCount (the app's MAX_RECEIVE_COUNT). */
    public readonly maxReceiveCount: pulumi.Output<number>;
    /** The work queue's visibility timeout, seconds. */
    public readonly visibilityTimeoutSeconds: pulumi.Output<number>;

    constructor(name: string, args: WorkQueueArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:WorkQueue", name, {}, opts);
        args = args ?? {};
        const queue = new WorkQueueComponent(
            name,
            { maxReceiveCount: args.maxReceiveCount, messageRetentionDays: args.messageRetentionDays, maxUploadBytes: args.maxUploadBytes, kmsKeyArn: args.kmsKeyArn },
            { parent: this },
        );
        const role = roleHandles();
        const grantee = (client: NamedRole) => ({ name: client.name, role: role(client) });
        for (const sender of args.senders ?? []) queue.grantSend(grantee(sender));
        for (const consumer of args.consumers ?? []) queue.grantConsume(grantee(consumer));
        this.queueUrl = queue.queueUrl;
        this.queueArn = queue.queueArn;
        this.queueName = queue.queueName;
        this.deadLetterQueueUrl = queue.deadLetterQueueUrl;
        this.deadLetterQueueArn = queue.deadLetterQueueArn;
        this.maxReceiveCount = pulumi.output(queue.maxReceiveCount);
        this.visibilityTimeoutSeconds = pulumi.output(queue.visibilityTimeoutSeconds);
        this.registerOutputs({
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            queueName: this.queueName,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            deadLetterQueueArn: this.deadLetterQueueArn,
            maxReceiveCount: this.maxReceiveCount,
            visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
        });
    }
}
