/**
 * `npm run doctor` as an operator runs it, a child process per case, against moto's server (EC2, EFS, ECS and IAM
 * on one port): a healthy stack and one stack per way of breaking it, each judged by the doctor.
 *
 * moto 5.2.5 lacks iam:SimulatePrincipalPolicy (HTTP 500), so `archive-access` is skipped here and proven on
 * IAM's documented responses in checks.spec.ts; so is a mount target that is not `available` (moto's are at once).
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CREDENTIALS, freePort, S3Server, startMoto } from "../support/s3server";
import { Breakage, createLiveStack } from "./liveStack";

const ROOT = path.join(__dirname, "..", "..");

interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs tools/doctor/doctor.ts as `npm run doctor` does, with `stdin` piped in as `pulumi stack output --json` would be. */
function doctor(args: string[], stdin: string, env: NodeJS.ProcessEnv = { ...process.env, ...CREDENTIALS }): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/doctor/doctor.ts", ...args], { cwd: ROOT, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(stdin);
    });
}

/** The verdict per check id, from the text format: `ok  <id>: …` or `PROBLEM  <id>: … — fix: …`. */
function verdicts(run: Run): Map<string, { ok: boolean; line: string }> {
    const map = new Map<string, { ok: boolean; line: string }>();
    for (const line of run.stdout.trimEnd().split("\n")) {
        const m = /^(ok|PROBLEM) {2}([a-z-]+): /.exec(line);
        assert.ok(m, `not a check line: ${JSON.stringify(line)}\n${run.stderr}`);
        map.set(m[2]!, { ok: m[1] === "ok", line });
    }
    return map;
}

/** Runs at most `n` jobs at once; the doctor spends most of its time waiting on moto, which answers one at a time. */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
    let active = 0;
    const queue: (() => void)[] = [];
    return async (job) => {
        if (active >= n) await new Promise<void>((r) => queue.push(r));
        active++;
        try {
            return await job();
        } finally {
            active--;
            queue.shift()?.();
        }
    };
}

const problemsOf = (run: Run) => [...verdicts(run)].filter(([, v]) => !v.ok).map(([id]) => id);
const noStackTrace = (text: string) => assert.ok(!/^\s+at .+:\d+:\d+\)?$/m.test(text), `stack trace in:\n${text}`);

/**
 * Every check moto can answer; archive-access needs iam:SimulatePrincipalPolicy, which moto lacks. exec (issue 22)
 * answers from DescribeServices alone while the service has exec off, as these stacks do.
 */
const MOTO_CHECKS = ["mount-targets", "nfs-ingress", "nfs-egress", "vpc-dns", "posix-user", "efs-volumes", "stopped-tasks", "exec"];

describe("npm run doctor against a live stack (moto)", function () {
    this.timeout(60_000);
    let moto: S3Server;
    const stacks = new Map<string, Record<string, string>>();
    const BROKEN: Record<string, Breakage> = {
        "no-nfs-rule": { noNfsRule: true },
        "nfs-from-internet": { extraIngress: { port: 2049, cidr: "0.0.0.0/0" } },
        "ssh-from-tasks": { extraIngress: { port: 22 } },
        "no-nfs-egress": { noNfsEgress: true },
        "dns-hostnames-off": { dnsHostnames: false },
        "uid-mismatch": { accessPointUid: 1001 },
        "plain-nfs": { plainNfs: true },
        "subnet-without-mount-target": { subnetWithoutMountTarget: true },
        "mount-timeout": {
            stoppedReason:
                "ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: b'mount.nfs4: Connection timed out' : unsuccessful EFS utils command execution; code: 32",
        },
        "scaled-in": { stoppedReason: "Scaling activity initiated by (deployment ecs-svc/1234567890123456789)" },
    };
    // Every stack's doctor run starts in before(), a few at a time; each case awaits its own.
    const runs = new Map<string, Promise<Run>>();
    const run = (name: string, extra: string[] = []) => runs.get([name, ...extra].join(" "))!;

    before(async () => {
        moto = await startMoto();
        stacks.set("healthy", (await createLiveStack(moto.endpoint, "healthy")).outputs);
        for (const [name, broken] of Object.entries(BROKEN)) stacks.set(name, (await createLiveStack(moto.endpoint, name, broken)).outputs);
        const limit = limiter(3);
        for (const [name, extra] of [...[...stacks.keys()].map((n) => [n, []] as [string, string[]]), ["uid-mismatch", ["--format", "json"]] as [string, string[]]]) {
            runs.set([name, ...extra].join(" "), limit(() => doctor(["--stack", name, "--endpoint-url", moto.endpoint, "--skip", "archive-access", ...extra], JSON.stringify(stacks.get(name)))));
        }
        await Promise.all(runs.values());
    });
    after(async () => moto?.stop());

    it("passes a healthy stack: every check ok, exit 0", async () => {
        const r = await run("healthy");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.deepStrictEqual([...verdicts(r).keys()], MOTO_CHECKS);
        assert.deepStrictEqual(problemsOf(r), []);
        assert.match(r.stderr, /all ok in 8 checks of stack healthy; skipped archive-access/);
    });

    it("--format json prints one object {stack, checks: [{id, ok, detail, fix}]}", async () => {
        const r = await run("uid-mismatch", ["--format", "json"]);
        assert.strictEqual(r.code, 1, r.stderr);
        const report = JSON.parse(r.stdout) as { stack: string; checks: { id: string; ok: boolean; detail: string; fix: string }[] };
        assert.strictEqual(report.stack, "uid-mismatch");
        assert.deepStrictEqual(report.checks.map((c) => c.id), MOTO_CHECKS);
        for (const c of report.checks) assert.deepStrictEqual(Object.keys(c), ["id", "ok", "detail", "fix"]);
        const posix = report.checks.find((c) => c.id === "posix-user")!;
        assert.strictEqual(posix.ok, false);
        assert.match(posix.detail, /container app runs as 1000:1000, the access point enforces 1001:1000/);
        assert.match(posix.fix, /"user": "1001:1000"/);
    });

    // Each broken stack fails exactly the check that guards what was broken (exit 1), and says how to fix it.
    const cases: [string, string, RegExp, RegExp][] = [
        ["no-nfs-rule", "nfs-ingress", /no rule on fsmt-\w+'s security group\(s\) sg-\w+ admits TCP 2049 from the task security group sg-\w+/, /admit TCP 2049 from sg-\w+ and nothing else/],
        ["nfs-from-internet", "nfs-ingress", /admits tcp 2049 from 0\.0\.0\.0\/0 \(the whole internet\)/, /revoke-security-group-ingress/],
        ["ssh-from-tasks", "nfs-ingress", /admits tcp 22 from sg-\w+/, /nothing else/],
        ["no-nfs-egress", "nfs-egress", /lets no TCP 2049 out to fsmt-\w+ \(10\.0\.1\.\d+, sg-\w+\), fsmt-\w+/, /egress rule to sg-\w+: TCP 2049/],
        ["dns-hostnames-off", "vpc-dns", /has enableDnsHostnames off/, /modify-vpc-attribute --vpc-id vpc-\w+ --enable-dns-hostnames/],
        ["uid-mismatch", "posix-user", /runs as 1000:1000, the access point enforces 1001:1000/, /"user": "1001:1000"/],
        ["plain-nfs", "efs-volumes", /transitEncryption DISABLED; volume efs-app has IAM authorization DISABLED \(unset\); volume efs-app mounts through no access point/, /transitEncryption: ENABLED/],
        ["subnet-without-mount-target", "mount-targets", /tasks run in subnet-\w+ \(us-east-1c\) but fs-\w+ has no mount target in us-east-1c/, /create a mount target in us-east-1c/],
        ["mount-timeout", "stopped-tasks", /1 task\(s\) \([\w-]+\): the NFS connection \(TCP 2049\) to the mount target timed out/, /see nfs-ingress, nfs-egress/],
    ];
    for (const [stack, check, detail, fix] of cases) {
        it(`${stack}: ${check} is the one problem, with the fix`, async () => {
            const r = await run(stack);
            assert.strictEqual(r.code, 1, r.stdout + r.stderr);
            assert.deepStrictEqual(problemsOf(r), [check], r.stdout);
            const line = verdicts(r).get(check)!.line;
            const [what, how] = line.split(" — fix: ");
            assert.match(what!, detail);
            assert.match(how ?? "", fix);
        });
    }

    it("a routine stop (scale-in) is no problem", async () => {
        const r = await run("scaled-in");
        assert.strictEqual(r.code, 0, r.stdout + r.stderr);
        assert.match(verdicts(r).get("stopped-tasks")!.line, /^ok {2}stopped-tasks: 1 recently stopped task\(s\), none failed$/);
    });

    it("a check that cannot run is a problem, not a pass: archive-access without the IAM simulator", async () => {
        const r = await doctor(["--stack", "healthy", "--endpoint-url", moto.endpoint], JSON.stringify(stacks.get("healthy")));
        assert.strictEqual(r.code, 1, r.stdout + r.stderr);
        assert.deepStrictEqual(problemsOf(r), ["archive-access"]);
        assert.match(verdicts(r).get("archive-access")!.line, /^PROBLEM {2}archive-access: could not check: iam:SimulatePrincipalPolicy failed/);
    });

    it("reads the outputs from --outputs <file> as well as from stdin", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "doctor-")), "outputs.json");
        fs.writeFileSync(file, JSON.stringify(stacks.get("dns-hostnames-off")));
        const r = await doctor(["--stack", "dns-hostnames-off", "--outputs", file, "--endpoint-url", moto.endpoint, "--skip", "archive-access"], "");
        fs.rmSync(path.dirname(file), { recursive: true });
        assert.strictEqual(r.code, 1, r.stderr);
        assert.deepStrictEqual(problemsOf(r), ["vpc-dns"]);
    });

    describe("usage, outputs and credentials: exit 2 with a message, never a stack trace", () => {
        it("without credentials in the SDK's chain", async () => {
            const home = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-home-"));
            const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, AWS_REGION: "us-east-1", AWS_EC2_METADATA_DISABLED: "true", AWS_CONFIG_FILE: path.join(home, "none"), AWS_SHARED_CREDENTIALS_FILE: path.join(home, "none") };
            const r = await doctor(["--stack", "healthy", "--endpoint-url", moto.endpoint], JSON.stringify(stacks.get("healthy")), env);
            fs.rmSync(home, { recursive: true });
            assert.strictEqual(r.code, 2, r.stdout + r.stderr);
            assert.strictEqual(r.stdout, "");
            assert.match(r.stderr, /^doctor: no valid AWS credentials \(CredentialsProviderError: .*\); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
            noStackTrace(r.stderr);
        });

        it("when nothing answers at --endpoint-url", async () => {
            const port = await freePort();
            const r = await doctor(["--stack", "healthy", "--endpoint-url", `http://127.0.0.1:${port}`], JSON.stringify(stacks.get("healthy")));
            assert.strictEqual(r.code, 2, r.stdout + r.stderr);
            assert.match(r.stderr, new RegExp(`^doctor: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
            noStackTrace(r.stderr);
        });

        it("names each missing or malformed output", async () => {
            const { fileSystemId: _, ...rest } = stacks.get("healthy")!;
            const r = await doctor(["--stack", "healthy", "--endpoint-url", moto.endpoint], JSON.stringify({ ...rest, vpcId: "my-vpc" }));
            assert.strictEqual(r.code, 2);
            assert.match(r.stderr, /the stack outputs in stdin have 2 problems:\n {2}- fileSystemId: missing; .*\n {2}- vpcId: must be a VPC id \(vpc-…\); got "my-vpc"/);
            noStackTrace(r.stderr);
        });

        it("without --stack, or with nothing on stdin", async () => {
            const noStack = await doctor(["--endpoint-url", moto.endpoint], JSON.stringify(stacks.get("healthy")));
            assert.strictEqual(noStack.code, 2);
            assert.match(noStack.stderr, /^doctor: --stack is required/);
            const empty = await doctor(["--stack", "dev"], "");
            assert.strictEqual(empty.code, 2);
            assert.match(empty.stderr, /^doctor: no stack outputs on stdin: pipe in `pulumi stack output --json --stack dev`/);
        });

        it("--skip names only checks that exist", async () => {
            const r = await doctor(["--stack", "dev", "--skip", "dns"], "{}");
            assert.strictEqual(r.code, 2);
            assert.match(r.stderr, /--skip: no check named "dns"; the checks are mount-targets, nfs-ingress, nfs-egress, vpc-dns, posix-user, efs-volumes, archive-access, stopped-tasks/);
        });
    });

    it("--help documents every check and exits 0", async () => {
        const r = await doctor(["--help"], "");
        assert.strictEqual(r.code, 0);
        for (const id of ["mount-targets", "nfs-ingress", "nfs-egress", "vpc-dns", "posix-user", "efs-volumes", "archive-access", "stopped-tasks", "exec"]) {
            assert.match(r.stdout, new RegExp(`^ {2}${id} +\\S`, "m"), `--help does not document ${id}`);
        }
        assert.match(r.stdout, /iam:SimulatePrincipalPolicy/);
    });
});
