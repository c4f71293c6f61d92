import * as assert from "assert";
import * as path from "path";
import { CostEstimate, CostInput, estimateMonthlyCost } from "../../tools/cost/model";
import { HOURS_PER_MONTH, LIST_PRICES, loadPriceTable } from "../../tools/cost/prices";

const fixtures = path.join(__dirname, "..", "fixtures");
const articlePrices = loadPriceTable(path.join(fixtures, "article-prices.yaml"));

const noUsage = {
    efsStoredGb: 0,
    efsInfrequentAccessPercent: 0,
    efsElasticReadGb: 0,
    efsElasticWriteGb: 0,
    s3StandardGb: 0,
    s3GlacierGb: 0,
    s3PutRequests: 0,
    s3GetRequests: 0,
    natDataGb: 0,
};

/** Nothing billed: no storage, no tasks, no NAT, no ALB. Each case adds what it prices. */
const empty: CostInput = {
    usage: noUsage,
    efs: { throughputMode: "bursting", backupEnabled: false },
    service: { cpu: 256, memoryMib: 512, taskCount: 0 },
    natGatewayCount: 0,
    loadBalancerCount: 0,
    azCount: 2,
};

const sumOf = (estimate: CostEstimate, service: string) =>
    estimate.lines.filter((l) => l.service === service).reduce((sum, l) => sum + l.usd, 0);
const line = (estimate: CostEstimate, item: string) => {
    const found = estimate.lines.find((l) => l.item === item);
    assert.ok(found, `no line "${item}" in ${estimate.lines.map((l) => l.item).join(", ")}`);
    return found;
};

/** The article's EFS example: 100 GB, 100 MiB/s provisioned. */
const articleEfs: CostInput = {
    ...empty,
    usage: { ...noUsage, efsStoredGb: 100 },
    efs: { throughputMode: "provisioned", provisionedThroughputMibps: 100, backupEnabled: false },
};
/** The article's S3 example: 100 GB, 1M PUT, 10M GET. */
const articleS3: CostInput = {
    ...empty,
    usage: { ...noUsage, s3StandardGb: 100, s3PutRequests: 1_000_000, s3GetRequests: 10_000_000 },
};

describe("cost estimate", () => {
    it("reproduces the article's EFS example (~$35/month) with the article's own throughput price", () => {
        const estimate = estimateMonthlyCost(articleEfs, articlePrices);
        assert.strictEqual(line(estimate, "EFS Standard storage").usd, 30);
        assert.strictEqual(line(estimate, "EFS provisioned throughput").usd, 5);
        assert.ok(Math.abs(sumOf(estimate, "EFS") - 35) < 0.01, `EFS total ${sumOf(estimate, "EFS")}`);
    });

    it("prices the article's EFS example at list price: $6.00 per MiB/s-month above the included baseline", () => {
        const estimate = estimateMonthlyCost(articleEfs, LIST_PRICES);
        const throughput = line(estimate, "EFS provisioned throughput");
        // 100 GB of Standard storage includes 100 × 0.05 = 5 MiB/s; the other 95 MiB/s are billed.
        assert.strictEqual(throughput.quantity, 95);
        assert.strictEqual(throughput.usd, 570);
        assert.ok(Math.abs(sumOf(estimate, "EFS") - 600) < 0.01, `EFS total ${sumOf(estimate, "EFS")}`);
    });

    it("reproduces the article's S3 example ($11.30/month) at list prices", () => {
        const estimate = estimateMonthlyCost(articleS3, LIST_PRICES);
        assert.strictEqual(line(estimate, "S3 Standard storage").usd, 2.3);
        assert.deepStrictEqual([line(estimate, "S3 PUT requests").quantity, line(estimate, "S3 PUT requests").usd], [1000, 5]);
        assert.deepStrictEqual([line(estimate, "S3 GET requests").quantity, line(estimate, "S3 GET requests").usd], [10000, 4]);
        assert.ok(Math.abs(sumOf(estimate, "S3") - 11.3) < 0.01, `S3 total ${sumOf(estimate, "S3")}`);
        assert.strictEqual(estimate.monthlyUsd, 11.3);
    });

    it("every line is its quantity times its unit price, and the total is the sum of the lines", () => {
        const estimate = estimateMonthlyCost(
            {
                usage: { efsStoredGb: 37, efsInfrequentAccessPercent: 60, efsElasticReadGb: 11, efsElasticWriteGb: 7, s3StandardGb: 55, s3GlacierGb: 900, s3PutRequests: 123_456, s3GetRequests: 654_321, natDataGb: 42 },
                efs: { throughputMode: "elastic", backupEnabled: true },
                service: { cpu: 512, memoryMib: 1024, taskCount: 3 },
                natGatewayCount: 2,
                loadBalancerCount: 1,
                azCount: 2,
            },
            LIST_PRICES,
        );
        for (const l of estimate.lines) {
            assert.ok(Math.abs(l.usd - l.quantity * l.unitPriceUsd) <= 0.005 + 1e-9, `${l.item}: ${l.quantity} × ${l.unitPriceUsd} ≠ ${l.usd}`);
        }
        const sum = estimate.lines.reduce((s, l) => s + l.usd, 0);
        assert.ok(Math.abs(estimate.monthlyUsd - sum) < 1e-9);
    });

    it("splits EFS storage between Standard and Infrequent Access by the configured share", () => {
        const estimate = estimateMonthlyCost({ ...empty, usage: { ...noUsage, efsStoredGb: 200, efsInfrequentAccessPercent: 75 } }, LIST_PRICES);
        assert.strictEqual(line(estimate, "EFS Standard storage").quantity, 50);
        assert.strictEqual(line(estimate, "EFS Infrequent Access storage").quantity, 150);
    });

    it("prices Infrequent Access from the Elastic price list in elastic mode and from the legacy list otherwise", () => {
        const usage = { ...noUsage, efsStoredGb: 200, efsInfrequentAccessPercent: 75 };
        const ia = (throughputMode: "elastic" | "bursting") =>
            line(estimateMonthlyCost({ ...empty, usage, efs: { throughputMode, backupEnabled: false } }, LIST_PRICES), "EFS Infrequent Access storage");
        assert.deepStrictEqual([ia("elastic").unitPriceUsd, ia("elastic").usd], [0.016, 2.4]);
        assert.deepStrictEqual([ia("bursting").unitPriceUsd, ia("bursting").usd], [0.025, 3.75]);
    });

    it("bills no throughput line in bursting mode, and reads and writes by the GB in elastic mode", () => {
        const usage = { ...noUsage, efsStoredGb: 10, efsElasticReadGb: 100, efsElasticWriteGb: 50 };
        const bursting = estimateMonthlyCost({ ...empty, usage }, LIST_PRICES);
        assert.deepStrictEqual(bursting.lines.map((l) => l.item), ["EFS Standard storage"]);
        const elastic = estimateMonthlyCost({ ...empty, usage, efs: { throughputMode: "elastic", backupEnabled: false } }, LIST_PRICES);
        assert.strictEqual(line(elastic, "EFS Elastic Throughput reads").usd, 3);
        assert.strictEqual(line(elastic, "EFS Elastic Throughput writes").usd, 3);
    });

    it("bills no provisioned throughput when the storage baseline already covers it", () => {
        const estimate = estimateMonthlyCost(
            { ...empty, usage: { ...noUsage, efsStoredGb: 1000 }, efs: { throughputMode: "provisioned", provisionedThroughputMibps: 40, backupEnabled: false } },
            LIST_PRICES,
        );
        assert.ok(!estimate.lines.some((l) => l.item === "EFS provisioned throughput"));
    });

    it("bills one NAT gateway hour line per gateway and the Fargate tasks around the clock", () => {
        const estimate = estimateMonthlyCost(
            { ...empty, natGatewayCount: 3, azCount: 3, service: { cpu: 256, memoryMib: 512, taskCount: 2 } },
            LIST_PRICES,
        );
        assert.strictEqual(line(estimate, "NAT gateway hours").quantity, 3 * HOURS_PER_MONTH);
        assert.strictEqual(line(estimate, "NAT gateway hours").usd, 98.55);
        assert.strictEqual(line(estimate, "Fargate vCPU").quantity, 2 * 0.25 * HOURS_PER_MONTH);
        assert.strictEqual(line(estimate, "Fargate memory").quantity, 2 * 0.5 * HOURS_PER_MONTH);
        assert.strictEqual(line(estimate, "Public IPv4 addresses").quantity, 3 * HOURS_PER_MONTH);
    });

    it("bills an EFS backup only when backups are enabled", () => {
        const usage = { ...noUsage, efsStoredGb: 100 };
        assert.ok(!estimateMonthlyCost({ ...empty, usage }, LIST_PRICES).lines.some((l) => l.service === "Backup"));
        const backedUp = estimateMonthlyCost({ ...empty, usage, efs: { throughputMode: "bursting", backupEnabled: true } }, LIST_PRICES);
        assert.strictEqual(line(backedUp, "AWS Backup of EFS (warm storage)").usd, 5);
    });
    it("prices monitoring at CloudWatch list prices: $0.10 per alarm metric (metric math counts each metric), $0.30 high-resolution, $3 per dashboard, $0.30 per EMF metric; the SNS topic free", () => {
        const estimate = estimateMonthlyCost(
            { ...empty, monitoring: { alarmMetrics: 15, highResolutionAlarmMetrics: 2, dashboards: 1, customMetrics: 9, snsTopics: 1 } },
            LIST_PRICES,
        );
        assert.strictEqual(line(estimate, "CloudWatch alarm metrics").usd, 1.5);
        assert.strictEqual(line(estimate, "CloudWatch high-resolution alarm metrics").usd, 0.6);
        assert.strictEqual(line(estimate, "CloudWatch dashboards").usd, 3);
        assert.strictEqual(line(estimate, "CloudWatch custom metrics (app EMF)").usd, 2.7);
        assert.strictEqual(line(estimate, "SNS alarm topic").usd, 0);
        assert.strictEqual(estimate.monthlyUsd, 7.8);
        assert.match(line(estimate, "CloudWatch dashboards").priceSource, /aws\.amazon\.com\/cloudwatch\/pricing/);
        assert.match(line(estimate, "SNS alarm topic").priceSource, /aws\.amazon\.com\/sns\/pricing/);
    });
});
