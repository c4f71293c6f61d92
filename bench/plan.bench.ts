/**
 * `npm run bench -- plan`: the whole `npm run plan` process (start, the program under mocks, the policy pack, the
 * cost estimate, the output) against its peer, `cdk synth` of the equivalent CDK app (bench/cdk-peer: VPC over
 * 2 AZs with one NAT, EFS with an access point, a versioned S3 bucket with a Glacier lifecycle, and an
 * ApplicationLoadBalancedFargateService mounting the file system; plain precompiled JavaScript), in the same run.
 *
 * The peer installs itself on first use (`npm ci` in bench/cdk-peer, from its own lock file; not part of the
 * repository's `npm ci`). `cdk synth` runs as the CDK CLI runs it (aws-cdk's `cdk synth`, which executes
 * `node app.js` with CDK_OUTDIR set and prints the template), with CDK's defaults — its built-in template
 * validation on — and once more with CDK_VALIDATION=false. The CLI's version check, notices and telemetry are
 * switched off: they are network calls, not synthesis.
 *
 * Runs are paired and alternate (plan dev, synth, synth without validation, plan prod, …) so that the load of a
 * shared machine falls on all of them alike; each figure is a median over RUNS. Per command it prints
 * `{ "bench": "plan", "command", "wallMs", "cpuMs", "peakRssMiB", ... }` (CPU is user+sys of the process and every
 * child it waited for, from GNU time, and steadier than wall time under load; peak RSS is that of the largest
 * single process), then `{ "bench": "plan-vs-cdk-synth", "ratio", ... }`: the plan's median wall time over the
 * synth's, which the plan keeps at or under 1/3.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const ROOT = path.join(__dirname, "..");
const PEER = path.join(__dirname, "cdk-peer");
const GNU_TIME = "/usr/bin/time";

interface Command {
    name: string;
    argv: string[];
    cwd: string;
    env: NodeJS.ProcessEnv;
    /** Throws when the run did not do its job. */
    check(stdout: string, status: number | null): void;
}

interface Sample {
    wallMs: number;
    /** For the plan: ms after its start at which the program was recorded and the pack was ready (PLAN_TIMINGS). */
    recordedMs?: number;
    packReadyMs?: number;
    cpuMs?: number;
    peakRssMiB?: number;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** `npm run plan` as package.json defines it, without npm's own start-up: `node <script> ...` or a local bin run by node. */
function planArgv(stack: string): string[] {
    const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.plan!;
    const [bin, ...rest] = script.split(/\s+/);
    const entry = bin === "node" ? [] : [fs.realpathSync(path.join(ROOT, "node_modules", ".bin", bin!))];
    return [process.execPath, ...entry, ...rest, "--stack", stack, "--format", "json"];
}

function ensurePeerInstalled(): void {
    if (fs.existsSync(path.join(PEER, "node_modules", "aws-cdk-lib", "package.json")) && fs.existsSync(path.join(PEER, "node_modules", "aws-cdk", "bin", "cdk"))) {
        return;
    }
    console.error("bench plan: installing the CDK peer into bench/cdk-peer/node_modules (first use) …");
    const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: PEER, stdio: ["ignore", 2, 2] });
    if (npm.status !== 0) {
        throw new Error(`npm ci in bench/cdk-peer failed (${npm.status ?? npm.signal})`);
    }
}

function run(cmd: Command): Sample {
    const timed = fs.existsSync(GNU_TIME);
    const marker = "@@bench-time ";
    const argv = timed ? [GNU_TIME, "-f", `${marker}%e %U %S %M`, ...cmd.argv] : cmd.argv;
    const started = process.hrtime.bigint();
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: cmd.cwd, env: cmd.env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const stderr = r.stderr ?? "";
    const line = stderr.split("\n").find((l) => l.startsWith(marker));
    cmd.check(r.stdout ?? "", r.status);
    const timingLine = stderr.split("\n").find((l) => l.startsWith('{"timings"'));
    const timings = timingLine === undefined ? {} : (JSON.parse(timingLine) as { timings: Record<string, number> }).timings;
    const steps = { recordedMs: timings.recorded, packReadyMs: timings.packReady };
    if (line === undefined) {
        if (timed) throw new Error(`${cmd.name}: no timing line from ${GNU_TIME}:\n${stderr}`);
        return { wallMs, ...steps };
    }
    const [, user, sys, maxRssKiB] = line.slice(marker.length).trim().split(" ").map(Number);
    return { wallMs, cpuMs: (user! + sys!) * 1000, peakRssMiB: maxRssKiB! / 1024, ...steps };
}

function planCommand(stack: string): Command {
    return {
        name: `npm run plan -- --stack ${stack}`,
        argv: planArgv(stack),
        cwd: ROOT,
        env: { ...process.env, NO_COLOR: "1", PLAN_TIMINGS: "1" },
        check(stdout, status) {
            // 0 clean or advisory only, 1 a mandatory violation: both are finished plans.
            if (status !== 0 && status !== 1) throw new Error(`plan --stack ${stack} exited ${status}`);
            const plan = JSON.parse(stdout) as { resources: unknown[]; policyPack?: unknown; cost: { monthlyUsd: number } };
            if (plan.resources.length === 0 || typeof plan.cost.monthlyUsd !== "number") throw new Error(`plan --stack ${stack}: incomplete output`);
        },
    };
}

function synthCommand(validation: boolean, outDir: string): Command {
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_VERSION_CHECK: "true", CDK_DISABLE_CLI_TELEMETRY: "true", NO_COLOR: "1" };
    if (!validation) env.CDK_VALIDATION = "false";
    return {
        name: validation ? "cdk synth" : "cdk synth (CDK_VALIDATION=false)",
        argv: [process.execPath, path.join(PEER, "node_modules", "aws-cdk", "bin", "cdk"), "synth", "--no-notices", "--output", outDir],
        cwd: PEER,
        env,
        check(stdout, status) {
            if (status !== 0) throw new Error(`cdk synth exited ${status}`);
            const resources = (stdout.match(/^ {4}Type: AWS::/gm) ?? []).length;
            if (resources < 40) throw new Error(`cdk synth printed ${resources} resources:\n${stdout.slice(0, 2000)}`);
        },
    };
}

function main(): void {
    ensurePeerInstalled();
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "cdk-peer-out-"));
    try {
        const commands = [planCommand("dev"), synthCommand(true, outDir), synthCommand(false, outDir), planCommand("prod")];
        // One unmeasured round: fills the transpile cache and the OS file cache for every command alike.
        for (const c of commands) run(c);
        const samples = new Map<string, Sample[]>(commands.map((c) => [c.name, []]));
        for (let i = 0; i < RUNS; i++) {
            for (const c of commands) samples.get(c.name)!.push(run(c));
        }
        const summary = new Map<string, { wallMs: number; cpuMs: number | null; peakRssMiB: number | null }>();
        for (const c of commands) {
            const s = samples.get(c.name)!;
            const figures = {
                wallMs: Math.round(median(s.map((x) => x.wallMs))),
                cpuMs: s[0]!.cpuMs === undefined ? null : Math.round(median(s.map((x) => x.cpuMs!))),
                peakRssMiB: s[0]!.peakRssMiB === undefined ? null : Math.round(median(s.map((x) => x.peakRssMiB!))),
            };
            summary.set(c.name, figures);
            const step = (k: "recordedMs" | "packReadyMs") => (s.every((x) => x[k] !== undefined) ? { [k]: Math.round(median(s.map((x) => x[k]!))) } : {});
            console.log(
                JSON.stringify({
                    bench: "plan",
                    command: c.name,
                    ...figures,
                    minWallMs: Math.round(Math.min(...s.map((x) => x.wallMs))),
                    maxWallMs: Math.round(Math.max(...s.map((x) => x.wallMs))),
                    ...step("recordedMs"),
                    ...step("packReadyMs"),
                    runs: RUNS,
                }),
            );
        }
        const plan = summary.get("npm run plan -- --stack dev")!;
        const synth = summary.get("cdk synth")!;
        const synthNoValidation = summary.get("cdk synth (CDK_VALIDATION=false)")!;
        console.log(
            JSON.stringify({
                bench: "plan-vs-cdk-synth",
                stack: "dev",
                planWallMs: plan.wallMs,
                synthWallMs: synth.wallMs,
                ratio: Number((plan.wallMs / synth.wallMs).toFixed(3)),
                cpuRatio: plan.cpuMs !== null && synth.cpuMs !== null ? Number((plan.cpuMs / synth.cpuMs).toFixed(3)) : null,
                ratioWithoutValidation: Number((plan.wallMs / synthNoValidation.wallMs).toFixed(3)),
                goal: "ratio <= 0.333",
            }),
        );
    } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
    }
}

main();
