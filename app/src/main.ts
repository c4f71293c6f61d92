import { promises as fsp } from "fs";
import * as http from "http";
import { Archiver, HAND_BACK_AFTER_MS } from "./archive/archiver";
import { drain } from "./archive/drain";
import { Probes } from "./http/health";
import { Lease } from "./store/lease";
import { AppConfig, ConfigError, loadConfig } from "./config";
import { errorFields, LogFile, Logger } from "./observability/log";
import { EmfPublisher } from "./observability/emf";
import { Metrics } from "./observability/metrics";
import { makeClient } from "./s3/s3";
import type * as ServerModule from "./http/server";
import { DecodeBudget, decodeBudgetBytes, setDecodeBudget, taskMemoryBytes } from "./archive/decodeBudget";
import { HAND_BACK_SHARE, shutdown } from "./shutdown";
import { configureDirectoryFsync, Layout } from "./store/store";

/** Enough for ARCHIVE_CONCURRENCY's workers and the uploads in flight to wait on EFS at once. */
const UV_THREADS = 32;
const USAGE = "usage: node dist/main.js serve | work | archive --once";

async function main(argv: string[]): Promise<number> {
    // Every file-system call waits on a libuv thread for an NFS round trip (~1 ms on EFS, more under load); Node's
    // default of 4 threads would cap a task near 4 / (requests per archived file × 1 ms). Read when the pool starts,
    // at the first asynchronous fs call, which comes after this line. An explicit setting wins.
    process.env.UV_THREADPOOL_SIZE ??= String(UV_THREADS);
    const command = argv[0];
    if (!((command === "serve" || command === "work") && argv.length === 1) && !(command === "archive" && argv.length === 2 && argv[1] === "--once")) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    let config: AppConfig;
    try {
        config = loadConfig();
    } catch (e) {
        if (e instanceof ConfigError) {
            process.stderr.write(`${e.message}\n`);
            process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "invalid environment", problems: e.problems }) + "\n");
            return 2;
        }
        throw e;
    }
    const layout = new Layout(config.dataDir);
    try {
        await fsp.access(config.dataDir, fsp.constants.W_OK);
        await layout.ensure(config.taskId);
        configureDirectoryFsync(config.directoryFsync, config.dataDir);
    } catch (e) {
        process.stderr.write(`invalid environment:\n  DATA_DIR: ${config.dataDir} is not a writable directory (${errorFields(e).error}); mount the EFS access point there\n`);
        return 2;
    }

    const log = new Logger({ task: config.taskId });
    const memory = taskMemoryBytes(config.taskMemoryBytes);
    setDecodeBudget(new DecodeBudget(decodeBudgetBytes(memory.bytes)));
    const lease = new Lease(layout, config.taskId, config.claimLeaseSeconds * 1000, log);
    await lease.start();
    // The log file belongs to one lease generation: once that lapses it is fenced, and the next generation writes
    // its own file (the old one is a peer's to archive, like any expired task's).
    const metrics = new Metrics();
    const client = makeClient(config);
    const archiver = new Archiver(config, layout, client, log, metrics, lease);
    const sendLogs = (items: Parameters<typeof archiver.enqueuer.enqueue>[0]) => archiver.enqueuer.enqueue(items);
    const openLog = (generation: number) =>
        new LogFile(layout, lease.id, config.logRotateBytes, config.logRotateSeconds, () => lease.owns(generation), () => void lease.ready().catch(() => undefined), sendLogs);
    let logFile = openLog(lease.generation);
    log.attach(logFile);
    let logClosed = false;
    lease.onRejoin((_oldId, _newId, generation) => {
        const unwritten = logFile.abandon();
        if (logClosed) return;
        logFile = openLog(generation);
        log.attach(logFile);
        for (const line of unwritten) logFile.append(line);
    });

    const finish = async () => {
        logClosed = true;
        await logFile.close();
        log.attach(undefined);
    };
    const retire = async () => {
        const id = lease.id;
        await lease.retire();
        await fsp.rmdir(layout.logDir(id)).catch(() => undefined);
    };

    if (command === "archive") {
        // A StopTask (a deploy, an operator) sends this scheduled task SIGTERM too. Without a handler Node's default
        // action ends the process at once: its messages stay invisible for a visibility timeout (a receive spent
        // each), its multipart uploads stay open and its heartbeat holds peers for a lease. Instead the run stops
        // receiving, hands back what is unfinished, flushes and retires as serve does, and exits 1 within the same
        // deadline below stopTimeout (the timer below is the backstop should a step hang).
        let stopping: Promise<void> | undefined;
        process.on("SIGTERM", () => {
            if (stopping) return log.warn("SIGTERM again while stopping: the shutdown deadline still applies");
            log.warn("archive --once: SIGTERM: handing back what is unfinished", { deadlineMs: config.shutdownDeadlineSeconds * 1000 });
            setTimeout(() => process.exit(1), config.shutdownDeadlineSeconds * 1000).unref();
            stopping = archiver.stop({ handBack: true, deadlineMs: Math.max(0, Math.min(HAND_BACK_AFTER_MS, config.shutdownDeadlineSeconds * 1000 * HAND_BACK_SHARE - 2000)) });
        });
        const interrupted = async (archived: number): Promise<number> => {
            await stopping;
            await finish();
            await retire();
            log.error("archive --once: stopped by SIGTERM; what was not archived stays on EFS, its messages visible again", { archived });
            return 1;
        };
        log.info("archive --once started", { dataDir: config.dataDir, bucket: config.bucket });
        const first = await drain(archiver);
        if (stopping) return interrupted(first.archived);
        if (first.s3Unreachable !== undefined) {
            // Nothing received: every receive of a message counts towards the work queue's redrive policy.
            log.error("archive --once: S3 is unreachable; nothing was received from the work queue and everything stays on EFS", { error: first.s3Unreachable });
            await finish();
            await archiver.stop();
            await retire();
            return 1;
        }
        // The run's own log is archived too: close it (queues it), then drain once more with stdout only.
        log.info("archive --once finished draining", { archived: first.archived, failed: first.failed.length });
        await finish();
        const second = await drain(archiver);
        if (stopping) return interrupted(first.archived + second.archived);
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
    const server =
        command === "serve"
            ? (require("./http/server") as typeof ServerModule).createServer({ config, layout, client, log, metrics, archiver, lease })
            : livenessServer(new Probes({ config, layout, client, archiver, lease }));
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.port, config.host, resolve);
    });
    archiver.start();
    const emf = new EmfPublisher({ serviceName: config.metricsServiceName, taskId: config.taskId, intervalSeconds: config.metricsIntervalSeconds, layout, backlog: () => lease.backlog.refresh().then(() => lease.backlog.current()), metrics, log });
    emf.start();
    log.info(command === "serve" ? "serving" : "working", { port: config.port, host: config.host, dataDir: config.dataDir, bucket: config.bucket, taskMemoryBytes: memory.bytes, taskMemoryFrom: memory.source, decodeBudgetBytes: decodeBudgetBytes(memory.bytes) });

    await new Promise<void>((resolve) => {
        process.once("SIGTERM", resolve);
        process.once("SIGINT", resolve);
    });
    // A second SIGTERM while stopping must not kill the process with Node's default action: the deadline decides.
    process.on("SIGTERM", () => log.warn("SIGTERM again while stopping: the shutdown deadline still applies"));
    await shutdown(
        {
            server,
            log,
            // Items in flight may finish for HAND_BACK_AFTER_MS (never past the hand-back step's share of the deadline,
            // less 2 s for making the messages of the rest visible again with ChangeMessageVisibility 0): other tasks
            // get the rest at once rather than after a visibility timeout.
            handBack: () => archiver.stop({ handBack: true, deadlineMs: Math.max(0, Math.min(HAND_BACK_AFTER_MS, config.shutdownDeadlineSeconds * 1000 * HAND_BACK_SHARE - 2000)) }),
            flush: async () => {
                await emf.stop();
                await finish();
            },
            retire,
        },
        config.shutdownDeadlineSeconds * 1000,
    );
    return 0;
}

/** `work`'s only HTTP: GET /healthz, the same liveness as `serve`'s (this process and DATA_DIR, never S3). */
function livenessServer(probes: Probes): http.Server {
    return http.createServer((req, res) => {
        // GET /healthz takes no body: one sent anyway is not waited for, the answer closes the connection.
        const body = req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
        const answer = (status: number, json: unknown) => {
            res.writeHead(status, { "content-type": "application/json", ...(body ? { connection: "close" } : {}) });
            res.end(JSON.stringify(json));
        };
        if (req.method !== "GET" || req.url !== "/healthz") {
            answer(404, { error: `no route ${req.method} ${req.url}: work serves /healthz only` });
            return;
        }
        probes.liveness().then((h) => answer(h.ok ? 200 : 503, h), () => answer(503, { ok: false }));
    });
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
        // Keep-alive sockets and timers must not hold the process open after the work is done.
        setTimeout(() => process.exit(code), 200).unref();
    },
    (e) => {
        process.stderr.write(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
    },
);
