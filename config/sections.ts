/**
 * The stack config's structured keys (YAML maps): the archive lifecycle, the usage the cost estimate assumes, and
 * the background worker. Each is read into its component's argument shape; fields left out stay undefined where the
 * component has a default, so that the component's defaults function is the one source.
 */
import { ArchiveLifecycle, ArchiveStorageClass, DEFAULT_ARCHIVE_LIFECYCLE, Problem, ServiceSizing, validateWorkerArgs } from "../components";

/** `worker`: whether the stack runs the background worker service, and its sizing (unset fields: `workerDefaults`). */
export interface WorkerSettings extends ServiceSizing {
    /** Whether the worker service runs (the stack must say it). */
    readonly enabled: boolean;
    /** Days the worker's logs are kept, a CloudWatch Logs retention value. Defaults to 30. */
    readonly logRetentionDays?: number;
}

const WORKER_FIELDS = ["enabled", "cpu", "memory", "desiredCount", "minCount", "maxCount", "cpuTargetPercent", "logRetentionDays"] as const;

/** `worker`: a map; `enabled` must be said, every other field is checked as the WorkerService checks it. */
export function parseWorker(raw: Record<string, unknown> | undefined, problems: Problem[]): WorkerSettings {
    if (raw === undefined) {
        return { enabled: false };
    }
    const at = (p: string) => `worker.${p}`;
    for (const k of Object.keys(raw)) {
        if (!(WORKER_FIELDS as readonly string[]).includes(k)) {
            problems.push({ property: at(k), reason: `is not a worker setting; use ${WORKER_FIELDS.join(", ")}` });
        }
    }
    if (typeof raw.enabled !== "boolean") {
        problems.push({ property: at("enabled"), reason: `must be true or false (run the background worker service or not); got ${JSON.stringify(raw.enabled)}` });
    }
    const worker = { ...raw, enabled: raw.enabled === true } as WorkerSettings;
    for (const k of ["cpu", "memory"] as const) {
        if (worker[k] !== undefined && typeof worker[k] !== "number") {
            problems.push({ property: at(k), reason: `must be a whole number; got ${JSON.stringify(worker[k])}` });
        }
    }
    problems.push(...validateWorkerArgs(worker).map((p) => ({ ...p, property: at(p.property) })));
    return worker;
}

/** Usage the monthly cost estimate assumes; none of it changes what is built. */
export interface UsageAssumptions {
    /** GB stored on EFS on average. Defaults to 10. */
    readonly efsStoredGb: number;
    /** Share of EFS data in Infrequent Access, 0 to 100. Defaults to 50. */
    readonly efsInfrequentAccessPercent: number;
    /** GB read from EFS per month (billed in elastic mode). Defaults to 20. */
    readonly efsElasticReadGb: number;
    /** GB written to EFS per month (billed in elastic mode). Defaults to 10. */
    readonly efsElasticWriteGb: number;
    /** GB in S3 Standard on average. Defaults to 50. */
    readonly s3StandardGb: number;
    /** GB in S3 Glacier Flexible Retrieval on average. Defaults to 100. */
    readonly s3GlacierGb: number;
    /** PUT, COPY, POST and LIST requests per month. Defaults to 100000. */
    readonly s3PutRequests: number;
    /** GET and other requests per month. Defaults to 1000000. */
    readonly s3GetRequests: number;
    /** GB through the NAT gateways per month (S3 traffic skips them via the gateway endpoint). Defaults to 10. */
    readonly natDataGb: number;
    /** HTTPS requests to CloudFront per month (priced only with `cdn.enabled`). Defaults to 1000000. */
    readonly cdnRequests?: number;
    /** GB CloudFront sends to viewers per month (priced only with `cdn.enabled`). Defaults to 10. */
    readonly cdnDataOutGb?: number;
    /** GB Athena scans per month over the archived logs (priced only with `logAnalytics`). Defaults to 10. */
    readonly athenaScannedGb?: number;
    /** issue 19: items (work-queue messages) per month. Defaults to 100000. */
    readonly queueMessages?: number;
    /** Issue 22: share of EFS data in Archive, 0 to 100, taken out of IA's (priced only with `efsTransitionToArchiveDays`). Defaults to 20. */
    readonly efsArchivePercent?: number;
}

export const DEFAULT_USAGE: UsageAssumptions = {
    efsStoredGb: 10,
    efsInfrequentAccessPercent: 50,
    efsElasticReadGb: 20,
    efsElasticWriteGb: 10,
    s3StandardGb: 50,
    s3GlacierGb: 100,
    s3PutRequests: 100_000,
    s3GetRequests: 1_000_000,
    natDataGb: 10,
    cdnRequests: 1_000_000,
    cdnDataOutGb: 10,
    athenaScannedGb: 10,
    // issue 19
    queueMessages: 100_000,
    efsArchivePercent: 20,
};

/** `archiveLifecycle`: a list left out keeps the component's default; expirations are taken as given once any is set. */
export function parseLifecycle(raw: Record<string, unknown>, problems: Problem[]): ArchiveLifecycle {
    const allowed = ["transitions", "expirationDays", "noncurrentTransitions", "noncurrentExpirationDays", "abortIncompleteMultipartUploadDays"];
    for (const k of Object.keys(raw)) {
        if (!allowed.includes(k)) {
            problems.push({ property: `archiveLifecycle.${k}`, reason: `is not a lifecycle setting; use ${allowed.join(", ")}` });
        }
    }
    const transitions = (field: "transitions" | "noncurrentTransitions") => {
        const list = raw[field];
        if (list === undefined) {
            return DEFAULT_ARCHIVE_LIFECYCLE[field];
        }
        if (!Array.isArray(list) || list.some((t) => !t || typeof t !== "object")) {
            problems.push({ property: `archiveLifecycle.${field}`, reason: `must be a list of { days, storageClass }; got ${JSON.stringify(list)}` });
            return [];
        }
        return list.map((t: { days?: unknown; storageClass?: unknown }) => ({ days: t.days as number, storageClass: t.storageClass as ArchiveStorageClass }));
    };
    return {
        transitions: transitions("transitions"),
        noncurrentTransitions: transitions("noncurrentTransitions"),
        expirationDays: raw.expirationDays as number | undefined,
        noncurrentExpirationDays:
            "noncurrentExpirationDays" in raw ? (raw.noncurrentExpirationDays as number | undefined) : DEFAULT_ARCHIVE_LIFECYCLE.noncurrentExpirationDays,
        abortIncompleteMultipartUploadDays:
            (raw.abortIncompleteMultipartUploadDays as number | undefined) ?? DEFAULT_ARCHIVE_LIFECYCLE.abortIncompleteMultipartUploadDays,
    };
}

/** `usage`: each assumption left out keeps its default. */
export function parseUsage(raw: Record<string, unknown>, problems: Problem[]): UsageAssumptions {
    const usage: Record<string, number> = { ...DEFAULT_USAGE };
    for (const [k, v] of Object.entries(raw)) {
        if (!(k in DEFAULT_USAGE)) {
            problems.push({ property: `usage.${k}`, reason: `is not a usage assumption; use ${Object.keys(DEFAULT_USAGE).join(", ")}` });
            continue;
        }
        const max = k === "efsInfrequentAccessPercent" || k === "efsArchivePercent" ? 100 : Number.MAX_SAFE_INTEGER;
        if (typeof v !== "number" || !(v >= 0 && v <= max)) {
            problems.push({ property: `usage.${k}`, reason: `must be a number from 0 to ${max === 100 ? 100 : "any size"}; got ${JSON.stringify(v)}` });
            continue;
        }
        usage[k] = v;
    }
    if ("efsArchivePercent" in raw && usage.efsArchivePercent > usage.efsInfrequentAccessPercent) {
        problems.push({
            property: "usage.efsArchivePercent",
            reason: `must not exceed usage.efsInfrequentAccessPercent (${usage.efsInfrequentAccessPercent}): files reach Archive only through IA, so Archive is a part of the IA share; got ${usage.efsArchivePercent}`,
        });
    }
    return usage as unknown as UsageAssumptions;
}
