/**
 * The monthly cost estimate of the offline preview: a pure function from what a stack creates (and the
 * usage assumptions in its config) and a price table to priced lines. Lines with nothing to bill are
 * left out; every line carries its quantity, unit and unit price so the table can be checked by hand.
 */
import type { ThroughputMode } from "../../components/sharedFileSystem";
import type { UsageAssumptions } from "../../config/sections";
import { HOURS_PER_MONTH, Price, PriceTable } from "./prices";
import { DEAD_LETTER_LOOK_MAX_SECONDS, WORK_QUEUE_POLL_WAIT_SECONDS } from "../../app/src/contract";

// The usage assumptions and throughput modes are the stack config's own types: one definition, no drift.
export type { UsageAssumptions };
export type EfsThroughputMode = ThroughputMode;

/** What a stack creates that has a price, plus its usage assumptions. */
export interface CostInput {
    readonly usage: UsageAssumptions;
    readonly efs: {
        readonly throughputMode: EfsThroughputMode;
        /** Only in provisioned mode. */
        readonly provisionedThroughputMibps?: number;
        readonly backupEnabled: boolean;
        /** Issue 22: files move to Archive (`efsTransitionToArchiveDays`); `usage.efsArchivePercent` of the data is there. Defaults to false. */
        readonly archive?: boolean;
        /** Issue 22: the region of a replica (`efsReplication`), when there is one. */
        readonly replicaRegion?: string;
    };
    readonly service: {
        /** CPU units per task (1024 = 1 vCPU). */
        readonly cpu: number;
        /** Memory per task, MiB. */
        readonly memoryMib: number;
        /** Tasks running around the clock. */
        readonly taskCount: number;
        /** The most tasks autoscaling may run, for the note on the Fargate lines. Defaults to `taskCount`. */
        readonly maxTaskCount?: number;
        /** Issue 22: the CPU the tier's tasks run on, on demand and on Spot. Defaults to "X86_64". */
        readonly architecture?: "ARM64" | "X86_64";
        /** Issue 22: how many of `taskCount` run on Fargate Spot (at the Spot discount off the architecture's price). Defaults to 0. */
        readonly spotTaskCount?: number;
        /** Issue 22: how many of `maxTaskCount` would run on Fargate Spot, for the saving at autoscaling's ceiling. Defaults to `spotTaskCount`. */
        readonly spotTaskCountAtMax?: number;
    };
    /** The background worker service, when the stack runs one: priced like the web tier's tasks. */
    readonly worker?: CostInput["service"];
    readonly natGatewayCount: number;
    readonly loadBalancerCount: number;
    /** Availability zones: an internet-facing ALB holds one public IPv4 address in each. */
    readonly azCount: number;
    /** Whether a CloudFront distribution serves the archive (`cdn.enabled`). Defaults to false. */
    readonly cdn?: boolean;
    /** Whether Athena queries the archived logs (`logAnalytics`). Defaults to false. */
    readonly logAnalytics?: boolean;
    /** Issue 22: customer managed KMS keys the stack creates (the ECS Exec session log's). Defaults to 0. */
    readonly kmsKeys?: number;
    /** Issue 20: customer managed KMS keys that encrypt the services' log groups (the web service's, shared with the worker). Defaults to 0. */
    readonly logGroupKeys?: number;
    /** Issue 20: whether the load balancers deliver access logs to S3. Defaults to false. */
    readonly loadBalancerAccessLogs?: boolean;
    /** Alarms, dashboards, the app's custom metrics and alarm topics, when the stack has them. */
    readonly monitoring?: {
        /** Metrics read by standard-resolution (period ≥ 60 s) alarms, summed over the alarms. */
        readonly alarmMetrics: number;
        /** Metrics read by high-resolution (period < 60 s) alarms. */
        readonly highResolutionAlarmMetrics: number;
        readonly dashboards: number;
        /** Distinct (namespace, name, dimensions) the app emits as EMF. */
        readonly customMetrics: number;
        readonly snsTopics: number;
        /** Customer managed KMS keys that encrypt alarm topics (the Monitoring component's own key). Defaults to 0. */
        readonly topicKeys?: number;
    };
    /** issue 19: the SQS work queue and its dead-letter queue, when the stack has them. */
    readonly queue?: {
        /** Tasks that long-poll both queues around the clock (web and worker services). */
        readonly consumerTasks: number;
    };
}

export interface CostLine {
    /** What is billed, e.g. "EFS Standard storage". */
    readonly item: string;
    /** The AWS service the line is billed under. */
    readonly service: "EFS" | "S3" | "Fargate" | "VPC" | "ELB" | "Backup" | "CloudFront" | "Athena" | "CloudWatch" | "SNS" | "SQS" | "KMS";
    readonly quantity: number;
    readonly unit: string;
    readonly unitPriceUsd: number;
    /** `quantity × unitPriceUsd`, rounded to the cent. */
    readonly usd: number;
    /** Where the unit price comes from. */
    readonly priceSource: string;
    /** How the quantity was worked out, when it is not just an assumption read from config. */
    readonly note?: string;
}

/** What a choice of the stack saves against its plain alternative, per month (not a line: the lines already price the choice). */
export interface CostSaving {
    /** What the saving comes from, e.g. "Graviton (ARM64) instead of X86_64, web tier". */
    readonly item: string;
    /** US dollars per month less than the alternative, rounded to the cent. */
    readonly usd: number;
    /** How it was worked out. */
    readonly note: string;
}

export interface CostEstimate {
    /** The sum of the lines. */
    readonly monthlyUsd: number;
    readonly lines: CostLine[];
    /** Issue 22: what the architecture and Spot save; left out when nothing is saved. */
    readonly savings?: CostSaving[];
    /**
     * Issue 22: what Fargate Spot saves while a tier runs at its `maxTaskCount` (autoscaling's ceiling), against the
     * same tasks on demand. Not in the total (the lines price `taskCount`); left out when there is no such saving.
     */
    readonly savingsAtMaxCount?: CostSaving[];
}

/** issue 19: SQS requests per archived item: send, receive (batched, at most one each), delete. */
export const REQUESTS_PER_MESSAGE = 3;
/** issue 19: an idle consumer's polls of the work queue in a month, one after another (730 h × 3,600 s / 5 s). */
export const WORK_QUEUE_POLLS_PER_TASK_MONTH = (HOURS_PER_MONTH * 3600) / WORK_QUEUE_POLL_WAIT_SECONDS;
/** issue 19: a consumer's looks at the (empty) dead-letter queue in a month, one a minute at most (730 h × 60). */
export const DEAD_LETTER_LOOKS_PER_TASK_MONTH = (HOURS_PER_MONTH * 3600) / DEAD_LETTER_LOOK_MAX_SECONDS;

const roundToCent = (usd: number): number => Math.round((usd + Number.EPSILON) * 100) / 100;

export function estimateMonthlyCost(input: CostInput, prices: PriceTable): CostEstimate {
    const lines: CostLine[] = [];
    const add = (item: string, service: CostLine["service"], quantity: number, price: Price, note?: string): void => {
        if (!(quantity > 0)) return;
        lines.push({
            item,
            service,
            quantity,
            unit: price.unit,
            unitPriceUsd: price.usd,
            usd: roundToCent(quantity * price.usd),
            priceSource: price.source,
            ...(note === undefined ? {} : { note }),
        });
    };
    const { usage, efs, service } = input;

    const iaShare = usage.efsInfrequentAccessPercent / 100;
    // Archive is reached only through IA, so its share is part of IA's (and only elastic file systems have it).
    const archiveShare = efs.archive && efs.throughputMode === "elastic" ? Math.min(usage.efsArchivePercent ?? 0, usage.efsInfrequentAccessPercent) / 100 : 0;
    const efsStandardGb = usage.efsStoredGb * (1 - iaShare);
    add("EFS Standard storage", "EFS", efsStandardGb, prices.efsStandardStorage);
    const iaPrice = efs.throughputMode === "elastic" ? prices.efsInfrequentAccessStorage : prices.efsInfrequentAccessStorageLegacyModes;
    add("EFS Infrequent Access storage", "EFS", usage.efsStoredGb * (iaShare - archiveShare), iaPrice);
    add("EFS Archive storage", "EFS", usage.efsStoredGb * archiveShare, prices.efsArchiveStorage, `${fmt(archiveShare * 100)}% of the stored data (usage.efsArchivePercent); Archive reads and tiering not estimated`);
    if (efs.replicaRegion !== undefined) {
        const where = `the replica in ${efs.replicaRegion}, priced at us-east-1 rates`;
        add("EFS replica Standard storage", "EFS", efsStandardGb, prices.efsStandardStorage, `${where}; the same share in Standard as the source`);
        add("EFS replica Infrequent Access storage", "EFS", usage.efsStoredGb * iaShare, iaPrice, `${where}; with the source's IA share (the replica's own lifecycle is set on it in its region)`);
        add("EFS replication data transfer", "EFS", usage.efsElasticWriteGb, prices.efsReplicaTransfer, "every GB written is copied to the replica's region");
    }
    switch (efs.throughputMode) {
        case "provisioned": {
            const provisioned = efs.provisionedThroughputMibps ?? 0;
            const included = efsStandardGb * prices.efsProvisionedBaselinePerGb.usd;
            const billed = Math.max(0, provisioned - included);
            add(
                "EFS provisioned throughput",
                "EFS",
                billed,
                prices.efsProvisionedThroughput,
                included > 0 ? `${fmt(provisioned)} MiB/s provisioned less ${fmt(included)} MiB/s included with Standard storage` : undefined,
            );
            break;
        }
        case "elastic":
            add("EFS Elastic Throughput reads", "EFS", usage.efsElasticReadGb, prices.efsElasticRead);
            add("EFS Elastic Throughput writes", "EFS", usage.efsElasticWriteGb, prices.efsElasticWrite);
            break;
        case "bursting":
            // Bursting throughput is included in the storage price.
            break;
    }
    if (efs.backupEnabled) {
        add("AWS Backup of EFS (warm storage)", "Backup", usage.efsStoredGb, prices.efsBackupWarmStorage, "one full copy of the stored data");
    }

    add("S3 Standard storage", "S3", usage.s3StandardGb, prices.s3StandardStorage);
    add("S3 Glacier Flexible Retrieval storage", "S3", usage.s3GlacierGb, prices.s3GlacierStorage);
    add("S3 PUT requests", "S3", usage.s3PutRequests / 1000, prices.s3PutRequests);
    add("S3 GET requests", "S3", usage.s3GetRequests / 1000, prices.s3GetRequests);

    const savings: CostSaving[] = [];
    const savingsAtMaxCount: CostSaving[] = [];
    const fargate = (tier: CostInput["service"], label: string, tierName: string) => {
        const spotTasks = Math.min(tier.spotTaskCount ?? 0, tier.taskCount);
        const onDemandTasks = tier.taskCount - spotTasks;
        const arm = tier.architecture === "ARM64";
        const taskHours = onDemandTasks * HOURS_PER_MONTH;
        const vcpu = tier.cpu / 1024;
        const gb = tier.memoryMib / 1024;
        const scaling = tier.maxTaskCount !== undefined && tier.maxTaskCount > tier.taskCount ? ` (autoscaling may run up to ${tier.maxTaskCount})` : "";
        const count = (n: number) => `${n} task${n === 1 ? "" : "s"}`;
        const tasks = `${count(onDemandTasks)}${spotTasks > 0 ? " on demand" : ""}${scaling} × ${HOURS_PER_MONTH} h`;
        const arch = arm ? "ARM64, " : "";
        const vcpuPrice = arm ? prices.fargateVcpuArm : prices.fargateVcpu;
        const memoryPrice = arm ? prices.fargateMemoryArm : prices.fargateMemory;
        const page = arm ? "Linux/ARM" : "Linux/x86";
        add(`Fargate vCPU${label}`, "Fargate", taskHours * vcpu, vcpuPrice, `${arch}${tasks} × ${fmt(vcpu)} vCPU`);
        add(`Fargate memory${label}`, "Fargate", taskHours * gb, memoryPrice, `${arch}${tasks} × ${fmt(gb)} GB`);
        const discount = spotTasks > 0 ? prices.fargateSpotDiscount.usd : 0;
        const spotHours = spotTasks * HOURS_PER_MONTH;
        if (arm && taskHours + spotHours > 0) {
            // What the same hours cost on x86, on demand and on Spot alike (Spot's discount is off each architecture's price).
            const perHour = vcpu * (prices.fargateVcpu.usd - prices.fargateVcpuArm.usd) + gb * (prices.fargateMemory.usd - prices.fargateMemoryArm.usd);
            const spotNote = spotTasks > 0 ? ` and ${count(spotTasks)} on Spot (${fmt(discount * 100)}% off each)` : "";
            savings.push({
                item: `Graviton (ARM64) instead of X86_64, ${tierName}`,
                usd: roundToCent((taskHours + spotHours * (1 - discount)) * perHour),
                note: `${count(onDemandTasks)}${spotTasks > 0 ? " on demand" : ""}${spotNote} × ${HOURS_PER_MONTH} h at the Linux/ARM instead of the Linux/x86 prices`,
            });
        }
        if (spotTasks > 0) {
            const spotPrice = (p: Price): Price => ({ usd: p.usd * (1 - discount), unit: p.unit, source: `${p.source}, less the Fargate Spot discount (${fmt(discount * 100)}%): ${prices.fargateSpotDiscount.source}` });
            const spotTasksNote = `${arch}${count(spotTasks)} on Spot × ${HOURS_PER_MONTH} h`;
            add(`Fargate Spot vCPU${label}`, "Fargate", spotHours * vcpu, spotPrice(vcpuPrice), `${spotTasksNote} × ${fmt(vcpu)} vCPU`);
            add(`Fargate Spot memory${label}`, "Fargate", spotHours * gb, spotPrice(memoryPrice), `${spotTasksNote} × ${fmt(gb)} GB`);
            const onDemand = spotHours * (vcpu * vcpuPrice.usd + gb * memoryPrice.usd);
            savings.push({ item: `Fargate Spot instead of on-demand, ${tierName}`, usd: roundToCent(onDemand * discount), note: `${count(spotTasks)} × ${HOURS_PER_MONTH} h at ${fmt(discount * 100)}% off the ${page} price` });
        }
        const spotAtMax = Math.min(tier.spotTaskCountAtMax ?? spotTasks, tier.maxTaskCount ?? tier.taskCount);
        if (spotAtMax > spotTasks) {
            const perTask = HOURS_PER_MONTH * (vcpu * vcpuPrice.usd + gb * memoryPrice.usd);
            const atMaxDiscount = prices.fargateSpotDiscount.usd;
            savingsAtMaxCount.push({
                item: `Fargate Spot instead of on-demand, ${tierName} at its maxCount of ${tier.maxTaskCount}`,
                usd: roundToCent(spotAtMax * perTask * atMaxDiscount),
                note: `${count(spotAtMax)} on Spot × ${HOURS_PER_MONTH} h at ${fmt(atMaxDiscount * 100)}% off the ${page} price`,
            });
        }
    };
    fargate(service, "", "web tier");
    if (input.worker) fargate(input.worker, " (worker)", "worker");
    add("KMS keys", "KMS", input.kmsKeys ?? 0, prices.kmsKey, "the ECS Exec session log's key");
    add(
        "KMS key of the log groups",
        "KMS",
        input.logGroupKeys ?? 0,
        prices.kmsKey,
        "rotation on: +$1/month after the first and after the second yearly rotation (then no more); CloudWatch Logs' KMS requests not estimated",
    );

    add("NAT gateway hours", "VPC", input.natGatewayCount * HOURS_PER_MONTH, prices.natGatewayHours, `${input.natGatewayCount} × ${HOURS_PER_MONTH} h`);
    add("NAT gateway data processed", "VPC", input.natGatewayCount > 0 ? usage.natDataGb : 0, prices.natGatewayData);
    const publicIps = input.natGatewayCount + input.loadBalancerCount * input.azCount;
    add("Public IPv4 addresses", "VPC", publicIps * HOURS_PER_MONTH, prices.publicIpv4, `${publicIps} addresses (NAT gateways, ALB nodes) × ${HOURS_PER_MONTH} h`);

    add("Application Load Balancer hours", "ELB", input.loadBalancerCount * HOURS_PER_MONTH, prices.albHours, `${input.loadBalancerCount} × ${HOURS_PER_MONTH} h; LCU charges not estimated`);
    if (input.loadBalancerAccessLogs) {
        // issue 20: ELB publishes one log file per load balancer node every 5 minutes (at least one node per AZ) and does
        // not charge for the delivery; S3 bills the PUTs and the storage.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html
        const files = input.loadBalancerCount * input.azCount * 12 * HOURS_PER_MONTH;
        add("ALB access log PUT requests", "S3", files / 1000, prices.s3PutRequests, `${input.loadBalancerCount} × ${input.azCount} nodes (at least one per AZ) × 12 files/h × ${HOURS_PER_MONTH} h; log storage not estimated (grows with traffic, expires after a year)`);
    }

    if (input.cdn) {
        add("CloudFront HTTPS requests", "CloudFront", (usage.cdnRequests ?? 0) / 10_000, prices.cloudFrontHttpsRequests, "free tier (1 TB, 10 M requests) not deducted");
        add("CloudFront data transfer out", "CloudFront", usage.cdnDataOutGb ?? 0, prices.cloudFrontDataOut);
    }
    if (input.logAnalytics) {
        add("Athena data scanned", "Athena", (usage.athenaScannedGb ?? 0) / 1024, prices.athenaScanned, `${fmt(usage.athenaScannedGb ?? 0)} GB; Glue catalog within its free tier`);
    }
    const m = input.monitoring;
    if (m) {
        add("CloudWatch alarm metrics", "CloudWatch", m.alarmMetrics, prices.cloudWatchAlarmMetric, "one per metric an alarm reads (metric math: each metric in the expression)");
        add("CloudWatch high-resolution alarm metrics", "CloudWatch", m.highResolutionAlarmMetrics, prices.cloudWatchHighResolutionAlarmMetric);
        add("CloudWatch dashboards", "CloudWatch", m.dashboards, prices.cloudWatchDashboard, "free while the account has at most 3 dashboards (CloudWatch free tier, per account)");
        add("CloudWatch custom metrics (app EMF)", "CloudWatch", m.customMetrics, prices.cloudWatchCustomMetric, "app metrics × services (ServiceName the only dimension; TaskId is a property)");
        add("SNS alarm topic", "SNS", m.snsTopics, prices.snsTopic, "notifications within the SNS free tier");
        add(
            "KMS key of the alarm topic",
            "KMS",
            m.topicKeys ?? 0,
            prices.kmsKey,
            "rotation on: +$1/month after the first and after the second yearly rotation (then no more); SNS reuses a data key for 5 minutes, so its requests stay within the KMS free tier",
        );
    }

    if (input.queue) {
        // issue 19: per item one SendMessage, its share of a batched ReceiveMessage and one DeleteMessage (the app's
        // budget is 3 calls per archived file), plus what every consumer task spends waiting, at the app's own pace
        // (app/src/contract.ts): a poll of the work queue every WORK_QUEUE_POLL_WAIT_SECONDS, answered empty when there is
        // no work, and a look at the dead-letter queue at most once a minute.
        const messages = usage.queueMessages ?? 0;
        const tasks = input.queue.consumerTasks;
        const taskWord = `${tasks} task${tasks === 1 ? "" : "s"}`;
        add("SQS requests (work queue)", "SQS", (messages * REQUESTS_PER_MESSAGE + tasks * WORK_QUEUE_POLLS_PER_TASK_MONTH) / 1e6, prices.sqsStandardRequests,
            `${fmt(messages)} messages × ${REQUESTS_PER_MESSAGE} (send, receive, delete) + ${taskWord} × ${fmt(WORK_QUEUE_POLLS_PER_TASK_MONTH)} ${WORK_QUEUE_POLL_WAIT_SECONDS} s polls; the free tier (1 million requests/month) not deducted`);
        add("SQS requests (dead-letter queue)", "SQS", (tasks * DEAD_LETTER_LOOKS_PER_TASK_MONTH) / 1e6, prices.sqsStandardRequests, `${taskWord} × ${fmt(DEAD_LETTER_LOOKS_PER_TASK_MONTH)} looks (one a minute)`);
    }

    const saved = savings.filter((x) => x.usd > 0);
    return {
        monthlyUsd: roundToCent(lines.reduce((sum, line) => sum + line.usd, 0)),
        lines,
        ...(saved.length > 0 ? { savings: saved } : {}),
        ...(savingsAtMaxCount.length > 0 ? { savingsAtMaxCount } : {}),
    };
}

function fmt(n: number): string {
    return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, "");
}
