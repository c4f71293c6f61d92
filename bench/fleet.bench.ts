/**
 * `npm run bench -- fleet`: N `work` processes (BENCH_FLEET_TASKS, default 1,4,16) archive BENCH_FLEET_ITEMS (default
 * 2000) items from one EFS-like FUSE mount at 1 ms per metadata request (bench/efs/README.md), finding their work on
 * the SQS work queue (ElasticMQ on loopback, or moto with BENCH_FLEET_SQS=moto, behind a proxy that counts every SQS
 * request by action: bench/support/countingProxy.ts) and archiving to the
 * do-nothing S3 endpoint (bench/support/nullS3.ts), so that EFS and the queue are what is measured. Per N, one JSON
 * line: fleet archived/s (from the first message sent to the last object created), FUSE metadata requests per
 * archived file, SQS requests per archived file (the sends included: one message per item, as ingest sends them, in
 * batches of 10 as the reconciling scan does), duplicates (objects created more than once) and leftovers (items on
 * EFS and messages in the queue afterwards). The processes start and go idle before the messages are sent, so their
 * start-up is not in the rate. The items are written straight into the backing directory as ingest leaves them
 * (meta.json, read-only as the work queue's mark, and original — hard links to one 64 KiB PDF), so prefilling costs and
 * counts nothing.
 * RECONCILE_SECONDS is an hour here: the fleet's one scan per period walks every waiting item, and a run of a few
 * seconds would charge a whole period's scan to a few thousand files.
 * Where FUSE cannot run, prints `{"bench":"fleet","skipped":"<why>"}` and exits 0.
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { spawnSync } from "child_process";
import { randomUUID } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AppProcess, pdf, sha256, startApp } from "../test/app/helpers";
import { CREDENTIALS, S3Server, startMoto } from "../test/support/s3server";
import { queuesFor } from "../test/support/sqsQueues";
import { concurrency, EfsMount, mountEfsLike, unavailable } from "./efs/mount";
import { countingProxy } from "./support/countingProxy";
import { elasticMqUnavailable, startElasticMq } from "./support/elasticmq";
import { startNullS3 } from "./support/nullS3";

const ROOT = path.resolve(__dirname, "..");
const WORK = path.join(ROOT, ".test-tmp", "bench-fleet");
const MAIN = path.join(ROOT, "app", "dist", "main.js");
const BUCKET = "bench-fleet";
const TASKS = (process.env.BENCH_FLEET_TASKS ?? "1,4,16").split(",").map(Number);
const ITEMS = Number(process.env.BENCH_FLEET_ITEMS ?? 2000);
const META_MS = Number(process.env.BENCH_FLEET_META_MS ?? 1);
/** The queue server: ElasticMQ (bench/support/elasticmq.ts) unless BENCH_FLEET_SQS=moto. */
const SQS_SERVER = process.env.BENCH_FLEET_SQS ?? "elasticmq";
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Writes `count` items as ingest leaves them into the backing directory; returns their messages. */
function prefill(mount: EfsMount, count: number): { id: string; kind: "upload"; size: number; sha256: string }[] {
    for (const e of fs.readdirSync(mount.backing)) fs.rmSync(path.join(mount.backing, e), { recursive: true, force: true });
    const incoming = path.join(mount.backing, "uploads", "incoming");
    fs.mkdirSync(incoming, { recursive: true });
    const original = path.join(WORK, "original.pdf");
    const bytes = fs.readFileSync(original);
    const hash = sha256(bytes);
    const messages = [];
    for (let i = 0; i < count; i++) {
        const id = randomUUID();
        const dir = path.join(incoming, id);
        fs.mkdirSync(dir);
        fs.linkSync(original, path.join(dir, "original"));
        const meta = { id, kind: "upload", name: "fleet.pdf", size: bytes.length, sha256: hash, contentType: "application/pdf", key: `uploads/${id}/fleet.pdf`, receivedAt: new Date().toISOString() };
        // Marked as sent the way ingest marks it since issue 23: meta.json read-only (app/src/store/store.ts META_QUEUED_MODE).
        fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta), { mode: 0o440 });
        messages.push({ id, kind: "upload" as const, size: bytes.length, sha256: hash });
    }
    return messages;
}

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

async function runFleet(mount: EfsMount, sqsServer: S3Server, tasks: number): Promise<Record<string, unknown>> {
    const messages = prefill(mount, ITEMS);
    const proxy = await countingProxy(sqsServer.endpoint);
    const s3 = await startNullS3();
    const creates = new Map<string, number>();
    s3.onCreated = (key) => {
        if (key.startsWith("uploads/")) creates.set(key, (creates.get(key) ?? 0) + 1);
    };
    const queues = await queuesFor(`${WORK}-${tasks}-${randomUUID()}`, { endpoint: proxy.endpoint, visibilitySeconds: 60 });
    const sqs = new SQSClient({ endpoint: proxy.endpoint, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
    const env = { ...queues, DATA_DIR: mount.mountPoint, BUCKET, S3_ENDPOINT: s3.endpoint, METRICS_INTERVAL_SECONDS: "0", RECONCILE_SECONDS: "3600" };
    const apps: AppProcess[] = [];
    try {
        // Started a few at a time: sixteen Node processes starting at once on a small machine miss startApp's deadline.
        for (let i = 0; i < tasks; i += 4) {
            apps.push(...(await Promise.all(Array.from({ length: Math.min(4, tasks - i) }, (_, j) => startApp({ ...env, TASK_ID: `fleet-${tasks}-${i + j}` }, "work")))));
        }
        await mount.reset();
        proxy.counts.clear();
        const started = Date.now();
        const loadBefore = os.loadavg()[0];
        for (let i = 0; i < messages.length; i += 10) {
            await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.QUEUE_URL, Entries: messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) })) }));
        }
        await waitUntil(`${ITEMS} objects created`, () => creates.size >= ITEMS && fs.readdirSync(path.join(mount.backing, "uploads", "incoming")).length === 0, 600_000);
        const seconds = (Date.now() - started) / 1000;
        // The counters were reset just before the first send: everything since is the run's.
        const stats = await mount.stats();
        const loadAfter = os.loadavg()[0];
        const { mean, idleShare } = concurrency(stats);
        await Promise.all(apps.map((a) => a.stop()));
        const sqsCalls = Object.fromEntries([...proxy.counts.entries()].sort((a, b) => b[1] - a[1]));
        const sqsTotal = [...proxy.counts.values()].reduce((a, b) => a + b, 0);
        // Leftovers are the bench's items, on EFS or in the queue: the processes' own logs, queued as they stop, wait
        // there for the next consumer as they should.
        const ids = new Set(messages.map((m) => m.id));
        const leftOnEfs = ["incoming", "quarantine"].reduce((n, d) => n + (fs.existsSync(path.join(mount.backing, "uploads", d)) ? fs.readdirSync(path.join(mount.backing, "uploads", d)).filter((id) => ids.has(id)).length : 0), 0);
        const inFlight = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queues.QUEUE_URL, AttributeNames: ["ApproximateNumberOfMessagesNotVisible"] }));
        let leftInQueue = 0;
        for (;;) {
            const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 600 }));
            if (!r.Messages?.length) break;
            leftInQueue += r.Messages.filter((m) => ids.has(JSON.parse(m.Body ?? "{}").id)).length;
        }
        const archived = apps.flatMap((a) => a.lines()).filter((l) => l.msg === "archived" && ids.has(l.uploadId));
        const written = archived.filter((l) => l.alreadyThere === false).map((l) => l.uploadId as string);
        return {
            bench: "fleet",
            tasks,
            items: ITEMS,
            sqsServer: SQS_SERVER,
            metaLatencyMs: META_MS,
            seconds: round(seconds),
            fleetArchivedPerSec: round(ITEMS / seconds, 1),
            metaRequestsPerArchivedFile: round(stats.metaOps / ITEMS),
            requestsPerArchivedFileByKind: Object.fromEntries(Object.entries(stats.ops).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v / ITEMS)])),
            // What the daemon served at once on average, and the share of the run it served nothing: with N × 16
            // workers waiting on one request each, a mean far below that means the requests queued before the daemon
            // (kernel locks, or processes waiting for CPU).
            meanInFlight: round(mean),
            idleShare: round(idleShare),
            // The machine's 1-minute load average before and after the run: the rates of a shared 2-core machine.
            loadAverage: [round(loadBefore, 1), round(loadAfter, 1)],
            sqsCallsPerArchivedFile: round(sqsTotal / ITEMS),
            sqsCalls,
            // An upload written twice (S3 refuses a second object at a key with 412, so the app would have to send
            // it twice unconditionally). A duplicate delivery that finds its object in place is not one: it is counted
            // in `deliveredAgain` (SQS standard queues deliver at least once).
            duplicates: written.length - new Set(written).size + [...creates.values()].reduce((a, n) => a + n - 1, 0),
            deliveredAgain: archived.length - new Set(archived.map((l) => l.uploadId)).size,
            leftovers: leftOnEfs + leftInQueue,
            // Messages received just before the stop and not deleted: held by nobody, they were counted above if visible.
            messagesInvisibleAtEnd: Number(inFlight.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
        };
    } finally {
        for (const a of apps) await a.stop("SIGKILL");
        sqs.destroy();
        await s3.stop();
        await proxy.stop();
    }
}

async function main(): Promise<void> {
    if (SQS_SERVER !== "elasticmq" && SQS_SERVER !== "moto") throw new Error(`BENCH_FLEET_SQS must be elasticmq or moto, not ${JSON.stringify(SQS_SERVER)}`);
    const why = unavailable();
    if (why) {
        console.log(JSON.stringify({ bench: "fleet", skipped: why }));
        return;
    }
    if (!fs.existsSync(MAIN)) spawnSync("npm", ["run", "build", "--workspace", "app"], { cwd: ROOT, stdio: "inherit" });
    fs.mkdirSync(WORK, { recursive: true });
    fs.writeFileSync(path.join(WORK, "original.pdf"), pdf(64 * 1024));
    if (SQS_SERVER === "elasticmq" && elasticMqUnavailable()) {
        console.log(JSON.stringify({ bench: "fleet", skipped: `${elasticMqUnavailable()}; BENCH_FLEET_SQS=moto runs it on moto (slow: it measures moto)` }));
        return;
    }
    const sqsServer = SQS_SERVER === "moto" ? await startMoto() : await startElasticMq();
    let mount: EfsMount;
    try {
        mount = await mountEfsLike(WORK, META_MS, 0);
    } catch (e) {
        console.log(JSON.stringify({ bench: "fleet", skipped: `the FUSE mount failed: ${e instanceof Error ? e.message : String(e)}` }));
        await sqsServer.stop();
        return;
    }
    try {
        const rows: Record<string, any>[] = [];
        for (const n of TASKS) {
            const row = await runFleet(mount, sqsServer, n);
            rows.push(row);
            console.log(JSON.stringify(row));
        }
        const one = rows.find((r) => r.tasks === 1);
        const most = rows[rows.length - 1];
        if (one && most !== one) {
            console.log(JSON.stringify({
                bench: "fleet-summary",
                metaRequestsRatio: round(most.metaRequestsPerArchivedFile / one.metaRequestsPerArchivedFile),
                maxSqsCallsPerFile: Math.max(...rows.map((r) => r.sqsCallsPerArchivedFile)),
                minRateVsOneTask: round(Math.min(...rows.map((r) => r.fleetArchivedPerSec)) / one.fleetArchivedPerSec),
                duplicates: rows.reduce((a, r) => a + r.duplicates, 0),
                leftovers: rows.reduce((a, r) => a + r.leftovers, 0),
            }));
        }
    } finally {
        await mount.unmount();
        await sqsServer.stop();
        fs.rmSync(WORK, { recursive: true, force: true });
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
