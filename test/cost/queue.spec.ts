/**
 * The work queue in the plan's cost (issue 19): SQS requests at the list price for standard queues
 * (aws.amazon.com/sqs/pricing), for the items sent through it and for every consumer task's long polls on both queues.
 */
import * as assert from "assert";
import { CostInput, estimateMonthlyCost } from "../../tools/cost/model";
import { LIST_PRICES } from "../../tools/cost/prices";
import { costInputFromStack } from "../../tools/preview/costInput";
import { PROD_UPDATE_OVERRIDES, stackRun } from "../mocks";

const base: CostInput = {
    usage: { efsStoredGb: 0, efsInfrequentAccessPercent: 0, efsElasticReadGb: 0, efsElasticWriteGb: 0, s3StandardGb: 0, s3GlacierGb: 0, s3PutRequests: 0, s3GetRequests: 0, natDataGb: 0, queueMessages: 1_000_000 },
    efs: { throughputMode: "bursting", backupEnabled: false },
    service: { cpu: 256, memoryMib: 512, taskCount: 0 },
    natGatewayCount: 0,
    loadBalancerCount: 0,
    azCount: 2,
};

describe("cost: the work queue (issue 19)", () => {
    it("prices a million items (3 requests each) and two tasks' polls at the app's pace — the work queue every 5 s, the dead-letter queue once a minute — at $0.40 per million", () => {
        const estimate = estimateMonthlyCost({ ...base, queue: { consumerTasks: 2 } }, LIST_PRICES);
        const lines = estimate.lines.filter((l) => l.service === "SQS").map((l) => [l.item, l.quantity, l.usd]);
        // Work queue: 2 tasks × 525,600 polls (730 h × 3,600 s / 5 s, archiver.ts's wait) = 1,051,200 besides 3,000,000.
        // Dead-letter queue: 2 tasks × 43,800 looks (730 h × 60). (A model of 20 s polls on both priced 262,800 each.)
        assert.deepStrictEqual(lines, [
            ["SQS requests (work queue)", 4.0512, 1.62],
            ["SQS requests (dead-letter queue)", 0.0876, 0.04],
        ]);
        assert.strictEqual(estimate.monthlyUsd, 1.66);
    });
    it("prices nothing for a stack without the queue", () => {
        assert.deepStrictEqual(estimateMonthlyCost(base, LIST_PRICES).lines, []);
    });
    it("the plan counts the web and worker tasks as consumers (prod: 2 + 1) and reads queueMessages from the stack's usage", async function () {
        this.timeout(120_000);
        const run = await stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });
        const input = costInputFromStack(run.config, run.resources);
        assert.deepStrictEqual(input.queue, { consumerTasks: 3 });
        assert.strictEqual(input.usage.queueMessages, 1_000_000);
    });
});
