/**
 * `npm run plan` as a user runs it: a child process per case, real program under mocks, real policy pack.
 * Each full run starts the pack, so the cases share runs where they can.
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const FIXTURES = path.join("test", "fixtures");
const fixture = (name: string) => path.join(FIXTURES, name);

interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs the plan as `npm run plan` does (`node tools/preview/main.js`), with stdout a pipe (not a terminal). */
function plan(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve, reject) => {
        const childEnv = { ...process.env, ...env };
        delete childEnv.NO_COLOR;
        const child = spawn(process.execPath, ["tools/preview/main.js", ...args], { cwd: ROOT, env: childEnv });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}

interface PlanJson {
    stack: string;
    resources: { urn: string; type: string; name: string; parent: string | null }[];
    diagnostics: { policy: string; enforcementLevel: string; urn: string | null; message: string }[];
    cost: { monthlyUsd: number; lines: { item: string; service: string; quantity: number; unit: string; unitPriceUsd: number; usd: number }[] };
}

function json(run: Run): PlanJson {
    assert.ok(run.stdout.trim().startsWith("{"), `not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
    return JSON.parse(run.stdout) as PlanJson;
}

const serviceTotal = (plan: PlanJson, service: string) => plan.cost.lines.filter((l) => l.service === service).reduce((sum, l) => sum + l.usd, 0);
const noStackTrace = (text: string) => assert.ok(!/^\s+at .+:\d+:\d+\)?$/m.test(text), `stack trace in:\n${text}`);

describe("npm run plan", function () {
    this.timeout(120_000);

    describe("the shipped stacks", () => {
        let devText: Run;
        let prodJson: Run;
        before(async () => {
            // One after the other: two packs type-checking at once would only slow both on a small machine.
            devText = await plan([]);
            prodJson = await plan(["--stack", "prod", "--format", "json"]);
        });

        it("plans the dev stack by default and passes the policy pack", () => {
            assert.strictEqual(devText.code, 0, devText.stderr);
            assert.ok(devText.stdout.startsWith("# Plan for stack dev\n"), devText.stdout.slice(0, 200));
            assert.match(devText.stdout.trimEnd().split("\n").pop()!, /^PASS/);
        });

        it("writes no colour codes when stdout is not a terminal", () => {
            assert.ok(!devText.stdout.includes("\u001b["));
        });

        it("shows the resource tree with each resource under the component that parents it", () => {
            const lines = devText.stdout.split("\n");
            const efs = lines.findIndex((l) => l.includes("(aws:efs/fileSystem:FileSystem)"));
            assert.ok(efs > 0, "no EFS file system in the tree");
            const depth = (line: string) => line.length - line.trimStart().length;
            const parent = lines.slice(0, efs).reverse().find((l) => l.trim().startsWith("- ") && depth(l) < depth(lines[efs]!));
            assert.match(parent ?? "", /\(fargate-efs-s3:[a-z]+:SharedFileSystem\)/, "the file system's parent line");
        });

        // Literals from Pulumi.dev.yaml, priced over AWS's 730-hour month: one NAT gateway (natGateways: Single) for
        // 730 h; one task of 256 CPU units (0.25 vCPU) for 730 h = 182.5 vCPU-hours; 10 GB in S3 Standard.
        it("prices dev's one NAT gateway, one quarter-vCPU task and 10 GB of S3 Standard", () => {
            const row = (item: string) => devText.stdout.split("\n").find((l) => l.startsWith(`| ${item} `));
            const quantity = (item: string) => Number(row(item)?.split("|")[2]?.trim().replace(/,/g, ""));
            assert.strictEqual(quantity("NAT gateway hours"), 730);
            assert.strictEqual(quantity("Fargate vCPU"), 182.5);
            assert.strictEqual(quantity("S3 Standard storage"), 10);
            assert.match(devText.stdout, /^## Estimated monthly cost: \$\d+\.\d\d$/m);
        });

        it("prints prod as one JSON object with the contract's fields, and passes the policy pack", () => {
            assert.strictEqual(prodJson.code, 0, prodJson.stderr);
            const prod = json(prodJson);
            assert.deepStrictEqual(Object.keys(prod), ["stack", "resources", "diagnostics", "cost"]);
            assert.strictEqual(prod.stack, "prod");
            const urns = new Set(prod.resources.map((r) => r.urn));
            assert.strictEqual(prod.resources.filter((r) => r.parent === null).length, 1, "one root, the stack");
            for (const r of prod.resources) {
                assert.ok(r.parent === null || urns.has(r.parent), `${r.urn} has a parent that is not planned`);
                assert.ok(r.urn.endsWith(`::${r.name}`) && r.urn.includes(r.type), r.urn);
            }
            assert.ok(prod.diagnostics.every((d) => d.enforcementLevel !== "mandatory"));
            const sum = prod.cost.lines.reduce((s, l) => s + l.usd, 0);
            assert.ok(Math.abs(prod.cost.monthlyUsd - sum) < 0.005);
        });

        // Pulumi.prod.yaml: azCount 3, natGateways OnePerAz → three gateways × 730 h.
        it("prices prod with one NAT gateway per AZ: 3 gateways, 2190 hours a month", () => {
            const nat = json(prodJson).cost.lines.find((l) => l.item === "NAT gateway hours");
            assert.strictEqual(nat?.quantity, 2190);
        });
    });

    describe("the source article's cost examples", () => {
        let articlePrices: Run;
        let listPrices: Run;
        before(async () => {
            articlePrices = await plan(["--config", fixture("article-examples.yaml"), "--prices", fixture("article-prices.yaml"), "--format", "json"]);
            listPrices = await plan(["--config", fixture("article-examples.yaml"), "--format", "json"]);
        });

        it("100 GB of EFS at 100 MiB/s provisioned costs $35/month at the article's own prices", () => {
            const efs = serviceTotal(json(articlePrices), "EFS");
            assert.ok(Math.abs(efs - 35) < 0.01, `EFS: $${efs}`);
        });

        it("the same EFS costs $600/month at the list price of provisioned throughput ($6.00 per MiB/s-month)", () => {
            const plan = json(listPrices);
            const throughput = plan.cost.lines.find((l) => l.item === "EFS provisioned throughput");
            assert.deepStrictEqual([throughput?.quantity, throughput?.unitPriceUsd], [95, 6]);
            assert.ok(Math.abs(serviceTotal(plan, "EFS") - 600) < 0.01, `EFS: $${serviceTotal(plan, "EFS")}`);
        });

        it("100 GB of S3 with 1M PUT and 10M GET costs $11.30/month", () => {
            for (const run of [articlePrices, listPrices]) {
                // The article's example is the archive's storage and requests; the load balancer's access-log PUTs (issue 20) are not in it.
                const accessLogs = json(run).cost.lines.find((l) => l.item === "ALB access log PUT requests")?.usd ?? 0;
                const s3 = serviceTotal(json(run), "S3") - accessLogs;
                assert.ok(Math.abs(s3 - 11.3) < 0.01, `S3: $${s3}`);
            }
        });
    });

    describe("policy verdicts", () => {
        const lifecycleRule = "s3-bucket-lifecycle-glacier";
        const onBucket = (d: PlanJson["diagnostics"][number]) => d.policy === lifecycleRule && (d.urn ?? "").includes("aws:s3/bucket:Bucket::");

        it("passes (exit 0) with an advisory when the config moves the archive to Glacier later than the pack advises", async () => {
            const run = await plan(["--config", fixture("late-glacier.yaml"), "--format", "json"]);
            assert.strictEqual(run.code, 0, run.stderr);
            const found = json(run).diagnostics.filter(onBucket);
            assert.deepStrictEqual(found.map((d) => d.enforcementLevel), ["advisory"]);
        });

        it("fails (exit 1) when a policy config makes that advisory rule mandatory, and says why", async () => {
            const run = await plan(["--config", fixture("late-glacier.yaml"), "--policy-pack-config", fixture("lifecycle-mandatory.policy.json")]);
            assert.strictEqual(run.code, 1, run.stderr);
            const mandatory = run.stdout.slice(run.stdout.indexOf("### mandatory (1)"), run.stdout.indexOf("### advisory"));
            assert.match(mandatory, new RegExp(`^- ${lifecycleRule} on [\\w-]+ \\(aws:s3/bucket:Bucket\\): .+`, "m"));
            assert.match(run.stdout.trimEnd().split("\n").pop()!, /^FAIL: 1 mandatory policy violation/);
        });

        it("fails the shipped dev stack (exit 1) under a policy config that raises the rule and tightens its limit", async () => {
            const run = await plan(["--policy-pack-config", fixture("strict-archive.policy.json"), "--format", "json"]);
            assert.strictEqual(run.code, 1, run.stderr);
            // Both buckets move objects to GLACIER after 90 days: the archive and (issue 20) the load balancer's access logs.
            assert.deepStrictEqual(
                json(run).diagnostics.filter(onBucket).map((d) => [(d.urn ?? "").split("::").pop(), d.enforcementLevel]).sort(),
                [["app-access-logs", "mandatory"], ["archive-bucket", "mandatory"]],
            );
        });
    });

    describe("invalid input exits 2 with a message naming what is wrong, and no stack trace", () => {
        const cases: [string, string[], string[]][] = [
            ["a stack without a Pulumi.<name>.yaml", ["--stack", "nosuch"], ["--stack", "nosuch", "dev", "prod"]],
            ["an unknown flag", ["--stak", "dev"], ["--stak"]],
            ["a flag without its value", ["--stack"], ["--stack"]],
            ["an unknown output format", ["--format", "yaml"], ["--format", "text, json"]],
            ["a config file that does not exist", ["--config", fixture("nope.yaml")], ["--config", "nope.yaml"]],
            ["a price override with an unknown key and a negative price", ["--prices", fixture("bad-prices.yaml")], ["efsThroughput", "natGatewayHours"]],
            ["a policy config that is not JSON", ["--policy-pack-config", fixture("article-prices.yaml")], ["--policy-pack-config"]],
            ["a stack file that is not YAML", ["--config", fixture("broken-yaml.yaml")], ["--config", "broken-yaml.yaml", "line 4"]],
            [
                "a stack config with four bad keys, all named at once",
                ["--config", fixture("broken-config.yaml")],
                [
                    "fargate-efs-s3:azCount",
                    "fargate-efs-s3:natGateways",
                    "Single, OnePerAz",
                    "fargate-efs-s3:desiredCuont",
                    "fargate-efs-s3:desiredCount",
                    "fargate-efs-s3:usage.efsInfrequentAccessPercent",
                    "0 to 100",
                ],
            ],
            ["a policy config naming a policy the pack does not have", ["--policy-pack-config", fixture("unknown-policy.policy.json")], ["efs-no-such-rule"]],
        ];
        for (const [what, args, named] of cases) {
            it(`${what}: ${args.join(" ")}`, async () => {
                const run = await plan(args);
                assert.strictEqual(run.code, 2, `exit ${run.code}\n${run.stderr}`);
                for (const text of named) assert.ok(run.stderr.includes(text), `"${text}" not in:\n${run.stderr}`);
                assert.strictEqual(run.stdout, "");
                noStackTrace(run.stderr);
            });
        }
    });
});
