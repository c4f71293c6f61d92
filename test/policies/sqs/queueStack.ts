/**
 * The work queue and its dead-letter queue as components/workQueue.ts builds them, in two forms: as the preview of a new
 * stack records them (ARNs, URLs and every document that names them unknown, joined by property dependencies), and as
 * `pulumi up` leaves them (every value known, joined by ARN and URL).
 */
import { Stack, U } from "../fixtures";

export const ACCOUNT_QUEUES = "arn:aws:sqs:us-east-1:210987654321";
const url = (name: string) => `https://sqs.us-east-1.amazonaws.com/210987654321/${name}`;

export const denyNonTls = (arn: string | typeof U, action = "sqs:*") =>
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: action, Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } }] });

/** A preview of a new stack: the redrive and queue policies are unknown, built only from the queues. */
export function previewQueueStack(): Stack {
    return new Stack()
        .add("aws:sqs/queue:Queue", "work-dead-letters", { inputs: { sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 }, outputs: { sqsManagedSseEnabled: true, id: U, arn: U, url: U } })
        .add("aws:sqs/queue:Queue", "work-queue", {
            inputs: { sqsManagedSseEnabled: true, messageRetentionSeconds: 604800, redrivePolicy: U },
            outputs: { sqsManagedSseEnabled: true, redrivePolicy: U, id: U, arn: U, url: U },
            deps: { redrivePolicy: ["work-dead-letters"] },
        })
        .add("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy", "work-dead-letters-sources", { inputs: { queueUrl: U, redriveAllowPolicy: U }, deps: { queueUrl: ["work-dead-letters"], redriveAllowPolicy: ["work-queue"] } })
        .add("aws:sqs/queuePolicy:QueuePolicy", "work-queue-policy", { inputs: { queueUrl: U, policy: U }, deps: { queueUrl: ["work-queue"], policy: ["work-queue"] } })
        .add("aws:sqs/queuePolicy:QueuePolicy", "work-dead-letters-policy", { inputs: { queueUrl: U, policy: U }, deps: { queueUrl: ["work-dead-letters"], policy: ["work-dead-letters"] } });
}

/**
 * The same preview as the real CLI sends it to AnalyzeStack: "AnalyzeStack is called on the final outputs of each
 * resource" (pulumi/pulumi pkg/resource/deploy/step_generator.go), and the aws provider's preview of a create answers
 * every computed output the program left unset as unknown: a queue's `policy`, `redrivePolicy` and
 * `redriveAllowPolicy` are Optional+Computed (@pulumi/aws sqs/queue.d.ts declares them `Output<string>`, not optional).
 * Unset, they carry no property dependencies.
 */
export function cliPreviewQueueStack(): Stack {
    const stack = previewQueueStack();
    for (const name of ["work-dead-letters", "work-queue"]) {
        const outputs = stack.get(name).outputs;
        for (const computed of ["policy", "redrivePolicy", "redriveAllowPolicy"]) outputs[computed] = U;
    }
    return stack;
}

/** The same stack after `pulumi up`: every value known; joins by ARN and URL work without property dependencies. */
export function appliedQueueStack(): Stack {
    const known = (name: string, inputs: Record<string, unknown>) => ({ inputs, outputs: { ...inputs, id: url(name), url: url(name), arn: `${ACCOUNT_QUEUES}:${name}` } });
    return new Stack()
        .add("aws:sqs/queue:Queue", "work-dead-letters", known("work-dead-letters-1", { sqsManagedSseEnabled: true }))
        .add("aws:sqs/queue:Queue", "work-queue", known("work-queue-1", { sqsManagedSseEnabled: true, redrivePolicy: JSON.stringify({ deadLetterTargetArn: `${ACCOUNT_QUEUES}:work-dead-letters-1`, maxReceiveCount: 3 }) }))
        .add("aws:sqs/queuePolicy:QueuePolicy", "work-queue-policy", { inputs: { queueUrl: url("work-queue-1"), policy: denyNonTls(`${ACCOUNT_QUEUES}:work-queue-1`) } })
        .add("aws:sqs/queuePolicy:QueuePolicy", "work-dead-letters-policy", { inputs: { queueUrl: url("work-dead-letters-1"), policy: denyNonTls(`${ACCOUNT_QUEUES}:work-dead-letters-1`) } });
}
