/**
 * Issue 22's cost lines against their list prices (tools/cost/prices.ts, us-east-1): Fargate per architecture,
 * Fargate Spot as a configurable discount, EFS Archive storage, the replica, the exec log's KMS key, and the
 * savings the plan shows. Expectations are literals worked out by hand from the price pages, never the formula.
 */
import * as assert from "assert";
import * as path from "path";
import { spotTaskCount, WORKER_CAPACITY } from "../../components";
import { CostEstimate, CostInput, estimateMonthlyCost } from "../../tools/cost/model";
import { applyPriceOverrides, LIST_PRICES } from "../../tools/cost/prices";
import { costInputFromStack } from "../../tools/preview/costInput";
import { loadStackConfigFromFile } from "../../tools/stackConfigFile";

const noUsage = { efsStoredGb: 0, efsInfrequentAccessPercent: 0, efsElasticReadGb: 0, efsElasticWriteGb: 0, s3StandardGb: 0, s3GlacierGb: 0, s3PutRequests: 0, s3GetRequests: 0, natDataGb: 0 };
const empty: CostInput = { usage: noUsage, efs: { throughputMode: "elastic", backupEnabled: false }, service: { cpu: 256, memoryMib: 512, taskCount: 0 }, natGatewayCount: 0, loadBalancerCount: 0, azCount: 2 };
const line = (estimate: CostEstimate, item: string) => {
    const found = estimate.lines.find((l) => l.item === item);
    assert.ok(found, `no line "${item}" in ${estimate.lines.map((l) => l.item).join(", ")}`);
    return found;
};
const saving = (estimate: CostEstimate, item: RegExp) => estimate.savings?.find((s) => item.test(s.item))?.usd;

describe("cost: Fargate per architecture and on Spot", () => {
    it("prices an ARM64 task at the Linux/ARM rates and shows what Graviton saves against x86", () => {
        // 1 task × 730 h × 1 vCPU × $0.03238 = $23.64; × 2 GB × $0.00356 = $5.20.
        // x86 would be 730 × $0.04048 + 1460 × $0.004445 = $36.04; ARM64 is $28.84: $7.21 saved.
        const estimate = estimateMonthlyCost({ ...empty, service: { cpu: 1024, memoryMib: 2048, taskCount: 1, architecture: "ARM64" } }, LIST_PRICES);
        assert.deepStrictEqual([line(estimate, "Fargate vCPU").unitPriceUsd, line(estimate, "Fargate vCPU").usd], [0.03238, 23.64]);
        assert.deepStrictEqual([line(estimate, "Fargate memory").unitPriceUsd, line(estimate, "Fargate memory").usd], [0.00356, 5.2]);
        assert.strictEqual(saving(estimate, /^Graviton .*web tier/), 7.21);
    });
    it("prices X86_64 at the Linux/x86 rates with no saving", () => {
        const estimate = estimateMonthlyCost({ ...empty, service: { cpu: 1024, memoryMib: 2048, taskCount: 1, architecture: "X86_64" } }, LIST_PRICES);
        assert.strictEqual(line(estimate, "Fargate vCPU").usd, 29.55);
        assert.strictEqual(estimate.savings, undefined);
    });
    it("prices the worker's Spot tasks at 70% off the x86 price and its base task on demand", () => {
        // 4 tasks of 0.5 vCPU / 1 GB, 3 on Spot. On demand: 365 vCPU-h × $0.04048 = $14.78, 730 GB-h × $0.004445 = $3.24.
        // Spot: 1095 vCPU-h × $0.012144 = $13.30, 2190 GB-h × $0.0013335 = $2.92. Saved: 70% of $54.06 = $37.84.
        const worker = { cpu: 512, memoryMib: 1024, taskCount: 4, architecture: "X86_64" as const, spotTaskCount: 3 };
        const estimate = estimateMonthlyCost({ ...empty, worker }, LIST_PRICES);
        assert.strictEqual(line(estimate, "Fargate vCPU (worker)").usd, 14.78);
        assert.strictEqual(line(estimate, "Fargate memory (worker)").usd, 3.24);
        assert.deepStrictEqual([line(estimate, "Fargate Spot vCPU (worker)").quantity, line(estimate, "Fargate Spot vCPU (worker)").usd], [1095, 13.3]);
        assert.strictEqual(line(estimate, "Fargate Spot memory (worker)").usd, 2.92);
        assert.strictEqual(saving(estimate, /^Fargate Spot .*worker/), 37.84);
        assert.match(line(estimate, "Fargate Spot vCPU (worker)").priceSource, /aws\.amazon\.com\/fargate\/pricing.*Fargate Spot/);
    });
    it("prices ARM64 Spot tasks at 70% off the Linux/ARM price, and Graviton's saving over the on-demand and Spot hours", () => {
        // The same 4 tasks on ARM64. On demand: 365 vCPU-h × $0.03238 = $11.82, 730 GB-h × $0.00356 = $2.60.
        // Spot: 1095 vCPU-h × $0.009714 = $10.64, 2190 GB-h × $0.001068 = $2.34. Spot saved: 70% of $43.25 = $30.28.
        // Graviton saved: (730 + 2190 × 0.3) h × (0.5 × $0.0081 + 1 × $0.000885) = 1387 × $0.004935 = $6.84.
        const worker = { cpu: 512, memoryMib: 1024, taskCount: 4, architecture: "ARM64" as const, spotTaskCount: 3 };
        const estimate = estimateMonthlyCost({ ...empty, worker }, LIST_PRICES);
        assert.strictEqual(line(estimate, "Fargate vCPU (worker)").usd, 11.82);
        assert.strictEqual(line(estimate, "Fargate memory (worker)").usd, 2.6);
        const unit = (item: string) => Number(line(estimate, item).unitPriceUsd.toFixed(9));
        assert.deepStrictEqual([unit("Fargate Spot vCPU (worker)"), line(estimate, "Fargate Spot vCPU (worker)").usd], [0.009714, 10.64]);
        assert.deepStrictEqual([unit("Fargate Spot memory (worker)"), line(estimate, "Fargate Spot memory (worker)").usd], [0.001068, 2.34]);
        assert.strictEqual(saving(estimate, /^Fargate Spot .*worker/), 30.28);
        assert.strictEqual(saving(estimate, /^Graviton .*worker/), 6.84);
        assert.match(line(estimate, "Fargate Spot vCPU (worker)").priceSource, /Linux\/ARM.*Fargate Spot/);
    });
    it("shows what Spot saves at the tier's maxCount beside the total: prod's worker, 1 base task now, 3 of 4 on Spot at its ceiling", () => {
        // 3 tasks × 730 h × (0.5 vCPU × $0.03238 + 1 GB × $0.00356) = $43.25 on demand; 70% of it = $30.28, not in the total.
        const worker = { cpu: 512, memoryMib: 1024, taskCount: 1, maxTaskCount: 4, architecture: "ARM64" as const, spotTaskCount: 0, spotTaskCountAtMax: 3 };
        const estimate = estimateMonthlyCost({ ...empty, worker }, LIST_PRICES);
        assert.deepStrictEqual(estimate.savingsAtMaxCount?.map((x) => [x.item, x.usd]), [["Fargate Spot instead of on-demand, worker at its maxCount of 4", 30.28]]);
        assert.ok(!estimate.lines.some((l) => l.item.startsWith("Fargate Spot")), "the lines price taskCount only");
        assert.strictEqual(estimateMonthlyCost({ ...empty, worker: { ...worker, spotTaskCountAtMax: 0 } }, LIST_PRICES).savingsAtMaxCount, undefined);
    });
    it("takes the Spot discount from a price override (the Spot rate of the day)", () => {
        const prices = applyPriceOverrides(LIST_PRICES, { fargateSpotDiscount: 0.5 }, "spot-today.yaml");
        const estimate = estimateMonthlyCost({ ...empty, worker: { cpu: 1024, memoryMib: 2048, taskCount: 1, spotTaskCount: 1 } }, prices);
        // 730 vCPU-h × $0.02024 = $14.78.
        assert.deepStrictEqual([line(estimate, "Fargate Spot vCPU (worker)").unitPriceUsd, line(estimate, "Fargate Spot vCPU (worker)").usd], [0.02024, 14.78]);
    });
    it("spreads tasks as ECS does: the base first, then by weight", () => {
        assert.deepStrictEqual([0, 1, 2, 4].map((n) => spotTaskCount(WORKER_CAPACITY, n)), [0, 0, 1, 3]);
        assert.strictEqual(spotTaskCount([{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 3 }], 4), 3);
        assert.strictEqual(spotTaskCount([{ capacityProvider: "FARGATE_SPOT", base: 2, weight: 1 }], 2), 2);
    });
});

describe("cost: EFS Archive, the replica and the exec key", () => {
    const usage = { ...noUsage, efsStoredGb: 100, efsInfrequentAccessPercent: 60, efsArchivePercent: 20, efsElasticWriteGb: 50 };
    it("moves the Archive share out of IA: 40 GB Standard $12.00, 40 GB IA $0.64, 20 GB Archive at $0.008 = $0.16", () => {
        const estimate = estimateMonthlyCost({ ...empty, usage, efs: { throughputMode: "elastic", backupEnabled: false, archive: true } }, LIST_PRICES);
        assert.strictEqual(line(estimate, "EFS Standard storage").usd, 12);
        assert.deepStrictEqual([line(estimate, "EFS Infrequent Access storage").quantity, line(estimate, "EFS Infrequent Access storage").usd], [40, 0.64]);
        assert.deepStrictEqual([line(estimate, "EFS Archive storage").quantity, line(estimate, "EFS Archive storage").unitPriceUsd, line(estimate, "EFS Archive storage").usd], [20, 0.008, 0.16]);
    });
    it("has no Archive line without the Archive tier", () => {
        const estimate = estimateMonthlyCost({ ...empty, usage }, LIST_PRICES);
        assert.ok(!estimate.lines.some((l) => l.item === "EFS Archive storage"));
        assert.strictEqual(line(estimate, "EFS Infrequent Access storage").quantity, 60);
    });
    it("prices the replica's storage and the copy of every GB written: $12.00 + $0.96 + 50 GB × $0.02 = $1.00", () => {
        const estimate = estimateMonthlyCost({ ...empty, usage: { ...usage, efsArchivePercent: 0 }, efs: { throughputMode: "elastic", backupEnabled: false, replicaRegion: "us-west-2" } }, LIST_PRICES);
        assert.strictEqual(line(estimate, "EFS replica Standard storage").usd, 12);
        assert.strictEqual(line(estimate, "EFS replica Infrequent Access storage").usd, 0.96);
        assert.deepStrictEqual([line(estimate, "EFS replication data transfer").quantity, line(estimate, "EFS replication data transfer").usd], [50, 1]);
        assert.match(line(estimate, "EFS replica Standard storage").note ?? "", /us-west-2/);
    });
    it("prices the exec session log's KMS key at $1.00 a month", () => {
        assert.strictEqual(line(estimateMonthlyCost({ ...empty, kmsKeys: 1 }, LIST_PRICES), "KMS keys").usd, 1);
    });
});

describe("cost: what the shipped stacks price (Pulumi.dev.yaml, Pulumi.prod.yaml)", () => {
    const root = path.join(__dirname, "..", "..");
    it("prices dev's web tier on ARM64 and prod's worker on ARM64 with its strategy's Spot share", () => {
        const dev = costInputFromStack(loadStackConfigFromFile(path.join(root, "Pulumi.dev.yaml")), []);
        assert.strictEqual(dev.service.architecture, "ARM64");
        assert.strictEqual(dev.worker, undefined);
        const prod = costInputFromStack(loadStackConfigFromFile(path.join(root, "Pulumi.prod.yaml")), []);
        assert.strictEqual(prod.service.architecture, "ARM64");
        assert.deepStrictEqual([prod.worker?.architecture, prod.worker?.taskCount, prod.worker?.spotTaskCount, prod.worker?.spotTaskCountAtMax], ["ARM64", 1, 0, 3]);
        // prod's web tier: 2 tasks × 730 h × (1 vCPU × $0.0081 + 2 GB × $0.000885) = $14.41 saved by Graviton.
        assert.strictEqual(saving(estimateMonthlyCost(prod, LIST_PRICES), /^Graviton .*web tier/), 14.41);
    });
});
