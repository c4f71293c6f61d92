/**
 * The app's work queue in the specs: a real SQS-compatible server on loopback. moto's server (the one that serves
 * S3 to the specs, test/support/s3server.ts) serves SQS on the same kind of endpoint, with redrive policies,
 * visibility timeouts, ChangeMessageVisibility and long polling; one more Python server and no JVM, where ElasticMQ
 * would need a Java runtime from Maven Central beside it. Each DATA_DIR gets its own queue and dead-letter queue,
 * as a deployment has one of each per file system, so specs that share a DATA_DIR between processes share the queue.
 */
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { createHash } from "crypto";
import { CREDENTIALS, S3Server, startMoto } from "./s3server";

let shared: Promise<S3Server> | undefined;

/** The specs' SQS server, one per mocha process (S3 servers come and go, and specs black-hole them). */
export function sqsServer(): Promise<S3Server> {
    shared ??= startMoto().then((s) => {
        // Not a reason for the test process to stay: mocha ends when the specs are done, and the server goes with it.
        s.child.unref();
        process.once("exit", () => s.child.kill("SIGKILL"));
        return s;
    });
    return shared;
}

function client(endpoint: string): SQSClient {
    return new SQSClient({ endpoint, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
}

export interface QueuePair {
    readonly QUEUE_URL: string;
    readonly DEAD_LETTER_QUEUE_URL: string;
    readonly SQS_ENDPOINT: string;
}

/**
 * Creates (idempotently) the work queue and dead-letter queue for `key` (a DATA_DIR) on `endpoint`, the work queue
 * with a redrive policy of `maxReceiveCount` and a visibility timeout of `visibilitySeconds`, as the WorkQueue
 * component does in AWS. Returns the environment the app reads.
 */
export async function queuesFor(key: string, options: { endpoint?: string; maxReceiveCount?: number; visibilitySeconds?: number } = {}): Promise<QueuePair> {
    const endpoint = options.endpoint ?? (await sqsServer()).endpoint;
    const sqs = client(endpoint);
    const name = `work-${createHash("sha256").update(key).digest("hex").slice(0, 16)}`;
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))).Attributes!.QueueArn!;
    const q = await sqs.send(
        new CreateQueueCommand({
            QueueName: name,
            Attributes: {
                VisibilityTimeout: String(options.visibilitySeconds ?? 30),
                RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 3 }),
            },
        }),
    );
    sqs.destroy();
    return { QUEUE_URL: q.QueueUrl!, DEAD_LETTER_QUEUE_URL: dlq.QueueUrl!, SQS_ENDPOINT: endpoint };
}

/** `env` with the queues of its DATA_DIR added, unless it names its own QUEUE_URL. */
export async function withQueues(env: Record<string, string>): Promise<Record<string, string>> {
    if (env.QUEUE_URL !== undefined || env.DATA_DIR === undefined) return env;
    return { ...(await queuesFor(env.DATA_DIR, { maxReceiveCount: env.MAX_RECEIVE_COUNT ? Number(env.MAX_RECEIVE_COUNT) : undefined })), ...env };
}
