/**
 * The price table the offline preview's cost estimate uses: AWS list prices for us-east-1 (N. Virginia),
 * on-demand, no free tier, no savings plans. Each entry names the public pricing page (and the row on
 * it) it was taken from; all were taken for November 2026 (`PRICES_TAKEN`). Prices change: check the
 * pages before quoting a figure, and override entries with `npm run plan -- --prices <file>`.
 *
 * One deliberate absence: the source article (seeds/, "Part 8: Cost Comparison") prices EFS provisioned
 * throughput at "$0.05/MiBps-month". The list price is $6.00 per MB/s-month, 120 times more, so its
 * "$35/month" example (100 GB at 100 MiB/s) really costs $600: $30 of storage and 95 MiB/s × $6.00 (AWS
 * bills provisioned throughput only above the 50 KB/s per GB that the Standard storage includes; without
 * that deduction it would be $630). The article's figure is reproduced only through an override file
 * (test/fixtures/article-prices.yaml), never here.
 */
import * as fs from "fs";
import * as YAML from "yaml";

/** The month the prices below were read off the AWS pricing pages. */
export const PRICES_TAKEN = "2026-11";

/** Hours in a month, as the AWS Pricing Calculator counts them (24 × 365 / 12). */
export const HOURS_PER_MONTH = 730;

export interface Price {
    /** US dollars per `unit`. */
    readonly usd: number;
    /** What one unit is, e.g. "GB-month". */
    readonly unit: string;
    /** Where the price comes from: the AWS pricing page and its row, or the override file. */
    readonly source: string;
}

const efsPage = "Amazon EFS pricing (aws.amazon.com/efs/pricing), US East (N. Virginia)";
const s3Page = "Amazon S3 pricing (aws.amazon.com/s3/pricing), US East (N. Virginia)";
const fargatePage = "AWS Fargate pricing (aws.amazon.com/fargate/pricing), US East (N. Virginia), Linux/x86";
const fargateArmPage = "AWS Fargate pricing (aws.amazon.com/fargate/pricing), US East (N. Virginia), Linux/ARM";
const fargateSpotPage = "AWS Fargate pricing (aws.amazon.com/fargate/pricing), Fargate Spot";
const transferPage = "Amazon EC2 On-Demand pricing (aws.amazon.com/ec2/pricing/on-demand), Data Transfer, from US East (N. Virginia) to another AWS Region";
const vpcPage = "Amazon VPC pricing (aws.amazon.com/vpc/pricing), US East (N. Virginia)";
const elbPage = "Elastic Load Balancing pricing (aws.amazon.com/elasticloadbalancing/pricing), US East (N. Virginia)";
const cloudFrontPage = "Amazon CloudFront pricing (aws.amazon.com/cloudfront/pricing), pay as you go, United States, Mexico & Canada";
const athenaPage = "Amazon Athena pricing (aws.amazon.com/athena/pricing), US East (N. Virginia), SQL queries";
const cloudWatchPage = "Amazon CloudWatch pricing (aws.amazon.com/cloudwatch/pricing), US East (N. Virginia), paid tier";
const kmsPage = "AWS Key Management Service pricing (aws.amazon.com/kms/pricing), US East (N. Virginia)";
const snsPage = "Amazon SNS pricing (aws.amazon.com/sns/pricing), US East (N. Virginia)";
const backupPage = "AWS Backup pricing (aws.amazon.com/backup/pricing), US East (N. Virginia)";
const sqsPage = "Amazon SQS pricing (aws.amazon.com/sqs/pricing), US East (N. Virginia)";

/** us-east-1 list prices, taken `PRICES_TAKEN`. */
export const LIST_PRICES = {
    efsStandardStorage: { usd: 0.3, unit: "GB-month", source: `${efsPage}: Standard storage (Regional)` },
    // EFS has two price lists: one for file systems in Elastic Throughput mode, one for the "legacy"
    // Bursting and Provisioned modes. Standard storage costs the same in both; Infrequent Access does not.
    efsInfrequentAccessStorage: {
        usd: 0.016,
        unit: "GB-month",
        source: `${efsPage}: Regional with Elastic Throughput, Infrequent Access storage`,
    },
    efsInfrequentAccessStorageLegacyModes: {
        usd: 0.025,
        unit: "GB-month",
        source: `${efsPage}: Regional with legacy throughput modes (Bursting, Provisioned), Infrequent Access storage`,
    },
    efsProvisionedThroughput: {
        usd: 6.0,
        unit: "MiB/s-month",
        source: `${efsPage}: Regional with legacy throughput modes, Provisioned Throughput (MB/s-month; billed on the MiB/s the API provisions)`,
    },
    efsProvisionedBaselinePerGb: {
        // Not a price but part of how the price applies: provisioned throughput is billed only above
        // the baseline that the Standard storage would give in Bursting mode (50 KB/s per GB).
        usd: 0.05,
        unit: "MiB/s included per GB of Standard storage",
        source: `${efsPage}: Provisioned Throughput is billed above the Bursting baseline of 50 KB/s per GB`,
    },
    efsElasticRead: { usd: 0.03, unit: "GB", source: `${efsPage}: Regional with Elastic Throughput, reads (per GB transferred)` },
    efsElasticWrite: { usd: 0.06, unit: "GB", source: `${efsPage}: Regional with Elastic Throughput, writes (per GB transferred)` },
    efsBackupWarmStorage: { usd: 0.05, unit: "GB-month", source: `${backupPage}: Amazon EFS, warm backup storage` },
    s3StandardStorage: { usd: 0.023, unit: "GB-month", source: `${s3Page}: S3 Standard, first 50 TB/month` },
    s3GlacierStorage: {
        usd: 0.0036,
        unit: "GB-month",
        source: `${s3Page}: S3 Glacier Flexible Retrieval (lifecycle class GLACIER)`,
    },
    s3PutRequests: { usd: 0.005, unit: "1,000 requests", source: `${s3Page}: S3 Standard, PUT, COPY, POST, LIST requests` },
    s3GetRequests: { usd: 0.0004, unit: "1,000 requests", source: `${s3Page}: S3 Standard, GET, SELECT and other requests` },
    fargateVcpu: { usd: 0.04048, unit: "vCPU-hour", source: `${fargatePage}: per vCPU per hour` },
    fargateMemory: { usd: 0.004445, unit: "GB-hour", source: `${fargatePage}: per GB per hour` },
    // Graviton: the same task 20% cheaper per vCPU-hour and GB-hour.
    fargateVcpuArm: { usd: 0.03238, unit: "vCPU-hour", source: `${fargateArmPage}: per vCPU per hour` },
    fargateMemoryArm: { usd: 0.00356, unit: "GB-hour", source: `${fargateArmPage}: per GB per hour` },
    // Not a price but how Spot's is set: Spot prices move with spare capacity, so the estimate takes the page's
    // "up to 70% discount" off the on-demand price of the task's architecture (Linux/x86 or Linux/ARM; ARM64 runs on
    // Spot from platform 1.4.0); override it with the Spot rate of the day (0 to 1).
    fargateSpotDiscount: {
        usd: 0.7,
        unit: "share off the on-demand price of the task's architecture",
        source: `${fargateSpotPage}: up to 70% off the Fargate price for interruption-tolerant tasks`,
    },
    efsArchiveStorage: { usd: 0.008, unit: "GB-month", source: `${efsPage}: Regional with Elastic Throughput, Archive storage` },
    efsReplicaTransfer: { usd: 0.02, unit: "GB", source: `${transferPage} (what EFS replication bills for the data it copies, besides the replica's storage)` },
    natGatewayHours: { usd: 0.045, unit: "hour", source: `${vpcPage}: NAT gateway, price per NAT gateway hour` },
    natGatewayData: { usd: 0.045, unit: "GB", source: `${vpcPage}: NAT gateway, price per GB data processed` },
    publicIpv4: { usd: 0.005, unit: "IP-hour", source: `${vpcPage}: Public IPv4 address, in use, per IP per hour` },
    albHours: { usd: 0.0225, unit: "hour", source: `${elbPage}: Application Load Balancer, per ALB-hour` },
    cloudFrontDataOut: { usd: 0.085, unit: "GB", source: `${cloudFrontPage}: data transfer out to the internet, first 10 TB/month` },
    cloudFrontHttpsRequests: { usd: 0.01, unit: "10,000 requests", source: `${cloudFrontPage}: HTTPS requests, per 10,000` },
    // Athena bills at least 10 MB per query, rounded up to the next MB; the estimate takes the scanned GB as given.
    athenaScanned: { usd: 5.0, unit: "TB scanned", source: `${athenaPage}: per TB of data scanned (10 MB minimum per query)` },
    // CloudWatch bills an alarm per metric it reads: a metric-math alarm over three metrics is three alarm metrics.
    cloudWatchAlarmMetric: { usd: 0.1, unit: "alarm metric-month", source: `${cloudWatchPage}: Alarms, standard resolution (60 s), per alarm metric` },
    cloudWatchHighResolutionAlarmMetric: { usd: 0.3, unit: "alarm metric-month", source: `${cloudWatchPage}: Alarms, high resolution (10 s), per alarm metric` },
    cloudWatchDashboard: { usd: 3.0, unit: "dashboard-month", source: `${cloudWatchPage}: Dashboards, per dashboard per month` },
    cloudWatchCustomMetric: { usd: 0.3, unit: "metric-month", source: `${cloudWatchPage}: Metrics, first 10,000 metrics, per metric per month (EMF metrics are custom metrics)` },
    // issue 19: every SQS API action is a request, and each 64 KB chunk of a payload is billed as one request.
    sqsStandardRequests: { usd: 0.4, unit: "million requests", source: `${sqsPage}: Standard queue, per million requests (from 1 million to 100 billion requests/month)` },
    snsTopic: { usd: 0, unit: "topic-month", source: `${snsPage}: topics have no charge; e-mail notifications within the first 1,000 per month and publishes within the first million are free` },
    kmsKey: { usd: 1.0, unit: "key-month", source: `${kmsPage}: each customer managed key, per month (prorated hourly); 20,000 requests per month free` },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof LIST_PRICES;
export type PriceTable = { readonly [K in PriceKey]: Price };

export const PRICE_KEYS = Object.keys(LIST_PRICES) as PriceKey[];

/** A price override file that cannot be used; `problems` name each offending key. */
export class PriceOverrideError extends Error {
    constructor(
        readonly file: string,
        readonly problems: readonly { key: string; reason: string }[],
    ) {
        super(`${file}: ${problems.map((p) => `${p.key}: ${p.reason}`).join("; ")}`);
        this.name = "PriceOverrideError";
    }
}

/**
 * Returns `base` with the entries named in `overrides` (a map from price key to US dollars) replaced;
 * each replaced entry's source names `origin`. Every unknown key and every value that is not a
 * non-negative number is reported at once.
 */
export function applyPriceOverrides(base: PriceTable, overrides: unknown, origin: string): PriceTable {
    if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
        throw new PriceOverrideError(origin, [
            { key: "(file)", reason: `must be a map from price key to US dollars; keys are ${PRICE_KEYS.join(", ")}` },
        ]);
    }
    const problems: { key: string; reason: string }[] = [];
    const table: Record<string, Price> = { ...base };
    for (const [key, value] of Object.entries(overrides)) {
        if (!(key in base)) {
            problems.push({ key, reason: `is not a price key; allowed: ${PRICE_KEYS.join(", ")}` });
        } else if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
            problems.push({ key, reason: `must be a non-negative number of US dollars, got ${JSON.stringify(value)}` });
        } else {
            table[key] = { ...base[key as PriceKey], usd: value, source: `override from ${origin}` };
        }
    }
    if (problems.length > 0) throw new PriceOverrideError(origin, problems);
    return table as PriceTable;
}

/** Reads a YAML or JSON price override file and applies it to the list prices. */
export function loadPriceTable(file: string | undefined): PriceTable {
    if (file === undefined) return LIST_PRICES;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new PriceOverrideError(file, [{ key: "(file)", reason: `cannot be read: ${(err as Error).message}` }]);
    }
    let parsed: unknown;
    try {
        parsed = YAML.parse(text);
    } catch (err) {
        throw new PriceOverrideError(file, [{ key: "(file)", reason: `is not YAML or JSON: ${(err as Error).message}` }]);
    }
    return applyPriceOverrides(LIST_PRICES, parsed ?? {}, file);
}
