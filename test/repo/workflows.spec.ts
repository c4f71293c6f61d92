/**
 * The deploy workflows give the policy pack the chance to stop `pulumi up` before anything changes, and work on a new
 * stack as on an existing one (ARCHITECTURE.md: "CI runs a preview with the pack before `up` … never a bare
 * `up --skip-preview` — and the workflow must complete on a brand-new stack as well as an existing one").
 * What the CLI does, read in pulumi/pulumi (1b5949891b3c): `pulumi up` without --skip-preview runs its own preview first
 * and returns before the update when that preview fails (pkg/backend/apply.go:291-303, PreviewThenPromptThenExecute);
 * a mandatory policy diagnostic fails the preview (pkg/resource/deploy/analyze_snapshot.go:78-82 sets sawError in a
 * dry run too; deployment_executor.go:422-435 ends the deployment with "step generator errored"). So the gate is
 * `pulumi up --policy-pack policies` itself. `pulumi/actions` with `command: up` runs the Automation API's
 * `stack.up()`, which is `pulumi up --yes --skip-preview`: no preview to stop it. A saved plan (`up --plan`) is refused
 * here: this program registers resources inside an apply (awsx's ecr.Image), which no preview registers, so the plan
 * forbids them on a new stack ("create is not allowed by the plan") and whenever their inputs differ from the preview's.
 * Update plans: https://www.pulumi.com/docs/iac/concepts/update-plans/
 * A new stack: without a terminal, `pulumi up --stack <s>` refuses a stack the backend does not have ("no stack named
 * '<s>' found", pkg/cmd/pulumi/stack/io.go RequireStack offers to create one only when interactive), so each job creates
 * it first (`pulumi stack select --create`, stack_select.go; pulumi/actions' `upsert: true`).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const WORKFLOWS = path.join(__dirname, "..", "..", ".github", "workflows");
const PACK = "policies";

/** One Pulumi operation a step performs, with the flags that matter here. */
interface PulumiOp {
    readonly step: string;
    readonly command: string;
    readonly stack?: string;
    readonly policyPacks: readonly string[];
    readonly skipPreview: boolean;
    /** `--save-plan` of a preview. */
    readonly savePlan?: string;
    /** `--plan` of an up. */
    readonly plan?: string;
    /** Creates the stack when the backend does not have it: `stack select --create`, or pulumi/actions' `upsert: true`. */
    readonly createsStack: boolean;
}

interface Step {
    readonly name?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
}

/** The values of a flag, given as `--flag value` or `--flag=value` (and `-s` for `--stack`). */
function flagValues(tokens: readonly string[], names: readonly string[]): string[] {
    const values: string[] = [];
    tokens.forEach((token, i) => {
        for (const name of names) {
            if (token === name && i + 1 < tokens.length) values.push(tokens[i + 1]);
            else if (token.startsWith(`${name}=`)) values.push(token.slice(name.length + 1));
        }
    });
    return values;
}

/** The `pulumi <command>` invocations of a `run:` script (line continuations joined, one per shell command). */
function opsOfRun(step: string, script: string): PulumiOp[] {
    return script
        .replace(/\\\n/g, " ")
        .split(/\n|&&|\|\||;/)
        .map((command) => command.trim().split(/\s+/))
        .filter((tokens) => tokens[0] === "pulumi" && tokens.length > 1)
        .map((tokens) => {
            const command = tokens[1] === "update" ? "up" : tokens[1];
            const stackSelect = command === "stack" && tokens[2] === "select";
            return {
                step,
                command,
                stack: flagValues(tokens, ["--stack", "-s"])[0] ?? (stackSelect ? tokens.slice(3).find((t) => !t.startsWith("-")) : undefined),
                policyPacks: flagValues(tokens, ["--policy-pack"]),
                skipPreview: tokens.includes("--skip-preview") || tokens.includes("-f"),
                savePlan: flagValues(tokens, ["--save-plan"])[0],
                plan: command === "up" ? flagValues(tokens, ["--plan"])[0] : undefined,
                createsStack: stackSelect && (tokens.includes("--create") || tokens.includes("-c")),
            };
        });
}

/** What `pulumi/actions` runs for `command:` — its `up` is the Automation API's `up`, i.e. `--skip-preview`. */
function opsOfAction(step: string, inputs: Record<string, unknown>): PulumiOp[] {
    const raw = inputs.command;
    if (typeof raw !== "string") return []; // no command: the action only installs the CLI
    const command = raw === "update" ? "up" : raw;
    const plan = typeof inputs.plan === "string" ? inputs.plan : undefined;
    return [
        {
            step,
            command,
            stack: typeof inputs["stack-name"] === "string" ? inputs["stack-name"] : undefined,
            policyPacks: String(inputs.policyPacks ?? "").split(/[\n;]/).map((p) => p.trim()).filter(Boolean),
            skipPreview: command === "up",
            savePlan: command === "preview" ? plan : undefined,
            plan: command === "up" ? plan : undefined,
            createsStack: inputs.upsert === true || inputs.upsert === "true",
        },
    ];
}

function opsOf(step: Step, index: number): PulumiOp[] {
    const label = step.name ?? step.uses ?? `step ${index + 1}`;
    if (step.uses?.startsWith("pulumi/actions")) return opsOfAction(label, step.with ?? {});
    if (typeof step.run === "string") return opsOfRun(label, step.run);
    return [];
}

/** Every way a workflow lets `pulumi up` change resources before the pack could stop it, or fail on a new stack; empty when safe. */
export function deployProblems(workflowText: string): string[] {
    const workflow = YAML.parse(workflowText) ?? {};
    const problems: string[] = [];
    for (const [jobName, job] of Object.entries<any>(workflow.jobs ?? {})) {
        const ops = ((job.steps ?? []) as Step[]).flatMap(opsOf);
        const created = new Set<string>();
        for (const op of ops) {
            if (op.command === "stack" && op.createsStack && op.stack) created.add(op.stack);
            if (op.command !== "up" && op.command !== "preview") continue;
            const where = `job ${jobName}, step "${op.step}"`;
            // Without a terminal, `pulumi up`/`preview --stack <s>` refuse a stack the backend does not have ("no stack named
            // '<s>' found", pkg/cmd/pulumi/stack/io.go RequireStack): a new repository's first run must create it.
            if (!op.createsStack && !(op.stack !== undefined && created.has(op.stack))) {
                problems.push(`${where}: pulumi ${op.command} --stack ${op.stack ?? "(none)"} fails on a stack the backend does not have yet; create it first (pulumi stack select --create --stack ${op.stack ?? "<stack>"}, or pulumi/actions upsert: true)`);
            }
            if (op.command !== "up") continue;
            if (!op.policyPacks.includes(PACK)) {
                problems.push(`${where}: pulumi up runs without --policy-pack ${PACK}`);
            }
            if (op.skipPreview) {
                problems.push(`${where}: pulumi up skips its own preview (--skip-preview, or pulumi/actions command: up), so no mandatory violation can stop it before resources change`);
            }
            if (op.plan !== undefined) {
                problems.push(`${where}: pulumi up follows a saved plan (--plan ${op.plan}), which forbids what a preview could not register (awsx's ecr.Image, inside an apply): a new stack stops half-way`);
            }
        }
    }
    return problems;
}

describe("deploy workflows: the policy pack can stop `pulumi up` before anything changes", () => {
    const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

    it("up.yml runs `pulumi up` (the check below has something to check)", () => {
        const ups = Object.values<any>(YAML.parse(fs.readFileSync(path.join(WORKFLOWS, "up.yml"), "utf8")).jobs).flatMap((job) =>
            (job.steps as Step[]).flatMap(opsOf).filter((op) => op.command === "up"),
        );
        assert.deepEqual(ups.map((op) => op.stack).sort(), ["dev", "prod"]);
    });

    for (const file of files) {
        it(`${file}: every pulumi up runs with --policy-pack ${PACK}, previews itself (no --skip-preview), follows no saved plan, and creates its stack on the first run`, () => {
            assert.deepEqual(deployProblems(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")), []);
        });
    }

    describe("the check refuses the shapes that deploy before the pack can stop them, or that fail on a new stack", () => {
        const job = (steps: object[]) => YAML.stringify({ jobs: { deploy: { "runs-on": "ubuntu-latest", steps } } });
        const action = (command: string, extra: object = {}) => ({ uses: "pulumi/actions@v6", with: { command, "stack-name": "dev", policyPacks: PACK, ...extra } });

        it("accepts pulumi up --policy-pack policies after stack select --create: its own preview runs the pack before any step", () => {
            assert.deepEqual(deployProblems(job([{ run: "pulumi stack select --create --stack dev" }, { run: "pulumi up --stack dev --policy-pack policies --yes --non-interactive" }])), []);
        });

        it("an up or a preview of a stack that nothing creates first fails on a new stack (no stack named 'dev' found)", () => {
            const up = { run: "pulumi up --stack dev --policy-pack policies --yes --non-interactive" };
            assert.deepEqual(deployProblems(job([up])), [
                'job deploy, step "step 1": pulumi up --stack dev fails on a stack the backend does not have yet; create it first (pulumi stack select --create --stack dev, or pulumi/actions upsert: true)',
            ]);
            assert.equal(deployProblems(job([{ run: "pulumi stack select --stack dev" }, up])).length, 1, "select without --create fails the same way");
            assert.equal(deployProblems(job([{ run: "pulumi stack select -c prod" }, up])).length, 1, "another stack's create does not count");
            assert.deepEqual(deployProblems(job([{ run: "pulumi stack select -c dev" }, up])), [], "(control) the short form and the positional name");
            assert.match(deployProblems(job([action("preview")])).join("\n"), /pulumi preview --stack dev fails on a stack the backend does not have yet/);
            assert.deepEqual(deployProblems(job([action("preview", { upsert: true })])), [], "(control) pulumi/actions upsert: true creates it");
        });

        it("pulumi/actions `command: up` (pulumi up --yes --skip-preview), as this workflow once was, even after a preview", () => {
            for (const steps of [[action("up", { upsert: true })], [action("preview", { upsert: true }), action("up", { upsert: true })]]) {
                assert.deepEqual(deployProblems(job(steps)), [
                    'job deploy, step "pulumi/actions@v6": pulumi up skips its own preview (--skip-preview, or pulumi/actions command: up), so no mandatory violation can stop it before resources change',
                ]);
            }
        });

        it("preview --save-plan then up --plan, as this workflow was until it failed on a new stack", () => {
            const problems = deployProblems(
                job([{ run: "pulumi stack select --create --stack dev" }, { run: "pulumi preview --stack dev --policy-pack policies --save-plan plan.json" }, { run: "pulumi up --stack dev --plan plan.json --policy-pack policies --yes" }]),
            );
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /follows a saved plan \(--plan plan\.json\).*new stack stops half-way/);
            assert.equal(deployProblems(job([action("preview", { plan: "plan.json", upsert: true }), action("up", { plan: "plan.json", upsert: true })])).length, 2, "pulumi/actions with plan: skips the preview and follows the plan");
        });

        it("an up without the pack, even after a preview with it", () => {
            const problems = deployProblems(job([{ run: "pulumi stack select --create --stack dev" }, { run: "pulumi preview --stack dev --policy-pack policies" }, { run: "pulumi up --stack dev --yes" }]));
            assert.deepEqual(problems, ['job deploy, step "step 3": pulumi up runs without --policy-pack policies']);
        });

        it("up -f / --skip-preview, however written", () => {
            for (const flag of ["--skip-preview", "-f"]) {
                const problems = deployProblems(job([{ run: "pulumi stack select --create --stack dev" }, { run: `pulumi update --stack dev --policy-pack=policies ${flag} --yes` }]));
                assert.match(problems.join("\n"), /skips its own preview/, flag);
            }
        });
    });
});
