/**
 * The work queue's side of the environment (issue 19's contract): the SQS work queue and its dead-letter queue, set
 * by the Pulumi program (components/workQueue.ts), and the few figures the app needs to drive them.
 */

/** What the app knows of its queues. */
export interface QueueConfig {
    /** The SQS standard queue that carries one message per item waiting on EFS (QUEUE_URL). */
    readonly queueUrl: string;
    /** Its dead-letter queue (DEAD_LETTER_QUEUE_URL): messages received maxReceiveCount times land there. */
    readonly deadLetterQueueUrl: string;
    /** A local SQS-compatible server (SQS_ENDPOINT), like S3_ENDPOINT; unset in AWS. */
    readonly endpoint?: string;
    /** The queue's redrive maxReceiveCount (MAX_RECEIVE_COUNT), written into a quarantined item's reason. */
    readonly maxReceiveCount: number;
    /**
     * QUEUE_VISIBILITY_SECONDS: how long a received message stays invisible before it must be extended, passed on
     * every ReceiveMessage. Unset: the queue's own VisibilityTimeout, read once with GetQueueAttributes.
     */
    readonly visibilitySeconds?: number;
    /** RECONCILE_SECONDS: how often the fleet looks on EFS for items whose message was never sent (one scan per period). */
    readonly reconcileSeconds: number;
}

/** The variables, each with what it accepts (merged into config.ts's VARIABLES). */
export const QUEUE_VARIABLES: Record<string, string> = {
    QUEUE_URL: "the https URL of the SQS work queue, such as https://sqs.eu-west-1.amazonaws.com/123456789012/work; required",
    DEAD_LETTER_QUEUE_URL: "the https URL of the work queue's dead-letter queue; required",
    SQS_ENDPOINT: "an http(s) URL of an SQS-compatible endpoint (optional)",
    MAX_RECEIVE_COUNT: "the work queue's redrive maxReceiveCount, an integer 1-1000 (default 3)",
    QUEUE_VISIBILITY_SECONDS: "an integer number of seconds 1-43200 (default: the queue's VisibilityTimeout)",
    RECONCILE_SECONDS: "an integer number of seconds 1-86400 (default 300)",
};

function httpUrl(v: string): URL | undefined {
    try {
        const u = new URL(v);
        return ["http:", "https:"].includes(u.protocol) ? u : undefined;
    } catch {
        return undefined;
    }
}

/** Reads the queue variables; every problem names its variable. */
export function readQueueConfig(env: NodeJS.ProcessEnv, problems: { variable: string; reason: string }[]): QueueConfig {
    const int = (name: string, fallback: number | undefined, min: number, max: number): number | undefined => {
        const v = env[name];
        if (v === undefined || v === "") return fallback;
        if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
            problems.push({ variable: name, reason: `is ${JSON.stringify(v)}` });
            return fallback;
        }
        return Number(v);
    };
    const endpoint = env.SQS_ENDPOINT || undefined;
    if (endpoint !== undefined && !httpUrl(endpoint)) problems.push({ variable: "SQS_ENDPOINT", reason: `is ${JSON.stringify(endpoint)}` });
    // An SQS queue URL is <endpoint>/<account id>/<queue name>. Plain http is accepted only beside SQS_ENDPOINT (a
    // local server): in AWS the queue policy denies every request without TLS.
    const queueUrl = (name: string): string => {
        const v = env[name];
        if (v === undefined || v === "") {
            problems.push({ variable: name, reason: "is not set" });
            return "";
        }
        const u = httpUrl(v);
        const parts = u?.pathname.split("/").filter((p) => p !== "") ?? [];
        const ok = u !== undefined && (u.protocol === "https:" || endpoint !== undefined) && parts.length === 2 && /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(parts[1]) && u.search === "";
        if (!ok) problems.push({ variable: name, reason: `is ${JSON.stringify(v)}${u?.protocol === "http:" && endpoint === undefined ? " (plain http is only for a local SQS_ENDPOINT)" : ""}` });
        return v;
    };
    const config: QueueConfig = {
        queueUrl: queueUrl("QUEUE_URL"),
        deadLetterQueueUrl: queueUrl("DEAD_LETTER_QUEUE_URL"),
        endpoint,
        maxReceiveCount: int("MAX_RECEIVE_COUNT", 3, 1, 1000)!,
        visibilitySeconds: int("QUEUE_VISIBILITY_SECONDS", undefined, 1, 43200),
        reconcileSeconds: int("RECONCILE_SECONDS", 300, 1, 86400)!,
    };
    if (config.queueUrl !== "" && config.queueUrl === config.deadLetterQueueUrl) {
        problems.push({ variable: "DEAD_LETTER_QUEUE_URL", reason: "is the same as QUEUE_URL; it must be the work queue's own dead-letter queue" });
    }
    return config;
}
