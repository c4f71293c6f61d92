/**
 * The stack's `workQueue` key: the SQS work queue and its dead-letter queue (components/workQueue.ts). Every field is
 * optional; the component's defaults function is the one place a default lives.
 */
import { Problem, validateWorkQueueArgs, WorkQueueArgs } from "../components";

/** What a stack decides about the queue; the largest item comes from `maxUploadBytes`, not from here. */
export interface WorkQueueSettings {
    /** Receives before a message moves to the dead-letter queue, 1 to 1,000. Defaults to 3. */
    readonly maxReceiveCount?: WorkQueueArgs["maxReceiveCount"];
    /** Days the work queue keeps a message, 1 to 13 (the dead-letter queue keeps 14). Defaults to 7. */
    readonly messageRetentionDays?: WorkQueueArgs["messageRetentionDays"];
    /** A KMS key ARN for SSE-KMS on both queues. Defaults to SSE-SQS (SQS-managed keys). */
    readonly kmsKeyArn?: string;
}

const WORK_QUEUE_FIELDS = ["maxReceiveCount", "messageRetentionDays", "kmsKeyArn"] as const satisfies readonly (keyof WorkQueueSettings)[];

/** `workQueue`: a map of {@link WORK_QUEUE_FIELDS}, each checked as the WorkQueue checks it and reported as `workQueue.<field>`. */
export function parseWorkQueue(raw: Record<string, unknown> | undefined, problems: Problem[]): WorkQueueSettings {
    if (raw === undefined) return {};
    for (const k of Object.keys(raw)) {
        if (!(WORK_QUEUE_FIELDS as readonly string[]).includes(k)) {
            problems.push({ property: `workQueue.${k}`, reason: `is not a work-queue setting; use ${WORK_QUEUE_FIELDS.join(", ")}` });
        }
    }
    if (raw.kmsKeyArn !== undefined && typeof raw.kmsKeyArn !== "string") {
        problems.push({ property: "workQueue.kmsKeyArn", reason: `must be a KMS key ARN string; got ${JSON.stringify(raw.kmsKeyArn)}` });
    }
    const settings = raw as WorkQueueSettings;
    problems.push(...validateWorkQueueArgs(settings).map((p) => ({ ...p, property: `workQueue.${p.property}` })));
    return settings;
}
