/**
 * `npm run bench -- archive`: the app's archiver (`archive --once`) against `aws s3 sync` (Debian's
 * awscli), same files, same server, same run. Prints one JSON line per (server, data set) with files/s,
 * MiB/s and peak RSS of each client and the ratio archiver / aws.
 *
 * Servers, each on 127.0.0.1:
 *  - versitygw (Go, POSIX backend; `go install github.com/versity/versitygw/cmd/versitygw@v1.8.0`
 *    through the Go module proxy): the fastest real S3-compatible server installable from this
 *    machine's registries, and one that verifies SHA-256 checksums and honours If-None-Match. Falls
 *    back to moto (PyPI) when neither $VERSITYGW, ~/go/bin/versitygw nor `go` is available.
 *  - "null": a do-nothing endpoint written here that answers like S3 and discards bodies, to show
 *    each client's own ceiling.
 *
 * Each figure is the median of BENCH_ARCHIVE_PAIRS (default 3) paired runs in alternating order (peak RSS:
 * the highest), each on an emptied bucket after `sync`, so that order and page-cache writeback favour
 * neither client.
 *
 * Data sets: 2,000 files of 64 KiB and 8 files of 128 MiB (BENCH_SMALL_FILES / BENCH_LARGE_FILES
 * override the counts). The archiver's items are hard links to the files aws syncs, with meta.json as
 * ingest writes it, so both read the same bytes; processing (sniff, thumbnail) is not part of this run.
 */
import { execFileSync, spawn, spawnSync } from "child_process";
import { createHash, randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { freePort, startMoto } from "../test/support/s3server";
import { startNullS3 } from "./support/nullS3";

const ROOT = path.resolve(__dirname, "..");
const WORK = path.join(ROOT, ".test-tmp", "bench-archive");
const MAIN = path.join(ROOT, "app", "dist", "main.js");
/** The node flags the image starts the app with (app/Dockerfile's ENTRYPOINT), so the figures are the shipped app's. */
const NODE_FLAGS = ((): string[] => {
    const m = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(fs.readFileSync(path.join(ROOT, "app", "Dockerfile"), "utf8"));
    return m ? (JSON.parse(m[1]) as string[]).filter((a) => a.startsWith("--")) : [];
})();
/** Built peers (gitignored), kept across runs: WORK is removed at the end of each. */
const TOOLS = path.join(__dirname, "bin");
const AWS_CLI = fs.existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws";
const CREDS = { AWS_ACCESS_KEY_ID: "benchkey", AWS_SECRET_ACCESS_KEY: "benchsecret1234", AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: "us-east-1" };
const MiB = 1024 * 1024;
const VERSITYGW_VERSION = "v1.8.0";
const PAIRS = Number(process.env.BENCH_ARCHIVE_PAIRS ?? 3);

interface DataSet {
    readonly name: string;
    readonly dir: string;
    readonly files: { name: string; size: number; sha256: string }[];
    readonly bytes: number;
}

interface Run {
    client: string;
    seconds: number;
    filesPerSec: number;
    mibPerSec: number;
    peakRssMiB: number;
}

interface Server {
    readonly kind: string;
    readonly endpoint: string;
    /** Empties the bucket between runs so each client writes every object. */
    reset(bucket: string): Promise<void>;
    stop(): Promise<void>;
}

function makeDataSet(name: string, count: number, size: number): DataSet {
    const dir = path.join(WORK, "data", name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const files: DataSet["files"] = [];
    const chunk = Math.min(size, 8 * MiB);
    for (let i = 0; i < count; i++) {
        const file = `file-${String(i).padStart(5, "0")}.bin`;
        const fd = fs.openSync(path.join(dir, file), "w");
        const hash = createHash("sha256");
        for (let written = 0; written < size; written += chunk) {
            const b = randomBytes(Math.min(chunk, size - written));
            hash.update(b);
            fs.writeSync(fd, b);
        }
        fs.closeSync(fd);
        files.push({ name: file, size, sha256: hash.digest("hex") });
    }
    return { name, dir, files, bytes: count * size };
}

/** DATA_DIR with one incoming item per file, as ingest would leave it (original hard-linked). */
function stageItems(ds: DataSet): string {
    const dataDir = path.join(WORK, "efs");
    fs.rmSync(dataDir, { recursive: true, force: true });
    const incoming = path.join(dataDir, "uploads", "incoming");
    fs.mkdirSync(incoming, { recursive: true });
    for (const f of ds.files) {
        const id = randomUUID();
        const item = path.join(incoming, id);
        fs.mkdirSync(item);
        fs.linkSync(path.join(ds.dir, f.name), path.join(item, "original"));
        const meta = { id, kind: "upload", name: f.name, size: f.size, sha256: f.sha256, contentType: "application/octet-stream", key: `archiver/${ds.name}/${id}/${f.name}`, receivedAt: new Date().toISOString(), processed: true };
        fs.writeFileSync(path.join(item, "meta.json"), JSON.stringify(meta));
    }
    return dataDir;
}

/** Runs a command under a tiny Python parent that reports the child's peak RSS (ru_maxrss of children). */
async function measured(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; peakRssMiB: number; code: number }> {
    const wrapper = "import resource,subprocess,sys\nr=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL)\nprint(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)";
    const started = process.hrtime.bigint();
    const child = spawn("python3", ["-c", wrapper, cmd, ...args], { env, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((r) => child.once("exit", r));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [rssKiB, code] = out.trim().split(/\s+/).map(Number);
    return { seconds, peakRssMiB: Math.round((rssKiB / 1024) * 10) / 10, code };
}

async function runArchiver(server: Server, bucket: string, ds: DataSet): Promise<Run> {
    const dataDir = stageItems(ds);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...CREDS, NODE_NO_WARNINGS: "1", DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: server.endpoint, TASK_ID: "bench" };
    const r = await measured(process.execPath, [...NODE_FLAGS, MAIN, "archive", "--once"], env);
    const left = fs.readdirSync(path.join(dataDir, "uploads", "incoming")).length;
    if (r.code !== 0 || left !== 0) throw new Error(`archiver against ${server.kind} exited ${r.code} with ${left} items left`);
    return figures("archiver", ds, r);
}

async function runAwsSync(server: Server, bucket: string, ds: DataSet): Promise<Run> {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...CREDS, AWS_PAGER: "", AWS_CONFIG_FILE: "/dev/null", AWS_SHARED_CREDENTIALS_FILE: "/dev/null" };
    const r = await measured(AWS_CLI, ["--endpoint-url", server.endpoint, "s3", "sync", ds.dir, `s3://${bucket}/aws/${ds.name}/`, "--only-show-errors", "--no-progress"], env);
    if (r.code !== 0) throw new Error(`aws s3 sync against ${server.kind} exited ${r.code}`);
    return figures("aws s3 sync", ds, r);
}

function figures(client: string, ds: DataSet, r: { seconds: number; peakRssMiB: number }): Run {
    const round = (n: number) => Math.round(n * 10) / 10;
    return { client, seconds: Math.round(r.seconds * 100) / 100, filesPerSec: round(ds.files.length / r.seconds), mibPerSec: round(ds.bytes / MiB / r.seconds), peakRssMiB: r.peakRssMiB };
}

function findVersitygw(): string | undefined {
    const candidates = [process.env.VERSITYGW, path.join(os.homedir(), "go", "bin", "versitygw"), path.join(TOOLS, "versitygw")];
    for (const c of candidates) if (c && fs.existsSync(c)) return c;
    try {
        execFileSync("go", ["install", `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], { env: { ...process.env, GOBIN: TOOLS }, stdio: "inherit" });
        return path.join(TOOLS, "versitygw");
    } catch {
        return undefined;
    }
}

async function startVersitygw(bin: string, bucket: string): Promise<Server> {
    const root = path.join(WORK, "vgw-root");
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    const port = await freePort();
    const child = spawn(bin, ["--port", `127.0.0.1:${port}`, "posix", root], {
        env: { ...process.env, ROOT_ACCESS_KEY: CREDS.AWS_ACCESS_KEY_ID, ROOT_SECRET_KEY: CREDS.AWS_SECRET_ACCESS_KEY },
        stdio: "ignore",
    });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
        try {
            await fetch(endpoint);
            break;
        } catch {
            if (i > 100) throw new Error("versitygw did not start");
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    const awsEnv = { ...process.env, ...CREDS };
    execFileSync(AWS_CLI, ["--endpoint-url", endpoint, "s3api", "create-bucket", "--bucket", bucket], { env: awsEnv, stdio: "ignore" });
    return {
        kind: `versitygw ${VERSITYGW_VERSION} (posix backend)`,
        endpoint,
        reset: async (b) => {
            for (const e of fs.readdirSync(path.join(root, b))) fs.rmSync(path.join(root, b, e), { recursive: true, force: true });
        },
        stop: async () => {
            child.kill("SIGTERM");
            fs.rmSync(root, { recursive: true, force: true });
        },
    };
}

async function startMotoServer(bucket: string): Promise<Server> {
    const s = await startMoto();
    execFileSync(AWS_CLI, ["--endpoint-url", s.endpoint, "s3api", "create-bucket", "--bucket", bucket], { env: { ...process.env, ...CREDS }, stdio: "ignore" });
    return { kind: "moto (PyPI)", endpoint: s.endpoint, reset: async () => undefined, stop: () => s.stop() };
}

async function main(): Promise<void> {
    if (!fs.existsSync(MAIN)) spawnSync("npm", ["run", "build", "--workspace", "app"], { cwd: ROOT, stdio: "inherit" });
    fs.mkdirSync(WORK, { recursive: true });
    const smallCount = Number(process.env.BENCH_SMALL_FILES ?? 2000);
    const largeCount = Number(process.env.BENCH_LARGE_FILES ?? 8);
    const sets = [makeDataSet("small-64KiB", smallCount, 64 * 1024), makeDataSet("large-128MiB", largeCount, 128 * MiB)];
    spawnSync("sync");
    const bucket = "bench";
    const vgw = findVersitygw();
    const servers: (() => Promise<Server>)[] = [vgw ? () => startVersitygw(vgw, bucket) : () => startMotoServer(bucket), () => startNullS3()];

    for (const start of servers) {
        const server = await start();
        try {
            for (const ds of sets) {
                // Paired runs in alternating order (A B, B A, A B, …), each on an empty bucket and after `sync`, so
                // that neither client pays for the other's (or the data set's) dirty pages being written back; the
                // median run of each is reported (the machine is shared: single runs are noisy).
                const archiverRuns: Run[] = [];
                const awsRuns: Run[] = [];
                for (let pair = 0; pair < PAIRS; pair++) {
                    for (const client of pair % 2 === 0 ? ["archiver", "aws"] : ["aws", "archiver"]) {
                        await server.reset(bucket);
                        spawnSync("sync");
                        if (client === "archiver") archiverRuns.push(await runArchiver(server, bucket, ds));
                        else awsRuns.push(await runAwsSync(server, bucket, ds));
                    }
                }
                await server.reset(bucket);
                const median = (runs: Run[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
                const archiver = { ...median(archiverRuns), runsSeconds: archiverRuns.map((r) => r.seconds), peakRssMiB: Math.max(...archiverRuns.map((r) => r.peakRssMiB)) };
                const awsSync = { ...median(awsRuns), runsSeconds: awsRuns.map((r) => r.seconds), peakRssMiB: Math.max(...awsRuns.map((r) => r.peakRssMiB)) };
                console.log(
                    JSON.stringify({
                        bench: "archive",
                        server: server.kind,
                        dataSet: ds.name,
                        files: ds.files.length,
                        mib: ds.bytes / MiB,
                        archiver,
                        awsS3Sync: awsSync,
                        ratioFilesPerSec: Math.round((archiver.filesPerSec / awsSync.filesPerSec) * 100) / 100,
                        ratioMiBPerSec: Math.round((archiver.mibPerSec / awsSync.mibPerSec) * 100) / 100,
                    }),
                );
            }
        } finally {
            await server.stop();
        }
    }
    fs.rmSync(WORK, { recursive: true, force: true });
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
