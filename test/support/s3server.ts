/**
 * A real S3-compatible server for the app specs: moto's server from PyPI, installed on first use into
 * the repo-root virtualenv `.venv/` (gitignored) and started on 127.0.0.1 on a free port.
 *
 * moto 5.2.x honours `If-None-Match: *` on PutObject and CompleteMultipartUpload and stores the
 * SHA-256 checksums it is sent, but it does not check them against the bytes (real S3 and versitygw
 * do): the specs therefore compare the stored bytes themselves, downloaded with the aws CLI.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const VENV = path.join(REPO_ROOT, ".venv");
const PYTHON = path.join(VENV, "bin", "python");
/** Pinned: the version whose behaviour the comment above describes. */
export const MOTO_VERSION = "5.2.5";
/** Pinned: the Trino parser and the engine the named Athena queries are checked with (test/analytics). */
export const SQLGLOT_VERSION = "30.30.0";
export const DUCKDB_VERSION = "2.0.1";
/** The virtualenv's python, with moto, sqlglot and duckdb once {@link ensureMoto} has run. */
export const VENV_PYTHON = PYTHON;

export const CREDENTIALS = { AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing-secret", AWS_REGION: "us-east-1" };

/** Installs moto, sqlglot and duckdb into .venv unless those exact versions are already there. Idempotent and fast when done. */
export function ensureMoto(): void {
    const installed = () => {
        try {
            return execFileSync(PYTHON, ["-c", "import moto.server, moto, sqlglot, duckdb; print(moto.__version__, sqlglot.__version__, duckdb.__version__)"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() === `${MOTO_VERSION} ${SQLGLOT_VERSION} ${DUCKDB_VERSION}`;
        } catch {
            return false;
        }
    };
    if (installed()) return;
    if (!fs.existsSync(PYTHON)) execFileSync("python3", ["-m", "venv", VENV], { stdio: "inherit" });
    execFileSync(PYTHON, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `moto[server]==${MOTO_VERSION}`, `sqlglot==${SQLGLOT_VERSION}`, `duckdb==${DUCKDB_VERSION}`], { stdio: "inherit" });
    if (!installed()) throw new Error(`moto ${MOTO_VERSION}, sqlglot ${SQLGLOT_VERSION} and duckdb ${DUCKDB_VERSION} did not install into ${VENV}`);
}

export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

export interface S3Server {
    readonly endpoint: string;
    readonly port: number;
    /** The moto process (for a synchronous kill when the test process exits). */
    readonly child: ChildProcess;
    stop(): Promise<void>;
}

/** Starts moto on 127.0.0.1 (on `port`, or a free one) and resolves once it answers HTTP. */
export async function startMoto(port?: number): Promise<S3Server> {
    ensureMoto();
    const p = port ?? (await freePort());
    // moto logs every request to stderr. A pipe would be drained only while this process's event loop runs, and
    // the specs block it with execFileSync(aws …): a sync that logs more than the pipe holds would then deadlock
    // moto (and the aws CLI waiting on it). A file never fills.
    const logFile = path.join(os.tmpdir(), `moto-${process.pid}-${p}.log`);
    const logFd = fs.openSync(logFile, "w");
    const child = spawn(PYTHON, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(p)], { stdio: ["ignore", "ignore", logFd] });
    fs.closeSync(logFd);
    const stderrTail = () => fs.readFileSync(logFile, "utf8").slice(-4000);
    child.once("exit", () => fs.rmSync(logFile, { force: true }));
    const endpoint = `http://127.0.0.1:${p}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${stderrTail()}`);
        try {
            const r = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
            await r.arrayBuffer();
            break;
        } catch {
            if (Date.now() > deadline) {
                child.kill("SIGKILL");
                throw new Error(`moto did not answer on ${endpoint} within 30 s: ${stderrTail()}`);
            }
            // The pace of polling for the condition (moto answers), not a wait for time: the deadline above is the bound.
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    return { endpoint, port: p, child, stop: () => stopChild(child) };
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
}

/** Debian's aws CLI (an independent S3 client), preferring /usr/bin/aws over any other on PATH. */
export const AWS_CLI = fs.existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws";

/** Runs the aws CLI against `endpoint`; returns parsed JSON output (or the raw text when not JSON). */
export function aws(endpoint: string, args: string[]): any {
    const out = execFileSync(AWS_CLI, ["--endpoint-url", endpoint, "--output", "json", ...args], {
        encoding: "utf8",
        env: { ...process.env, ...CREDENTIALS, AWS_DEFAULT_REGION: CREDENTIALS.AWS_REGION, AWS_PAGER: "" },
        maxBuffer: 256 * 1024 * 1024,
    });
    try {
        return out.trim() === "" ? undefined : JSON.parse(out);
    } catch {
        return out;
    }
}

/** Creates a versioned bucket, as the ArchiveBucket component does in AWS. */
export function createVersionedBucket(endpoint: string, bucket: string): void {
    aws(endpoint, ["s3api", "create-bucket", "--bucket", bucket]);
    aws(endpoint, ["s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled"]);
}
