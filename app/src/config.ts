import { DEFAULT_BACKLOG_MAX_BYTES, SHUTDOWN_DEADLINE_SECONDS, STOP_TIMEOUT_SECONDS } from "./contract";
import * as os from "os";
import * as path from "path";
import { CdnConfig, readCdnConfig } from "./http/cdn";
import { QUEUE_VARIABLES, QueueConfig, readQueueConfig } from "./queue/queueConfig";

/** Everything the app reads from its environment, read and validated once at start. */
export interface AppConfig {
    /** The EFS mount shared by every task. */
    readonly dataDir: string;
    readonly bucket: string;
    /** Prefix of archived upload keys: `${archivePrefix}${id}/${name}`. */
    readonly archivePrefix: string;
    readonly region: string;
    /** A local S3-compatible server; path-style addressing is used with it. */
    readonly s3Endpoint?: string;
    readonly port: number;
    /** Address the HTTP server binds. */
    readonly host: string;
    readonly maxUploadBytes: number;
    /** Above this many bytes waiting on EFS, new uploads get 503 with Retry-After. */
    readonly backlogMaxBytes: number;
    /** Seconds between EMF records on stdout; 0 turns them off. */
    readonly metricsIntervalSeconds: number;
    /** The ServiceName dimension of every EMF metric (see contract.ts). */
    readonly metricsServiceName: string;
    /** A task whose heartbeat is older than this loses its claims to the other tasks. */
    readonly claimLeaseSeconds: number;
    /** Files archived at once by one task. */
    readonly archiveConcurrency: number;
    /** Size of each part of a multipart upload; files up to this size are sent in one PutObject. */
    readonly multipartPartBytes: number;
    /** Content types (sniffed from the bytes) accepted by POST /uploads. */
    readonly allowedTypes: readonly string[];
    /** Identifies this task's claim directory, heartbeat and log directory. */
    readonly taskId: string;
    readonly logRotateBytes: number;
    readonly logRotateSeconds: number;
    /** How long an idle keep-alive connection is kept: longer than the load balancer's idle timeout. */
    readonly keepAliveTimeoutSeconds: number;
    /** The window over which an upload's body must keep arriving (see uploadMinBytesPerSecond). */
    readonly uploadIdleTimeoutSeconds: number;
    /** Slowest average rate, over each window, at which an upload's body may arrive before it is cut off. */
    readonly uploadMinBytesPerSecond: number;
    /** CloudFront in front of the archive for some prefixes: GET /uploads/:id returns their URLs once archived. */
    readonly cdn?: CdnConfig;

    // --- issue 17 (bounded app) ---
    /** The task's memory when its cgroup states no limit: the image decode budget is derived from it (decodeBudget.ts). */
    readonly taskMemoryBytes: number;
    /** Seconds after SIGTERM by which the app exits; at most SHUTDOWN_DEADLINE_SECONDS (contract.ts). */
    readonly shutdownDeadlineSeconds: number;
    /** The SQS work queue and its dead-letter queue (issue 19, queueConfig.ts). */
    readonly queue: QueueConfig;
    /**
     * Whether a create or rename in DATA_DIR is followed by an fsync of its directory (store.ts `fsyncDir`): `auto`
     * skips it where DATA_DIR is NFS (every directory operation is synchronous there), `always` and `never` decide.
     */
    readonly directoryFsync: DirectoryFsync;
}

/** See AppConfig.directoryFsync. */
export type DirectoryFsync = "auto" | "always" | "never";

export const DEFAULT_ALLOWED_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf"];

/** The variables this app reads, each with what it accepts (used in error messages and the README). */
export const VARIABLES: Record<string, string> = {
    DATA_DIR: "an absolute path to the EFS mount (default /mnt/efs)",
    BUCKET: "an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens); required",
    ARCHIVE_PREFIX: "a key prefix ending in '/' or empty (default uploads/)",
    AWS_REGION: "an AWS region such as eu-west-1; required",
    S3_ENDPOINT: "an http(s) URL of an S3-compatible endpoint (optional)",
    PORT: "a TCP port 1-65535 (default 8080)",
    HOST: "an IP address to listen on (default 0.0.0.0)",
    MAX_UPLOAD_BYTES: "a positive integer number of bytes (default 104857600)",
    BACKLOG_MAX_BYTES: "a positive integer number of bytes (default 10737418240)",
    CLAIM_LEASE_SECONDS: "a positive integer number of seconds (default 60)",
    ARCHIVE_CONCURRENCY: "an integer 1-64 (default 16)",
    MULTIPART_PART_BYTES: "an integer number of bytes >= 5242880 (default 8388608)",
    ALLOWED_TYPES: `a comma-separated list of MIME types (default ${DEFAULT_ALLOWED_TYPES.join(",")})`,
    TASK_ID: "letters, digits, '.', '_' or '-', at most 64 (default: hostname-pid-random)",
    LOG_ROTATE_BYTES: "a positive integer number of bytes (default 8388608)",
    LOG_ROTATE_SECONDS: "a positive integer number of seconds (default 300)",
    KEEP_ALIVE_TIMEOUT_SECONDS: "an integer number of seconds 1-4000, above the load balancer's idle timeout (default 305)",
    UPLOAD_IDLE_TIMEOUT_SECONDS: "a positive integer number of seconds (default 30)",
    UPLOAD_MIN_BYTES_PER_SECOND: "a non-negative integer number of bytes per second (default 1024)",
    CDN_BASE_URL: "an https:// origin without a path or trailing slash, such as https://d111111abcdef8.cloudfront.net (optional)",
    CDN_SERVED_PREFIXES: "a comma-separated list of key patterns with * wildcards (default uploads/*/thumbnails/*)",
    // --- issue 17 (bounded app) ---
    TASK_MEMORY_BYTES: "an integer number of bytes >= 268435456, the task's memory, read only where the cgroup states no limit (default 536870912)",
    SHUTDOWN_DEADLINE_SECONDS: `an integer number of seconds 1-${SHUTDOWN_DEADLINE_SECONDS}, below the task definition's stopTimeout of ${STOP_TIMEOUT_SECONDS} (default ${SHUTDOWN_DEADLINE_SECONDS})`,
    // --- the work queue (issue 19): queueConfig.ts ---
    ...QUEUE_VARIABLES,
    // --- issue 23 (ingest at the file system's pace) ---
    DIRECTORY_FSYNC: "auto (skip directory fsyncs where DATA_DIR is NFS), always or never (default auto)",
};

export class ConfigError extends Error {
    constructor(readonly problems: readonly { variable: string; reason: string }[]) {
        super(
            "invalid environment:\n" +
                problems.map((p) => `  ${p.variable}: ${p.reason}; expected ${VARIABLES[p.variable]}`).join("\n"),
        );
    }
}

/** Reads and validates the environment; throws one ConfigError naming every bad or missing variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
    const problems: { variable: string; reason: string }[] = [];
    const str = (name: string, fallback?: string): string | undefined => {
        const v = env[name];
        if (v === undefined || v === "") {
            if (fallback === undefined) problems.push({ variable: name, reason: "is not set" });
            return fallback;
        }
        return v;
    };
    const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
        const v = env[name];
        if (v === undefined || v === "") return fallback;
        if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
            problems.push({ variable: name, reason: `is ${JSON.stringify(v)}` });
            return fallback;
        }
        return Number(v);
    };

    const dataDir = str("DATA_DIR", "/mnt/efs")!;
    if (!path.isAbsolute(dataDir)) problems.push({ variable: "DATA_DIR", reason: `is ${JSON.stringify(dataDir)}, not absolute` });

    const bucket = str("BUCKET");
    if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
        problems.push({ variable: "BUCKET", reason: `is ${JSON.stringify(bucket)}` });
    }
    const archivePrefix = str("ARCHIVE_PREFIX", "uploads/")!;
    if (env.ARCHIVE_PREFIX !== undefined && archivePrefix !== "" && (!archivePrefix.endsWith("/") || archivePrefix.startsWith("/"))) {
        problems.push({ variable: "ARCHIVE_PREFIX", reason: `is ${JSON.stringify(archivePrefix)}` });
    }
    const region = str("AWS_REGION");
    if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
        problems.push({ variable: "AWS_REGION", reason: `is ${JSON.stringify(region)}` });
    }
    const s3Endpoint = env.S3_ENDPOINT || undefined;
    if (s3Endpoint !== undefined) {
        let ok = false;
        try {
            ok = ["http:", "https:"].includes(new URL(s3Endpoint).protocol);
        } catch {
            ok = false;
        }
        if (!ok) problems.push({ variable: "S3_ENDPOINT", reason: `is ${JSON.stringify(s3Endpoint)}` });
    }
    const port = int("PORT", 8080, 1, 65535);
    const host = str("HOST", "0.0.0.0")!;
    if (!/^[0-9a-fA-F.:]+$/.test(host)) problems.push({ variable: "HOST", reason: `is ${JSON.stringify(host)}` });
    const maxUploadBytes = int("MAX_UPLOAD_BYTES", 100 * 1024 * 1024, 1);
    const backlogMaxBytes = int("BACKLOG_MAX_BYTES", DEFAULT_BACKLOG_MAX_BYTES, 1);
    const metricsIntervalSeconds = int("METRICS_INTERVAL_SECONDS", 60, 0, 3600);
    const metricsServiceName = str("METRICS_SERVICE_NAME", "fargate-efs-s3")!;
    // CloudWatch dimension values: 1 to 1024 characters, no leading colon; kept to a plain name here.
    if (!/^[A-Za-z0-9._-]{1,255}$/.test(metricsServiceName)) problems.push({ variable: "METRICS_SERVICE_NAME", reason: `is ${JSON.stringify(metricsServiceName)}` });
    const claimLeaseSeconds = int("CLAIM_LEASE_SECONDS", 60, 1);
    // Each archived file waits for ~20 round trips to EFS one after another (bench/efs/README.md), so the rate per task
    // grows with the files in flight until something queues: with the claim shards (store.ts), 8 workers gave 184
    // files/s at 1 ms per request and 16 gave 226 (the daemon then served ~10 requests at once, not 16: the rest wait
    // on incoming/'s lock and the rename mutex). Processing stays at 8 at once (archiver.ts, PROCESS_SLOTS).
    const archiveConcurrency = int("ARCHIVE_CONCURRENCY", 16, 1, 64);
    const multipartPartBytes = int("MULTIPART_PART_BYTES", 8 * 1024 * 1024, 5 * 1024 * 1024, 5 * 1024 ** 3);
    const logRotateBytes = int("LOG_ROTATE_BYTES", 8 * 1024 * 1024, 1);
    const logRotateSeconds = int("LOG_ROTATE_SECONDS", 300, 1);
    // The ALB's idle timeout is 300 s in this program; the target must keep connections longer, or the ALB reuses
    // one the task is closing and answers 502. The ALB allows up to 4000 s.
    const keepAliveTimeoutSeconds = int("KEEP_ALIVE_TIMEOUT_SECONDS", 305, 1, 4000);
    const uploadIdleTimeoutSeconds = int("UPLOAD_IDLE_TIMEOUT_SECONDS", 30, 1);
    const uploadMinBytesPerSecond = int("UPLOAD_MIN_BYTES_PER_SECOND", 1024, 0);

    const allowedTypes = (env.ALLOWED_TYPES || DEFAULT_ALLOWED_TYPES.join(","))
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== "");
    if (allowedTypes.length === 0 || allowedTypes.some((t) => !/^[a-z]+\/[a-z0-9.+-]+$/.test(t))) {
        problems.push({ variable: "ALLOWED_TYPES", reason: `is ${JSON.stringify(env.ALLOWED_TYPES)}` });
    }
    const taskId = env.TASK_ID || `${os.hostname().replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 40)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(taskId) || taskId.startsWith(".")) {
        problems.push({ variable: "TASK_ID", reason: `is ${JSON.stringify(taskId)}` });
    }

    const cdn = readCdnConfig(env, problems);
    // --- the work queue (issue 19) ---
    const queue = readQueueConfig(env, problems);

    // --- issue 17 (bounded app) ---
    const taskMemoryBytes = int("TASK_MEMORY_BYTES", 512 * 1024 * 1024, 256 * 1024 * 1024);
    const shutdownDeadlineSeconds = int("SHUTDOWN_DEADLINE_SECONDS", SHUTDOWN_DEADLINE_SECONDS, 1, SHUTDOWN_DEADLINE_SECONDS);

    const directoryFsync = (env.DIRECTORY_FSYNC || "auto") as DirectoryFsync;
    if (!["auto", "always", "never"].includes(directoryFsync)) problems.push({ variable: "DIRECTORY_FSYNC", reason: `is ${JSON.stringify(env.DIRECTORY_FSYNC)}` });

    if (problems.length > 0) throw new ConfigError(problems);
    return {
        dataDir,
        bucket: bucket!,
        archivePrefix,
        region: region!,
        s3Endpoint,
        port,
        host,
        maxUploadBytes,
        backlogMaxBytes,
        metricsIntervalSeconds,
        metricsServiceName,
        claimLeaseSeconds,
        archiveConcurrency,
        multipartPartBytes,
        allowedTypes,
        taskId,
        logRotateBytes,
        logRotateSeconds,
        keepAliveTimeoutSeconds,
        uploadIdleTimeoutSeconds,
        uploadMinBytesPerSecond,
        cdn,
        taskMemoryBytes,
        shutdownDeadlineSeconds,
        queue,
        directoryFsync,
    };
}
