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
const fs_1 = require("fs");
const http = __importStar(require("http"));
const archiver_1 = require("./archiver");
const drain_1 = require("./drain");
const health_1 = require("./health");
const lease_1 = require("./lease");
const config_1 = require("./config");
const log_1 = require("./log");
const emf_1 = require("./emf");
const metrics_1 = require("./metrics");
const s3_1 = require("./s3");
const store_1 = require("./store");
/** Enough for ARCHIVE_CONCURRENCY's workers and the uploads in flight to wait on EFS at once. */
const UV_THREADS = 32;
const USAGE = "usage: node dist/main.js serve | work | archive --once";
async function main(argv) {
    // Every file-system call waits on a libuv thread for an NFS round trip (~1 ms on EFS, more under load); Node's
    // default of 4 threads would cap a task near 4 / (requests per archived file × 1 ms). Read when the pool starts,
    // at the first asynchronous fs call, which comes after this line. An explicit setting wins.
    process.env.UV_THREADPOOL_SIZE ??= String(UV_THREADS);
    const command = argv[0];
    if (!((command === "serve" || command === "work") && argv.length === 1) && !(command === "archive" && argv.length === 2 && argv[1] === "--once")) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    let config;
    try {
        config = (0, config_1.loadConfig)();
    }
    catch (e) {
        if (e instanceof config_1.ConfigError) {
            process.stderr.write(`${e.message}\n`);
            process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "invalid environment", problems: e.problems }) + "\n");
            return 2;
        }
        throw e;
    }
    const layout = new store_1.Layout(config.dataDir);
    try {
        await fs_1.promises.access(config.dataDir, fs_1.promises.constants.W_OK);
        await layout.ensure(config.taskId);
    }
    catch (e) {
        process.stderr.write(`invalid environment:\n  DATA_DIR: ${config.dataDir} is not a writable directory (${(0, log_1.errorFields)(e).error}); mount the EFS access point there\n`);
        return 2;
    }
    const log = new log_1.Logger({ task: config.taskId });
    const lease = new lease_1.Lease(layout, config.taskId, config.claimLeaseSeconds * 1000, log);
    await lease.start();
    // The log file belongs to one lease generation: once that lapses it is fenced, and the next generation writes
    // its own file (the old one is a peer's to archive, like any expired task's).
    const openLog = (generation) => new log_1.LogFile(layout, lease.id, config.logRotateBytes, config.logRotateSeconds, () => lease.owns(generation), () => void lease.ready().catch(() => undefined));
    let logFile = openLog(lease.generation);
    log.attach(logFile);
    let logClosed = false;
    lease.onRejoin((_oldId, _newId, generation) => {
        const unwritten = logFile.abandon();
        if (logClosed)
            return;
        logFile = openLog(generation);
        log.attach(logFile);
        for (const line of unwritten)
            logFile.append(line);
    });
    const metrics = new metrics_1.Metrics();
    const client = (0, s3_1.makeClient)(config);
    const archiver = new archiver_1.Archiver(config, layout, client, log, metrics, lease);
    const finish = async () => {
        logClosed = true;
        await logFile.close();
        log.attach(undefined);
    };
    const retire = async () => {
        const id = lease.id;
        await lease.retire();
        await fs_1.promises.rmdir(layout.logDir(id)).catch(() => undefined);
    };
    if (command === "archive") {
        log.info("archive --once started", { dataDir: config.dataDir, bucket: config.bucket });
        const first = await (0, drain_1.drain)(archiver, log);
        // The run's own log is archived too: close it (queues it), then drain once more with stdout only.
        log.info("archive --once finished draining", { archived: first.archived, failed: first.failed.length });
        await finish();
        const second = await (0, drain_1.drain)(archiver, log);
        await archiver.stop();
        await retire();
        const failed = second.failed;
        const summary = { archived: first.archived + second.archived, failed, maxRssKiB: process.resourceUsage().maxRSS };
        if (failed.length > 0) {
            log.error("archive --once: some items could not be archived; they stay on EFS", summary);
            return 1;
        }
        log.info("archive --once: everything archived", summary);
        return 0;
    }
    // `serve` is the upload API plus the archiver. `work` is the archiver alone (the background worker service),
    // answering only /healthz for the ECS container health check. The server module is loaded only to serve: it
    // pulls in sharp and file-type, which archiving does not need.
    const server = command === "serve"
        ? require("./server").createServer({ config, layout, client, log, metrics, archiver, lease })
        : livenessServer(new health_1.Probes({ config, layout, client, archiver, lease }));
    await new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, resolve);
    });
    archiver.start();
    const emf = new emf_1.EmfPublisher({ serviceName: config.metricsServiceName, taskId: config.taskId, intervalSeconds: config.metricsIntervalSeconds, layout, backlog: () => lease.backlog.refresh().then(() => lease.backlog.current()), metrics, log });
    emf.start();
    log.info(command === "serve" ? "serving" : "working", { port: config.port, host: config.host, dataDir: config.dataDir, bucket: config.bucket });
    await new Promise((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
    });
    log.info("stopping: finishing requests and archive work in progress");
    await new Promise((resolve) => server.close(() => resolve()));
    await archiver.stop();
    await emf.stop();
    await finish();
    await retire();
    log.info("stopped");
    return 0;
}
/** `work`'s only HTTP: GET /healthz, the same liveness as `serve`'s (this process and DATA_DIR, never S3). */
function livenessServer(probes) {
    return http.createServer((req, res) => {
        const answer = (status, body) => {
            res.writeHead(status, { "content-type": "application/json" });
            res.end(JSON.stringify(body));
        };
        if (req.method !== "GET" || req.url !== "/healthz") {
            answer(404, { error: `no route ${req.method} ${req.url}: work serves /healthz only` });
            return;
        }
        probes.liveness().then((h) => answer(h.ok ? 200 : 503, h), () => answer(503, { ok: false }));
    });
}
main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Keep-alive sockets and timers must not hold the process open after the work is done.
    setTimeout(() => process.exit(code), 200).unref();
}, (e) => {
    process.stderr.write(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
});
//# sourceMappingURL=main.js.map