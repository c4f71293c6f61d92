/**
 * `npm run bench -- efs`: the app with DATA_DIR on an EFS-like FUSE mount (bench/efs/README.md) that adds a latency
 * to every metadata request and counts every request by kind. A baseline of what the app costs on EFS as the backlog
 * grows: for each backlog size (BENCH_EFS_BACKLOGS, default 0,1000,10000) at 0 ms and 1 ms per metadata request
 * (BENCH_EFS_LATENCIES_MS), one JSON line with
 *  - uploads/s: 64 KiB PDFs from 8 concurrent clients to `serve`, for BENCH_EFS_UPLOAD_SECONDS (default 8) or 400
 *    uploads, whichever ends first, and the FUSE requests per upload. S3 is a black hole (accepts connections, never
 *    answers): the S3 outage that lets a backlog build up. The archiver claims a few items and waits on S3, so what
 *    is counted is the upload path with its backlog, as during an outage;
 *  - archived files/s per task: then `serve` against a do-nothing S3 endpoint (bench/support/nullS3.ts, so S3 costs
 *    nothing and EFS is what is measured) with that backlog (plus what was uploaded, plus 320 items); the rate and
 *    the FUSE requests per archived file over 300 archived files, counted from the first 20 archived and the task's
 *    first backlog figure (its startup scan, app/src/store/backlog.ts), whichever comes last.
 * Backlog items are written straight into the backing directory (uploads/incoming/<id>/ as ingest leaves them, not
 * yet processed, like the uploads beside them; the originals hard links to 64 copies of one 64 KiB PDF, in turn), not through the mount, so
 * prefilling costs nothing and counts nothing.
 * Each line also carries, from the same run: the uploads of the app before issue 23 (BENCH_EFS_BEFORE, a commit, built
 * from `git archive`; `none` skips it) on the same backlog, and the floor of a durable item on this mount (measureFloor:
 * the bare system calls, one file and the app's item layout) with the app's requests per upload against it.
 * Then, per latency, ingest MiB/s for one 64 MiB upload against its floor: the same bytes written and fsynced by
 * `dd` onto the same mount (median of 3 paired runs, the version before beside them), and the app's peak RSS per upload
 * over 4 concurrent ones.
 * Where FUSE cannot run (no /dev/fuse, not root and no fusermount, no Go to build the mount), prints
 * `{"bench":"efs","skipped":"<why>"}` and exits 0.
 */
import { randomUUID } from "crypto";
import { execSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AppProcess, claimedItemDirs, pdf, sha256, startApp, upload } from "../test/app/helpers";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { CREDENTIALS, freePort } from "../test/support/s3server";
import { QueuePair, queuesFor } from "../test/support/sqsQueues";
import { concurrency, delta, EfsMount, FuseStats, mountEfsLike, unavailable } from "./efs/mount";
import { elasticMqUnavailable, startElasticMq } from "./support/elasticmq";
import { startNullS3 } from "./support/nullS3";

const ROOT = path.resolve(__dirname, "..");
/**
 * The mount's backing directory, its mount point and the prefill's sources live here (BENCH_EFS_WORK, default
 * .test-tmp/bench-efs). A directory on tmpfs (/dev/shm/…) takes the backing disk out of what is measured: on this
 * machine's ext4 (mounted with online `discard`) each UNLINK and RMDIR costs the daemon ~2-6 ms of its own
 * (bench/efs/README.md), which EFS does not.
 */
const WORK = process.env.BENCH_EFS_WORK ? path.resolve(process.env.BENCH_EFS_WORK) : path.join(ROOT, ".test-tmp", "bench-efs");
const MAIN = path.join(ROOT, "app", "dist", "main.js");
const BUCKET = "bench-efs";
const KiB = 1024;
const MiB = 1024 * KiB;
/**
 * The work queue's server: ElasticMQ (bench/support/elasticmq.ts) unless BENCH_EFS_SQS=moto. moto's SQS costs
 * O(messages in the queue) per call (bench/efs/README.md, "Fleet"), so at a backlog of 10,000 it, not EFS, would set
 * the archiving rate.
 */
const SQS_SERVER = process.env.BENCH_EFS_SQS ?? "elasticmq";
/** The mount's queue pair on that server, made once in main(): the app and sendMessages share it. */
let QUEUES: QueuePair;
const list = (v: string | undefined, d: number[]) => (v ? v.split(",").map(Number) : d);
const BACKLOGS = list(process.env.BENCH_EFS_BACKLOGS, [0, 1000, 10_000]);
const LATENCIES_MS = list(process.env.BENCH_EFS_LATENCIES_MS, [0, 1]);
const UPLOAD_SECONDS = Number(process.env.BENCH_EFS_UPLOAD_SECONDS ?? 8);
const MAX_UPLOADS = 400;
const CLIENTS = 8;
const WARMUP = 20;
const MEASURED = 300;
const LARGE = 64 * MiB;

/**
 * The app before issue 23 (a commit, `none` to skip): its uploads are measured in the same run, on the same mount, beside
 * this version's (`before` in each line), so that the two are compared at the same load.
 */
const BEFORE = process.env.BENCH_EFS_BEFORE ?? "fdca2eb";
/** Items written by the floor probe per latency (one at a time). */
const FLOOR_ITEMS = 100;
/** Concurrent 64 MiB uploads over which the app's peak RSS per upload is measured. */
const RSS_UPLOADS = 4;

const T0 = Date.now();
const trace = (what: string) => process.env.BENCH_EFS_TRACE && console.error(`${((Date.now() - T0) / 1000).toFixed(1)}s ${what}`);
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const loadAverage = () => os.loadavg().map((l) => round(l, 2));

/**
 * The app at BENCH_EFS_BEFORE, built once from `git archive` into .test-tmp/bench-efs-before-<commit>/app with the
 * repository's TypeScript; its packages resolve from the repository's node_modules. Undefined when skipped.
 */
function buildBefore(): string | undefined {
    if (BEFORE === "none") return undefined;
    const dir = path.join(ROOT, ".test-tmp", `bench-efs-before-${BEFORE}`);
    const main = path.join(dir, "app", "dist", "main.js");
    if (fs.existsSync(main)) return main;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    execSync(`git -C ${JSON.stringify(ROOT)} archive ${BEFORE} app | tar -x -C ${JSON.stringify(dir)}`);
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", path.join(dir, "app")], { stdio: "inherit" });
    if (r.status !== 0) throw new Error(`could not build the app at ${BEFORE}`);
    return main;
}

/**
 * The floor: the fewest requests this mount takes for one durable item, measured with the bare system calls (no app,
 * one item at a time, FLOOR_ITEMS items), as bench/efs/README.md derives them for NFS:
 *  - `singleFile`: the bytes and their metadata in one file: create a temporary name, write, fsync, close, rename it
 *    into place (NFS: OPEN, WRITE, COMMIT, CLOSE, RENAME);
 *  - `itemLayout`: the item as every version of the app reads it: a directory made in uploads/tmp/ holding `original`
 *    and `meta.json`, each created, written and fsynced, meta.json's mode set for the work queue's mark, the directory
 *    renamed into incoming/ (NFS: MKDIR, OPEN, WRITE, COMMIT, CLOSE twice, SETATTR, RENAME).
 */
async function measureFloor(mount: EfsMount): Promise<Record<string, unknown>> {
    const root = path.join(mount.mountPoint, "floor");
    const tmp = path.join(root, "tmp");
    const incoming = path.join(root, "incoming");
    fs.mkdirSync(tmp, { recursive: true });
    fs.mkdirSync(incoming, { recursive: true });
    const body = pdf(64 * KiB);
    const meta = Buffer.from(JSON.stringify({ id: randomUUID(), kind: "upload", name: "floor.pdf", size: body.length, sha256: sha256(body), contentType: "application/pdf", key: "uploads/x/floor.pdf", receivedAt: new Date().toISOString() }));
    const write = async (file: string, data: Buffer, mark: boolean) => {
        const fh = await fs.promises.open(file, "wx", 0o640);
        await fh.write(data);
        await fh.sync();
        if (mark) await fh.chmod(0o440);
        await fh.close();
    };
    const single = await mount.stats();
    for (let i = 0; i < FLOOR_ITEMS; i++) {
        const id = randomUUID();
        await write(path.join(incoming, `${id}.part`), body, false);
        await fs.promises.rename(path.join(incoming, `${id}.part`), path.join(incoming, id));
    }
    const layout = await mount.stats();
    for (let i = 0; i < FLOOR_ITEMS; i++) {
        const id = randomUUID();
        const dir = path.join(tmp, id);
        await fs.promises.mkdir(dir);
        await write(path.join(dir, "original"), body, false);
        await write(path.join(dir, "meta.json"), meta, true);
        await fs.promises.rename(dir, path.join(incoming, id));
    }
    const end = await mount.stats();
    fs.rmSync(path.join(mount.backing, "floor"), { recursive: true, force: true });
    return { singleFile: perItem(delta(layout, single), FLOOR_ITEMS), itemLayout: perItem(delta(end, layout), FLOOR_ITEMS) };
}

/** Request counts divided by `n`, the kinds sorted by count. */
function perItem(d: FuseStats, n: number) {
    const ops = Object.fromEntries(
        Object.entries(d.ops)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, round(v / n, 2)]),
    );
    const busyMs = Object.fromEntries(
        Object.entries(d.busyMs)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => [k, round(v / n, 2)]),
    );
    const { mean, idleShare } = concurrency(d);
    // How many requests the daemon served at once on average: far below the workers' count means they queued
    // upstream (the kernel's directory locks, the app), not in the daemon.
    return { meta: round(d.metaOps / n, 2), data: round(d.dataOps / n, 2), byKind: ops, daemonMsByKind: busyMs, meanInFlight: round(mean, 2), idleShare: round(idleShare, 2) };
}

/** Empties the backing directory and writes `count` incoming items as ingest leaves them, their messages sent. */
async function prefill(mount: EfsMount, count: number): Promise<void> {
    for (const e of fs.readdirSync(mount.backing)) fs.rmSync(path.join(mount.backing, e), { recursive: true, force: true });
    await addItems(mount, count);
}

/**
 * Sends the work queue's messages for items written straight into the backing directory, as ingest would have (the
 * app finds its work on the queue, app/src/queue/queue.ts): the queue of the mount point, as startApp gives it to the app.
 */
async function sendMessages(mount: EfsMount, messages: { id: string; kind: "upload"; size: number; sha256: string }[]): Promise<void> {
    const queues = QUEUES;
    const sqs = new SQSClient({ endpoint: queues.SQS_ENDPOINT, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY } });
    for (let i = 0; i < messages.length; i += 10) {
        await sqs.send(new SendMessageBatchCommand({ QueueUrl: queues.QUEUE_URL, Entries: messages.slice(i, i + 10).map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) })) }));
    }
    sqs.destroy();
}

/** Items waiting on EFS: incoming and claimed (both claim layouts), as backlog() in app/src/store/claims.ts counts them. */
function itemsWaiting(mount: EfsMount): number {
    return fs.readdirSync(path.join(mount.backing, "uploads", "incoming")).length + claimedItemDirs(mount.backing).length;
}

/** Copies of the prefilled original that items are hard-linked to, in turn (addItems). */
const LINK_SOURCES = 64;
let sourcesMade = false;

async function addItems(mount: EfsMount, count: number): Promise<void> {
    const messages: { id: string; kind: "upload"; size: number; sha256: string }[] = [];
    const incoming = path.join(mount.backing, "uploads", "incoming");
    fs.mkdirSync(incoming, { recursive: true });
    const original = path.join(WORK, "original.pdf");
    const bytes = fs.readFileSync(original);
    const hash = sha256(bytes);
    // Hard links, so that prefilling costs no disk, but spread over LINK_SOURCES copies, item i linked to copy i % LINK_SOURCES:
    // hard links to one file are one inode on the mount too, and the kernel holds the inode's lock across each
    // UNLINK's round trip (vfs_unlink), so that every archived original's removal queued behind the others' (the
    // daemon measured ~5 ms per UNLINK against ~1.5 for other requests). Distinct uploads are distinct files on EFS.
    const sources = Array.from({ length: LINK_SOURCES }, (_, k) => {
        const copy = path.join(WORK, `original-${k}.pdf`);
        // Made afresh once per run (a new inode, the bytes of this run's original.pdf).
        if (!sourcesMade) fs.rmSync(copy, { force: true });
        if (!fs.existsSync(copy)) fs.copyFileSync(original, copy);
        return copy;
    });
    sourcesMade = true;
    for (let i = 0; i < count; i++) {
        const id = randomUUID();
        const dir = path.join(incoming, id);
        fs.mkdirSync(dir);
        fs.linkSync(sources[i % LINK_SOURCES], path.join(dir, "original"));
        const meta = { id, kind: "upload", name: "backlog.pdf", size: bytes.length, sha256: hash, contentType: "application/pdf", key: `uploads/${id}/backlog.pdf`, receivedAt: new Date().toISOString() };
        // Marked as sent the way ingest marks it since issue 23: meta.json read-only (app/src/store/store.ts META_QUEUED_MODE).
        fs.writeFileSync(path.join(dir, "meta.json"), JSON.stringify(meta), { mode: 0o440 });
        messages.push({ id, kind: "upload", size: bytes.length, sha256: hash });
    }
    await sendMessages(mount, messages);
}

/** Accepts connections and never answers: S3 during an outage, without connection errors to retry fast on. */
async function startBlackHole(): Promise<{ endpoint: string; requests: () => number; stop: () => Promise<void> }> {
    const sockets = new Set<net.Socket>();
    let requests = 0;
    const server = net.createServer((s) => {
        sockets.add(s);
        s.once("data", () => requests++);
        s.on("error", () => undefined);
        s.on("close", () => sockets.delete(s));
    });
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return {
        endpoint: `http://127.0.0.1:${port}`,
        requests: () => requests,
        stop: () => {
            for (const s of sockets) s.destroy();
            return new Promise((r) => server.close(() => r()));
        },
    };
}

async function waitUntil(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await ok())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

function appEnv(mount: EfsMount, endpoint: string): Record<string, string> {
    // The app's defaults unless these are set for an experiment.
    const pass = Object.fromEntries(["ARCHIVE_CONCURRENCY", "UV_THREADPOOL_SIZE"].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
    // The mount stands in for EFS, where a directory's fsync sends nothing (app/src/store/store.ts configureDirectoryFsync);
    // versions before issue 23 ignore the variable and fsync.
    return { DATA_DIR: mount.mountPoint, BUCKET, S3_ENDPOINT: endpoint, TASK_ID: "bench-efs", MAX_UPLOAD_BYTES: String(LARGE + MiB), DIRECTORY_FSYNC: "never", ...QUEUES, ...pass };
}

/**
 * A POST on a kept-alive connection that the server closes as idle at that moment fails without a response, and
 * fetch does not retry a POST: such an upload got no answer, so it is sent again (and counted in `retried`).
 */
async function uploadRetryingOnce(url: string, body: Buffer, onRetry: () => void): Promise<{ status: number }> {
    try {
        return await upload(url, "bench.pdf", body);
    } catch (e) {
        if (!(e instanceof TypeError)) throw e;
        onRetry();
        return upload(url, "bench.pdf", body);
    }
}

async function measureUploads(mount: EfsMount, backlog: number, main?: string): Promise<Record<string, unknown>> {
    trace(`uploads: prefill ${backlog}`);
    await prefill(mount, backlog);
    trace("uploads: start");
    const hole = await startBlackHole();
    let app: AppProcess | undefined;
    try {
        const beforeStart = await mount.stats();
        const startedAt = Date.now();
        app = await startApp(appEnv(mount, hole.endpoint), "serve", undefined, main);
        // Until the archiver's workers are all waiting on S3, it is still claiming items: not the upload path.
        await waitUntil("the archiver to block on S3", () => hole.requests() >= Math.min(backlog, 8), 120_000);
        trace("uploads: archiver blocked");
        // The first backlog figure is a full scan (app/src/store/backlog.ts), repeated by one task every few minutes: its
        // cost is reported on its own, not spread over the uploads of a few seconds.
        const url = app.url;
        await waitUntil("the first backlog figure", () => backlogMeasured(url), 120_000);
        const scan = delta(await mount.stats(), beforeStart);
        const scanSeconds = (Date.now() - startedAt) / 1000;
        const body = pdf(64 * KiB);
        const before = await mount.stats();
        trace("uploads: go");
        const started = Date.now();
        const deadline = started + UPLOAD_SECONDS * 1000;
        let done = 0;
        let refused = 0;
        let retried = 0;
        let next = 0;
        await Promise.all(
            Array.from({ length: CLIENTS }, async () => {
                while (Date.now() < deadline && next < MAX_UPLOADS) {
                    next++;
                    const r = await uploadRetryingOnce(app!.url, body, () => retried++);
                    if (r.status === 202) done++;
                    else refused++;
                }
            }),
        );
        const seconds = (Date.now() - started) / 1000;
        trace("uploads: done");
        const d = delta(await mount.stats(), before);
        return { uploads: done, refused, retried, uploadSeconds: round(seconds, 2), uploadsPerSec: round(done / seconds), opsPerUpload: perItem(d, done), startupWithScanMetaOps: scan.metaOps, startupScanOpsByKind: scan.ops, startupScanSeconds: round(scanSeconds, 2), loadAverage: loadAverage() };
    } finally {
        await app?.stop("SIGKILL"); // its archiver waits on the black hole: a clean stop would wait for S3's timeout
        await hole.stop();
    }
}

/** Whether /status reports a backlog figure (it reports an error while the first scan is still running). */
async function backlogMeasured(url: string): Promise<boolean> {
    const r = await fetch(`${url}/status`).catch(() => undefined);
    const body = (await r?.json().catch(() => undefined)) as { backlog?: { files?: number } } | undefined;
    return typeof body?.backlog?.files === "number";
}

async function measureArchiving(mount: EfsMount): Promise<Record<string, unknown>> {
    // The upload phase's backlog stays (with what was uploaded and claimed): only the items to measure are added.
    trace("archive: prefill");
    await addItems(mount, WARMUP + MEASURED);
    const backlogWhileArchiving = itemsWaiting(mount);
    trace("archive: start");
    const s3 = await startNullS3();
    let app: AppProcess | undefined;
    try {
        let archived = 0;
        let window: { first: number; at: number; stats: Promise<FuseStats> } | undefined;
        let endMark: { at: number; stats: Promise<FuseStats> } | undefined;
        let reachedEnd = () => undefined as void;
        const end = new Promise<void>((r) => (reachedEnd = r));
        s3.onCreated = (key) => {
            if (!key.startsWith("uploads/")) return; // the app's own logs
            archived++;
            if (window && archived === window.first + MEASURED) {
                endMark = { at: Date.now(), stats: mount.stats() };
                reachedEnd();
            }
        };
        app = await startApp(appEnv(mount, s3.endpoint));
        const url = app.url;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`archived ${archived} in 180 s`)), 180_000)));
        // The measured files start after WARMUP and after the task's first backlog figure, a full scan when no
        // heartbeat carries one (reported by the upload phase as startupWithScanMetaOps).
        await Promise.race([waitUntil("the first backlog figure", () => backlogMeasured(url), 170_000), timeout]);
        await Promise.race([waitUntil(`${WARMUP} files archived`, () => archived >= WARMUP, 170_000), timeout]);
        window = { first: archived, at: Date.now(), stats: mount.stats() };
        await Promise.race([end, timeout]).finally(() => clearTimeout(timer));
        trace("archive: done");
        const seconds = (endMark!.at - window.at) / 1000;
        const d = delta(await endMark!.stats, await window.stats);
        return { backlogWhileArchiving, archivedFiles: MEASURED, archiveSeconds: round(seconds, 2), archivedPerSecPerTask: round(MEASURED / seconds), opsPerArchivedFile: perItem(d, MEASURED), archiveLoadAverage: loadAverage() };
    } finally {
        await app?.stop("SIGKILL");
        await s3.stop();
    }
}

/**
 * A multipart body as a client that knows its file's size sends it (curl -F): one part, with Content-Length. Built once,
 * outside the timing: undici's FormData streams a Blob at a fraction of the rate, and the client is not what is measured.
 */
function multipartBody(name: string, data: Buffer): { body: Buffer; contentType: string } {
    const boundary = `----bench${randomUUID()}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`);
    return { body: Buffer.concat([head, data, Buffer.from(`\r\n--${boundary}--\r\n`)]), contentType: `multipart/form-data; boundary=${boundary}` };
}

function postRaw(url: string, form: { body: Buffer; contentType: string }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.request(`${url}/uploads`, { method: "POST", headers: { "content-type": form.contentType, "content-length": form.body.length } }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("error", reject);
        req.end(form.body);
    });
}

function procStatusKiB(pid: number, field: "VmRSS" | "VmHWM"): number {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : NaN;
}

/**
 * One 64 MiB upload against `dd … conv=fsync` of the same bytes onto the same mount, paired, medians of 3 (and the app
 * before issue 23, when built, in the same rounds); then RSS_UPLOADS such uploads at once, and the app's peak RSS above
 * its resident set before them (VmHWM after /proc/<pid>/clear_refs reset it), per upload.
 */
async function measureIngest(mount: EfsMount, metaMs: number, beforeMain: string | undefined): Promise<Record<string, unknown>> {
    await prefill(mount, 0);
    const source = path.join(WORK, "large.pdf");
    const bytes = pdf(LARGE);
    fs.writeFileSync(source, bytes);
    const form = multipartBody("large.pdf", bytes);
    const hole = await startBlackHole();
    trace("ingest: start");
    const app = await startApp(appEnv(mount, hole.endpoint));
    const before = beforeMain ? await startApp({ ...appEnv(mount, hole.endpoint), TASK_ID: "bench-efs-before" }, "serve", undefined, beforeMain) : undefined;
    const runs: Record<"app" | "before" | "dd", number[]> = { app: [], before: [], dd: [] };
    let rssPerUploadMiB: number | undefined;
    try {
        // One untimed upload each first: the first one pays for code loading and the JIT, not for EFS.
        for (const a of [app, before]) if (a && (await postRaw(a.url, form)).status !== 202) throw new Error("warm-up upload refused");
        for (let pair = 0; pair < 3; pair++) {
            const order: ("app" | "before" | "dd")[] = before ? ["app", "dd", "before"] : ["app", "dd"];
            for (const which of pair % 2 === 0 ? order : [...order].reverse()) {
                const started = process.hrtime.bigint();
                if (which === "dd") {
                    const target = path.join(mount.mountPoint, `dd-${pair}.bin`);
                    const r = spawnSync("dd", [`if=${source}`, `of=${target}`, "bs=1M", "conv=fsync"], { stdio: ["ignore", "ignore", "pipe"] });
                    if (r.status !== 0) throw new Error(`dd failed: ${r.stderr}`);
                } else {
                    const r = await postRaw((which === "app" ? app : before!).url, form);
                    if (r.status !== 202) throw new Error(`large upload refused: ${r.status} ${r.body}`);
                }
                const seconds = Number(process.hrtime.bigint() - started) / 1e9;
                runs[which].push(LARGE / MiB / seconds);
            }
        }
        const pid = app.child.pid!;
        fs.writeFileSync(`/proc/${pid}/clear_refs`, "5");
        const baseKiB = procStatusKiB(pid, "VmRSS");
        const all = await Promise.all(Array.from({ length: RSS_UPLOADS }, () => postRaw(app.url, form)));
        if (all.some((r) => r.status !== 202)) throw new Error(`concurrent large uploads refused: ${all.map((r) => r.status)}`);
        rssPerUploadMiB = round((procStatusKiB(pid, "VmHWM") - baseKiB) / 1024 / RSS_UPLOADS);
    } finally {
        await app.stop("SIGKILL");
        await before?.stop("SIGKILL");
        await hole.stop();
    }
    const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    return {
        bench: "efs-ingest",
        metaLatencyMs: metaMs,
        fileMiB: LARGE / MiB,
        ingestMiBPerSec: round(median(runs.app)),
        ddFsyncMiBPerSec: round(median(runs.dd)),
        ratio: round(median(runs.app) / median(runs.dd), 2),
        ...(before ? { before: { commit: BEFORE, ingestMiBPerSec: round(median(runs.before)), ratio: round(median(runs.before) / median(runs.dd), 2) } } : {}),
        peakRssPerConcurrentUploadMiB: rssPerUploadMiB,
        concurrentUploads: RSS_UPLOADS,
        runsMiBPerSec: { ingest: runs.app.map((x) => round(x)), dd: runs.dd.map((x) => round(x)), ...(before ? { before: runs.before.map((x) => round(x)) } : {}) },
        loadAverage: loadAverage(),
    };
}

async function main(): Promise<void> {
    if (SQS_SERVER !== "elasticmq" && SQS_SERVER !== "moto") throw new Error(`BENCH_EFS_SQS must be elasticmq or moto, not ${JSON.stringify(SQS_SERVER)}`);
    const why = unavailable() ?? (SQS_SERVER === "elasticmq" ? elasticMqUnavailable() : undefined);
    if (why) {
        console.log(JSON.stringify({ bench: "efs", skipped: why }));
        return;
    }
    if (!fs.existsSync(MAIN)) spawnSync("npm", ["run", "build", "--workspace", "app"], { cwd: ROOT, stdio: "inherit" });
    fs.mkdirSync(WORK, { recursive: true });
    fs.writeFileSync(path.join(WORK, "original.pdf"), pdf(64 * KiB));
    let mount: EfsMount;
    try {
        mount = await mountEfsLike(WORK, 0, 0);
    } catch (e) {
        console.log(JSON.stringify({ bench: "efs", skipped: `the FUSE mount failed: ${e instanceof Error ? e.message : String(e)}` }));
        return;
    }
    const elasticMq = SQS_SERVER === "elasticmq" ? await startElasticMq() : undefined;
    try {
        QUEUES = await queuesFor(mount.mountPoint, { endpoint: elasticMq?.endpoint });
        const beforeMain = buildBefore();
        for (const metaMs of LATENCIES_MS) {
            await mount.setLatency(metaMs, 0);
            const floor = await measureFloor(mount);
            for (const backlog of BACKLOGS) {
                // The version before issue 23 first, on the same backlog: its uploads, for the comparison.
                const before: Record<string, unknown> | undefined = beforeMain ? { commit: BEFORE, ...(await measureUploads(mount, backlog, beforeMain)) } : undefined;
                const uploads = await measureUploads(mount, backlog);
                const archiving = await measureArchiving(mount);
                const meta = (r: Record<string, unknown> | undefined) => (r?.opsPerUpload as { meta: number } | undefined)?.meta;
                const floorMeta = (f: unknown) => (f as { meta: number }).meta;
                console.log(
                    JSON.stringify({
                        bench: "efs",
                        sqsServer: SQS_SERVER,
                        backlog,
                        metaLatencyMs: metaMs,
                        dataLatencyMs: 0,
                        ...uploads,
                        floorMetaPerUpload: { singleFile: floorMeta(floor.singleFile), itemLayout: floorMeta(floor.itemLayout) },
                        metaPerUploadVsFloor: { singleFile: round(meta(uploads)! / floorMeta(floor.singleFile), 2), itemLayout: round(meta(uploads)! / floorMeta(floor.itemLayout), 2) },
                        ...(before ? { before: { commit: before.commit, uploadsPerSec: before.uploadsPerSec, metaPerUpload: meta(before), opsPerUpload: before.opsPerUpload, loadAverage: before.loadAverage }, uploadsPerSecVsBefore: round((uploads.uploadsPerSec as number) / (before.uploadsPerSec as number), 2) } : {}),
                        ...archiving,
                    }),
                );
            }
            console.log(JSON.stringify({ bench: "efs-floor", metaLatencyMs: metaMs, ...floor, loadAverage: loadAverage() }));
            console.log(JSON.stringify(await measureIngest(mount, metaMs, beforeMain)));
        }
    } finally {
        trace("unmount");
        await prefill(mount, 0);
        await mount.unmount();
        trace("unmounted");
        fs.rmSync(WORK, { recursive: true, force: true });
        await elasticMq?.stop();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
