/**
 * Issue 11: the plan prices CloudFront (HTTPS requests, data out) and Athena (per TB scanned) from the usage
 * assumptions, only for stacks that turn the feature on. List prices: aws.amazon.com/cloudfront/pricing and
 * aws.amazon.com/athena/pricing (us-east-1, November 2026).
 */
import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { CostInput, estimateMonthlyCost } from "../../tools/cost/model";
import { LIST_PRICES } from "../../tools/cost/prices";

const usage = { efsStoredGb: 0, efsInfrequentAccessPercent: 0, efsElasticReadGb: 0, efsElasticWriteGb: 0, s3StandardGb: 0, s3GlacierGb: 0, s3PutRequests: 0, s3GetRequests: 0, natDataGb: 0, cdnRequests: 1_000_000, cdnDataOutGb: 10, athenaScannedGb: 2048 };
const base: CostInput = { usage, efs: { throughputMode: "bursting", backupEnabled: false }, service: { cpu: 256, memoryMib: 512, taskCount: 0 }, natGatewayCount: 0, loadBalancerCount: 0, azCount: 2 };

describe("cost: CloudFront and Athena lines", () => {
    it("prices 1 M HTTPS requests at $1.00 and 10 GB out at $0.85 when the CDN is on", () => {
        const e = estimateMonthlyCost({ ...base, cdn: true }, LIST_PRICES);
        assert.deepStrictEqual(e.lines.map((l) => [l.item, l.usd]), [["CloudFront HTTPS requests", 1], ["CloudFront data transfer out", 0.85]]);
        assert.match(e.lines[0].priceSource, /aws\.amazon\.com\/cloudfront\/pricing/);
    });
    it("prices 2 TB scanned at $10.00 when log analytics is on", () => {
        const e = estimateMonthlyCost({ ...base, logAnalytics: true }, LIST_PRICES);
        assert.deepStrictEqual(e.lines.map((l) => [l.item, l.usd]), [["Athena data scanned", 10]]);
        assert.match(e.lines[0].priceSource, /aws\.amazon\.com\/athena\/pricing/);
    });
    it("prices neither when both are off, whatever the usage says", () => {
        assert.deepStrictEqual(estimateMonthlyCost(base, LIST_PRICES).lines, []);
    });
    it("reads the assumptions from the stack's usage map, and refuses an unknown or negative one by key", () => {
        const c = parseStackConfig({ "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true", "fargate-efs-s3:usage": JSON.stringify({ cdnDataOutGb: 300 }) });
        assert.deepStrictEqual([c.usage.cdnDataOutGb, c.usage.cdnRequests, c.usage.athenaScannedGb], [300, 1_000_000, 10]);
        assert.throws(() => parseStackConfig({ "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true", "fargate-efs-s3:usage": JSON.stringify({ athenaScannedGb: -1 }) }), /usage\.athenaScannedGb/);
    });
});
