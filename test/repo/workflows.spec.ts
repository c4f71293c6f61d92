/**
 * The deploy workflows give the policy pack the chance to stop `pulumi up` before anything changes
 * (ARCHITECTURE.md: "CI runs a preview with the pack before `up` (or `up` follows a saved plan), never a bare
 * `up --skip-preview`"). `pulumi/actions` with `command: up` runs the Automation API's `stack.up()`, which is
 * `pulumi up --yes --skip-preview`: the pack then sees each resource only as it is created.
 * Update plans: https://www.pulumi.com/docs/iac/concepts/update-plans/
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
            return {
                step,
                command,
                stack: flagValues(tokens, ["--stack", "-s"])[0],
                policyPacks: flagValues(tokens, ["--policy-pack"]),
                skipPreview: tokens.includes("--skip-preview") || tokens.includes("-f"),
                savePlan: flagValues(tokens, ["--save-plan"])[0],
                plan: command === "up" ? flagValues(tokens, ["--plan"])[0] : undefined,
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
        },
    ];
}

function opsOf(step: Step, index: number): PulumiOp[] {
    const label = step.name ?? step.uses ?? `step ${index + 1}`;
    if (step.uses?.startsWith("pulumi/actions")) return opsOfAction(label, step.with ?? {});
    if (typeof step.run === "string") return opsOfRun(label, step.run);
    return [];
}

/** Every way a workflow lets `pulumi up` change resources before the pack could stop it; empty when safe. */
export function deployProblems(workflowText: string): string[] {
    const workflow = YAML.parse(workflowText) ?? {};
    const problems: string[] = [];
    for (const [jobName, job] of Object.entries<any>(workflow.jobs ?? {})) {
        const ops = ((job.steps ?? []) as Step[]).flatMap(opsOf);
        ops.forEach((op, i) => {
            if (op.command !== "up") return;
            const where = `job ${jobName}, step "${op.step}"`;
            if (!op.policyPacks.includes(PACK)) {
                problems.push(`${where}: pulumi up runs without --policy-pack ${PACK}`);
            }
            const previews = ops.slice(0, i).filter((p) => p.command === "preview" && p.policyPacks.includes(PACK) && p.stack === op.stack);
            if (previews.length === 0) {
                problems.push(`${where}: no earlier step of the same job previews stack ${op.stack ?? "(default)"} with --policy-pack ${PACK}`);
            }
            if (op.skipPreview && !(op.plan && previews.some((p) => p.savePlan === op.plan))) {
                problems.push(`${where}: pulumi up --skip-preview without a plan that an earlier preview with the pack saved (--plan)`);
            }
        });
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
        it(`${file}: every job that runs up previews the same stack with --policy-pack ${PACK} first, and up follows its saved plan or previews itself`, () => {
            assert.deepEqual(deployProblems(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")), []);
        });
    }

    describe("the check refuses the shapes that deploy before the pack can stop them", () => {
        const job = (steps: object[]) => YAML.stringify({ jobs: { deploy: { "runs-on": "ubuntu-latest", steps } } });
        const action = (command: string, extra: object = {}) => ({ uses: "pulumi/actions@v6", with: { command, "stack-name": "dev", policyPacks: PACK, ...extra } });

        it("pulumi/actions `command: up` alone (pulumi up --yes --skip-preview), as this workflow once was", () => {
            const problems = deployProblems(job([action("up")]));
            assert.equal(problems.length, 2, problems.join("\n"));
            assert.match(problems.join("\n"), /no earlier step .* previews stack dev/);
            assert.match(problems.join("\n"), /--skip-preview without a plan/);
        });

        it("a preview with the pack, then pulumi/actions `command: up` without the saved plan", () => {
            assert.deepEqual(deployProblems(job([action("preview"), action("up")])), [
                'job deploy, step "pulumi/actions@v6": pulumi up --skip-preview without a plan that an earlier preview with the pack saved (--plan)',
            ]);
        });

        it("accepts pulumi/actions preview with `plan` followed by up with the same `plan`", () => {
            assert.deepEqual(deployProblems(job([action("preview", { plan: "plan.json" }), action("up", { plan: "plan.json" })])), []);
        });

        it("a preview without the pack before up", () => {
            const problems = deployProblems(job([{ run: "pulumi preview --stack dev" }, { run: "pulumi up --stack dev --policy-pack policies --yes" }]));
            assert.match(problems.join("\n"), /no earlier step .* previews stack dev with --policy-pack policies/);
        });

        it("an up without the pack, even after a preview with it", () => {
            const problems = deployProblems(job([{ run: "pulumi preview --stack dev --policy-pack policies" }, { run: "pulumi up --stack dev --yes" }]));
            assert.deepEqual(problems, ['job deploy, step "step 2": pulumi up runs without --policy-pack policies']);
        });

        it("a preview of another stack, or a preview after the up", () => {
            assert.equal(deployProblems(job([{ run: "pulumi preview --stack prod --policy-pack policies" }, { run: "pulumi up --stack dev --policy-pack policies --yes" }])).length, 1);
            assert.equal(deployProblems(job([{ run: "pulumi up --stack dev --policy-pack policies --yes" }, { run: "pulumi preview --stack dev --policy-pack policies" }])).length, 1);
        });

        it("up --skip-preview with a plan that no preview saved", () => {
            const problems = deployProblems(
                job([{ run: "pulumi preview --stack dev --policy-pack=policies" }, { run: "pulumi up --stack dev --policy-pack policies --plan other.json --skip-preview --yes" }]),
            );
            assert.match(problems.join("\n"), /--skip-preview without a plan/);
        });
    });
});
