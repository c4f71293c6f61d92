"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.Probes = exports.Cached = exports.PROBE_TIMEOUT_MS = void 0;
exports.withTimeout = withTimeout;
const crypto_1 = require("crypto");
const fs_1 = require("fs");
const path = __importStar(require("path"));
const s3_1 = require("./s3");
const store_1 = require("./store");
/**
 * What any one probe may take. The ALB and the ECS health check give a target a few seconds; every probe here
 * answers within 2 s whatever S3 or EFS do, and reports a timeout as a failure instead of hanging.
 */
exports.PROBE_TIMEOUT_MS = 1500;
/** Settles with `fallback()` if `promise` has not settled within `ms`; the promise itself keeps running. */
function withTimeout(promise, ms, fallback) {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(fallback()), ms);
        promise.then((v) => {
            clearTimeout(timer);
            resolve(v);
        }, (e) => {
            clearTimeout(timer);
            reject(e);
        });
    });
}
/** A value recomputed at most every `ttlMs`, with concurrent callers sharing one computation (one probe in flight). */
class Cached {
    ttlMs;
    compute;
    current;
    pending;
    constructor(ttlMs, compute) {
        this.ttlMs = ttlMs;
        this.compute = compute;
    }
    async get() {
        if (this.current && Date.now() - this.current.at < this.ttlMs)
            return this.current;
        this.pending ??= this.compute()
            .then((value) => (this.current = { value, at: Date.now() }))
            .finally(() => (this.pending = undefined));
        return this.pending;
    }
}
exports.Cached = Cached;
/**
 * Liveness (`/healthz`, for the ALB and the ECS container health check) depends only on this process and DATA_DIR:
 * while S3 is away, EFS is the buffer, and a liveness check that followed S3 would have the whole fleet replaced
 * by the first S3 blip. S3 reachability is reported by `/status` and `/metrics` instead.
 */
class Probes {
    ctx;
    dataDir;
    s3;
    constructor(ctx) {
        this.ctx = ctx;
        this.dataDir = new Cached(1000, () => probeDataDir(ctx.layout));
        const { client, config } = ctx;
        this.s3 = new Cached(5000, () => (0, s3_1.bucketReachable)(client, config.bucket, config.archivePrefix, exports.PROBE_TIMEOUT_MS));
    }
    /** DATA_DIR writable (temp file + fsync), bounded: an EFS stall is reported as a failure, not waited for. */
    async liveness() {
        const dataDir = await withTimeout(this.dataDir.get().then((c) => c.value), exports.PROBE_TIMEOUT_MS, () => ({ writable: false, error: `DATA_DIR did not complete a write within ${exports.PROBE_TIMEOUT_MS} ms` }));
        return { ok: dataDir.writable, dataDir };
    }
    /** S3 reachability, bounded by its own timeout (the SDK call is aborted, and the wait bounded again here). */
    async bucket() {
        return withTimeout(this.s3.get().then((c) => c.value), exports.PROBE_TIMEOUT_MS + 250, () => ({ reachable: false, error: `no answer within ${exports.PROBE_TIMEOUT_MS} ms` }));
    }
    /** The operators' view (`/status`): ok only when DATA_DIR is writable and S3 answers. */
    async status() {
        const { config, layout, archiver, lease } = this.ctx;
        const stalled = () => undefined;
        const [live, s3, waiting, quarantined] = await Promise.all([
            this.liveness(),
            this.bucket(),
            withTimeout(lease.backlog.current(), exports.PROBE_TIMEOUT_MS, stalled),
            withTimeout((0, store_1.list)(layout.quarantine).then((q) => q.length), exports.PROBE_TIMEOUT_MS, stalled),
        ]);
        return {
            ok: live.ok && s3.reachable,
            task: lease.id,
            dataDir: { path: config.dataDir, ...live.dataDir },
            s3: { bucket: config.bucket, prefix: config.archivePrefix, ...s3 },
            backlog: waiting ?? { error: `not measured within ${exports.PROBE_TIMEOUT_MS} ms` },
            quarantined: quarantined ?? null,
            lease: { seconds: lease.leaseSeconds, generation: lease.generation, held: lease.valid(), remainingMs: Math.round(lease.remainingMs()) },
            archiver: { archivedFiles: archiver.metrics.archivedFiles, archivedBytes: archiver.metrics.archivedBytes, failures: archiver.metrics.failures, retrying: archiver.attempts.size },
        };
    }
}
exports.Probes = Probes;
async function probeDataDir(layout) {
    const probe = path.join(layout.tmp, `.health-${(0, crypto_1.randomUUID)()}`);
    try {
        const fh = await fs_1.promises.open(probe, "wx", 0o600);
        try {
            await fh.writeFile("ok");
            await fh.sync();
        }
        finally {
            await fh.close();
        }
        return { writable: true };
    }
    catch (e) {
        return { writable: false, error: e instanceof Error ? e.message : String(e) };
    }
    finally {
        await fs_1.promises.rm(probe, { force: true });
    }
}
//# sourceMappingURL=health.js.map