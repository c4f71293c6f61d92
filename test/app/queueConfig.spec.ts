import { strict as assert } from "assert";
import { readQueueConfig } from "../../app/src/queue/queueConfig";

/** The work queue's environment (app/src/queue/queueConfig.ts): every problem names its variable, all at once. */
describe("app: the work queue's environment is validated at start", () => {
    const problems = (env: Record<string, string>) => {
        const found: { variable: string; reason: string }[] = [];
        readQueueConfig(env, found);
        return found;
    };
    const good = { QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/work", DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/work-dlq" };

    it("accepts the two queue URLs and defaults MAX_RECEIVE_COUNT to 3 and RECONCILE_SECONDS to 300", () => {
        const found: { variable: string; reason: string }[] = [];
        const c = readQueueConfig(good, found);
        assert.deepEqual(found, []);
        assert.deepEqual([c.maxReceiveCount, c.reconcileSeconds, c.visibilitySeconds], [3, 300, undefined]);
    });

    it("names QUEUE_URL and DEAD_LETTER_QUEUE_URL when they are missing, both at once", () => {
        assert.deepEqual(problems({}).map((p) => p.variable), ["QUEUE_URL", "DEAD_LETTER_QUEUE_URL"]);
    });

    it("refuses a plain-http queue URL unless SQS_ENDPOINT names a local server (the queue policy denies requests without TLS)", () => {
        const http = { ...good, QUEUE_URL: "http://127.0.0.1:4566/000000000000/work" };
        assert.deepEqual(problems(http).map((p) => p.variable), ["QUEUE_URL"]);
        assert.match(problems(http)[0].reason, /plain http is only for a local SQS_ENDPOINT/);
        assert.deepEqual(problems({ ...http, DEAD_LETTER_QUEUE_URL: "http://127.0.0.1:4566/000000000000/dlq", SQS_ENDPOINT: "http://127.0.0.1:4566" }), []);
    });

    it("refuses a dead-letter queue that is the work queue itself, a URL that is not a queue, and out-of-range numbers", () => {
        assert.deepEqual(problems({ ...good, DEAD_LETTER_QUEUE_URL: good.QUEUE_URL }).map((p) => p.variable), ["DEAD_LETTER_QUEUE_URL"]);
        assert.deepEqual(problems({ ...good, QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/work" }).map((p) => p.variable), ["QUEUE_URL"]);
        assert.deepEqual(problems({ ...good, MAX_RECEIVE_COUNT: "0", QUEUE_VISIBILITY_SECONDS: "43201", RECONCILE_SECONDS: "x" }).map((p) => p.variable), ["MAX_RECEIVE_COUNT", "QUEUE_VISIBILITY_SECONDS", "RECONCILE_SECONDS"]);
    });
});
