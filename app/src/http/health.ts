import { S3Client } from "@aws-sdk/client-s3";
import { randomUUID } from "crypto";
import { promises as fsp } from "fs";
import * as path from "path";
import { Archiver } from "../archive/archiver";
import { AppConfig } from "../config";
import { Lease } from "../store/lease";
import { clockOffsetMs } from "../s3/clock";
import { bucketReachable } from "../s3/s3";
import { Layout, list } from "../store/store";

/**
 * What any one probe may take. The ALB and the ECS health check give a target a few seconds; every probe here
 * answers within 2 s whatever S3 or EFS do, and reports a timeout as a failure instead of hanging.
 */
export const PROBE_TIMEOUT_MS = 1500;

/** Settles with `fallback()` if `promise` has not settled within `ms`; the promise itself keeps running. */
export function withTimeout<T>(promise: Promise<T>, ms: number, fallback: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => resolve(fallback()), ms);
        promise.then(
            (v) => {
                clearTimeout(timer);
                resolve(v);
            },
            (e) => {
                clearTimeout(timer);
                reject(e);
            },
        );
    });
}

/** A value recomputed at most every `ttlMs`, with concurrent callers sharing one computation (one probe in flight). */
export class Cached<T> {
    private current?: { value: T; at: number };
    private pending?: Promise<{ value: T; at: number }>;
    constructor(
        private readonly ttlMs: number,
        private readonly compute: () => Promise<T>,
    ) {}
    async get(): Promise<{ value: T; at: number }> {
        if (this.current && Date.now() - this.current.at < this.ttlMs) return this.current;
        this.pending ??= this.compute()
            .then((value) => (this.current = { value, at: Date.now() }))
            .finally(() => (this.pending = undefined));
        return this.pending;
    }
}

export interface ProbeContext {
    readonly config: AppConfig;
    readonly layout: Layout;
    readonly client: S3Client;
    readonly archiver: Archiver;
    readonly lease: Lease;
}

export interface DataDirHealth {
    readonly writable: boolean;
    readonly error?: string;
}
export interface S3Health {
    readonly reachable: boolean;
    readonly error?: string;
}

/**
 * Liveness (`/healthz`, for the ALB and the ECS container health check) depends only on this process and DATA_DIR:
 * while S3 is away, EFS is the buffer, and a liveness check that followed S3 would have the whole fleet replaced
 * by the first S3 blip. S3 reachability is reported by `/status` and `/metrics` instead.
 */
export class Probes {
    private readonly dataDir: Cached<DataDirHealth>;
    private readonly s3: Cached<S3Health>;

    constructor(private readonly ctx: ProbeContext) {
        this.dataDir = new Cached(1000, () => probeDataDir(ctx.layout));
        const { client, config } = ctx;
        this.s3 = new Cached(5000, () => bucketReachable(client, config.bucket, config.archivePrefix, PROBE_TIMEOUT_MS));
    }

    /** DATA_DIR writable (temp file + fsync), bounded: an EFS stall is reported as a failure, not waited for. */
    async liveness(): Promise<{ ok: boolean; dataDir: DataDirHealth }> {
        const dataDir = await withTimeout(
            this.dataDir.get().then((c) => c.value),
            PROBE_TIMEOUT_MS,
            () => ({ writable: false, error: `DATA_DIR did not complete a write within ${PROBE_TIMEOUT_MS} ms` }),
        );
        return { ok: dataDir.writable, dataDir };
    }

    /** S3 reachability, bounded by its own timeout (the SDK call is aborted, and the wait bounded again here). */
    async bucket(): Promise<S3Health> {
        return withTimeout(this.s3.get().then((c) => c.value), PROBE_TIMEOUT_MS + 250, () => ({ reachable: false, error: `no answer within ${PROBE_TIMEOUT_MS} ms` }));
    }

    /** The operators' view (`/status`): ok only when DATA_DIR is writable and S3 answers. */
    async status(): Promise<{ ok: boolean; [k: string]: unknown }> {
        const { config, layout, archiver, lease } = this.ctx;
        const stalled = () => undefined;
        const [live, s3, waiting, quarantined] = await Promise.all([
            this.liveness(),
            this.bucket(),
            withTimeout(lease.backlog.current(), PROBE_TIMEOUT_MS, stalled),
            withTimeout(list(layout.quarantine).then((q) => q.length), PROBE_TIMEOUT_MS, stalled),
        ]);
        return {
            ok: live.ok && s3.reachable,
            task: lease.id,
            dataDir: { path: config.dataDir, ...live.dataDir },
            // S3's clock minus this task's, as the S3 client measured it from S3's answers (clock.ts).
            s3: { bucket: config.bucket, prefix: config.archivePrefix, ...s3, clockSkewMs: clockOffsetMs(this.ctx.client) },
            backlog: waiting ?? { error: `not measured within ${PROBE_TIMEOUT_MS} ms` },
            quarantined: quarantined ?? null,
            lease: { seconds: lease.leaseSeconds, generation: lease.generation, held: lease.valid(), remainingMs: Math.round(lease.remainingMs()) },
            archiver: { archivedFiles: archiver.metrics.archivedFiles, archivedBytes: archiver.metrics.archivedBytes, failures: archiver.metrics.failures, retrying: archiver.attempts.size },
        };
    }
}

async function probeDataDir(layout: Layout): Promise<DataDirHealth> {
    const probe = path.join(layout.tmp, `.health-${randomUUID()}`);
    try {
        const fh = await fsp.open(probe, "wx", 0o600);
        try {
            await fh.writeFile("ok");
            await fh.sync();
        } finally {
            await fh.close();
        }
        return { writable: true };
    } catch (e) {
        return { writable: false, error: e instanceof Error ? e.message : String(e) };
    } finally {
        await fsp.rm(probe, { force: true });
    }
}
