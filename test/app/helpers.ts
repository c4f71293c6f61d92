/** Runs the built app (app/dist/main.js) as a child process, as the container would, and talks to it. */
import { ChildProcess, spawn } from "child_process";
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { CREDENTIALS, freePort, REPO_ROOT, S3Server, startMoto, stopChild } from "../support/s3server";
import { withQueues } from "../support/sqsQueues";

export const MAIN = path.join(REPO_ROOT, "app", "dist", "main.js");

export interface AppProcess {
    readonly child: ChildProcess;
    readonly url: string;
    readonly lines: () => any[];
    stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Every S3 request of every app process started here, one JSON line each as IAM authorizes it (one file per mocha
 * run): test/iam/taskRole.spec.ts proves each allowed by the policies the program renders.
 */
export const S3_CALL_LOG = path.join(REPO_ROOT, ".test-tmp", `s3-calls-${process.pid}.jsonl`);
export const S3_CALL_RECORDER = path.join(REPO_ROOT, "test", "support", "s3CallRecorder.js");

function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
    const { PATH, HOME } = process.env;
    fs.mkdirSync(path.dirname(S3_CALL_LOG), { recursive: true });
    return { PATH, HOME, ...CREDENTIALS, NODE_NO_WARNINGS: "1", S3_CALL_LOG, NODE_OPTIONS: `--require ${S3_CALL_RECORDER}`, ...env };
}

function collect(child: ChildProcess, onLine?: (line: any) => void): { lines: any[]; stderr: () => string } {
    const lines: any[] = [];
    let buf = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
        buf += d.toString();
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            try {
                lines.push(JSON.parse(line));
            } catch {
                lines.push({ raw: line });
            }
            onLine?.(lines[lines.length - 1]);
        }
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    return { lines, stderr: () => stderr };
}

/**
 * `serve` (or `work`) on a free loopback port; resolves once it logs "serving" (or "working"). The third argument is
 * either a cgroup's `cgroup.procs` to start the app in from its first instruction (the shell moves itself, then becomes
 * node under the same pid), or `onLine`, which sees every line of stdout as it arrives, from the first (a spec that
 * must act on a line at once, such as a kill).
 */
export async function startApp(env: Record<string, string>, command: "serve" | "work" = "serve", extra?: string | ((line: any, child: ChildProcess) => void), main = MAIN): Promise<AppProcess> {
    const cgroupProcs = typeof extra === "string" ? extra : undefined;
    const onLine = typeof extra === "function" ? extra : undefined;
    const port = await freePort();
    const started = command === "serve" ? "serving" : "working";
    const argv = cgroupProcs === undefined ? [process.execPath, main, command] : ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', cgroupProcs, process.execPath, main, command];
    const child = spawn(argv[0], argv.slice(1), { env: baseEnv({ HOST: "127.0.0.1", PORT: String(port), ...(await withQueues(env)) }), stdio: ["ignore", "pipe", "pipe"] });
    const { lines, stderr } = collect(child, onLine && ((l) => onLine(l, child)));
    const deadline = Date.now() + 20_000;
    while (!lines.some((l) => l.msg === started)) {
        if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}: ${stderr()}`);
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`app did not start: ${stderr()}`);
        }
        await sleep(50);
    }
    return { child, url: `http://127.0.0.1:${port}`, lines: () => lines, stop: (signal) => stopChild(child, signal) };
}

/** Runs a command of the app to completion. */
export async function runApp(args: string[], env: Record<string, string>, timeoutMs = 120_000, onLine?: (line: any, child: ChildProcess) => void): Promise<{ code: number | null; lines: any[]; stderr: string }> {
    const child = spawn(process.execPath, [MAIN, ...args], { env: baseEnv(await withQueues(env)), stdio: ["ignore", "pipe", "pipe"] });
    const { lines, stderr } = collect(child, onLine && ((l) => onLine(l, child)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    clearTimeout(timer);
    await sleep(20);
    return { code, lines, stderr: stderr() };
}

export function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

const created: string[] = [];

/** A fresh directory under .test-tmp/ (gitignored) standing in for the EFS mount. */
export function tempDataDir(): string {
    const base = path.join(REPO_ROOT, ".test-tmp");
    fs.mkdirSync(base, { recursive: true });
    const dir = fs.mkdtempSync(path.join(base, "efs-"));
    created.push(dir);
    return dir;
}

/** Removes every directory tempDataDir() created in this process. */
export function removeTempDataDirs(): void {
    for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Every regular file under `dir`, relative to it. */
export function filesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(d, { withFileTypes: true });
        } catch (e) {
            // A directory the app removes while this walks it (a refused upload's temporary directory) has no files.
            if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
            throw e;
        }
        for (const e of entries) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else out.push(path.relative(dir, p));
        }
    };
    walk(dir);
    return out;
}

export function sha256(data: Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

/** A PDF as far as content sniffing goes: the magic header followed by random bytes. */
export function pdf(size: number): Buffer {
    const b = randomBytes(size);
    Buffer.from("%PDF-1.7\n").copy(b);
    return b;
}

export interface UploadResult {
    status: number;
    body: any;
    headers: Headers;
}

export async function upload(url: string, name: string, data: Buffer, field = "file", type = "application/octet-stream"): Promise<UploadResult> {
    const form = new FormData();
    form.append(field, new Blob([data], { type }), name);
    const r = await fetch(`${url}/uploads`, { method: "POST", body: form });
    const text = await r.text();
    let body: any = text;
    try {
        body = JSON.parse(text);
    } catch {
        // not JSON
    }
    return { status: r.status, body, headers: r.headers };
}

/** Polls until `check` returns a value or the time runs out. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, everyMs = 200): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await check();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(everyMs);
    }
}


/**
 * The suite's moto server and the app processes it starts: moto starts before the suite; after it, every app
 * process is killed, moto stops and the temporary data directories go.
 */
export function motoSuite(): { readonly s3: S3Server; readonly apps: AppProcess[] } {
    let s3: S3Server | undefined;
    const apps: AppProcess[] = [];
    before(async () => {
        s3 = await startMoto();
    });
    after(async () => {
        for (const a of apps) await a.stop("SIGKILL");
        await s3?.stop();
        removeTempDataDirs();
    });
    return {
        get s3(): S3Server {
            if (!s3) throw new Error("moto is not started yet: use suite.s3 inside a hook or a spec");
            return s3;
        },
        apps,
    };
}

const subdirs = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).map((e) => path.join(dir, e)) : []);

/**
 * The item directories a task (or every task) holds claimed, in the layout app/src/store/store.ts documents:
 * uploads/claims/<task>/<shard>/<id>/, and uploads/processing/<task>/<id>/ from the version before the shards.
 */
export function claimedItemDirs(dataDir: string, task?: string): string[] {
    const tasks = (root: string) => (task === undefined ? subdirs(root) : [path.join(root, task)].filter((d) => fs.existsSync(d)));
    const sharded = tasks(path.join(dataDir, "uploads", "claims")).flatMap(subdirs).flatMap(subdirs);
    const legacy = tasks(path.join(dataDir, "uploads", "processing")).flatMap(subdirs);
    return [...sharded, ...legacy];
}
