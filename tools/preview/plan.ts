/**
 * `npm run plan -- --stack <name> [--config <file>] [--policy-pack-config <file>] [--format text|json]
 * [--prices <file>]`: the offline preview (ARCHITECTURE.md, "The offline preview"). Runs the program for
 * the stack's config under Pulumi mocks in preview mode, sends every recorded resource through the
 * policy pack over the analyzer interface, estimates the monthly cost, and prints all three.
 *
 * Exit status: 0 clean or advisory only; 1 a mandatory violation; 2 invalid config or usage (the
 * message names the key or flag and what is allowed); 3 the plan itself failed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
// Only light modules are imported up front. The policy pack (a child process) is started before the heavy
// ones — the Pulumi SDK, the AWS provider, the program — are loaded, so that the two overlap.
import type * as analyzerClient from "../analyzer/client";
import { PolicyConfigError } from "../analyzer/config";
import { estimateMonthlyCost } from "../cost/model";
import { PLAN_USAGE, parsePlanArgs, PlanOptions, UsageError } from "./args";
import { formatJson, formatText, Plan, planExitCode, shouldColor } from "./format";
import { loadPriceTable, PriceOverrideError } from "../cost/prices";
import type * as stackRun from "../stackRun";
import type * as planCost from "./costInput";
import type * as packSpawn from "../analyzer/spawn";
import { compiledPolicyPack } from "./compiled";

const ROOT = path.join(__dirname, "..", "..");
const POLICY_PACK_DIR = path.join(ROOT, "policies");

/**
 * Milliseconds since the process started at which each step of the last plan ended; written to stderr as
 * one JSON line when PLAN_TIMINGS is set (the benchmark reads it).
 */
export const timings: Record<string, number> = {};
const mark = (step: string) => (timings[step] = Math.round(performance.now()));

/** A problem with what the user gave (flags, files, config): exit 2, no stack trace. */
class InvalidInput extends Error {}

/**
 * Plans a stack. On failure the policy pack may still be starting; stopping it is left in `cleanups`, so
 * that the caller can report the error first and wait for the stop afterwards.
 */
export async function plan(options: PlanOptions, cleanups: Promise<unknown>[] = []): Promise<Plan> {
    mark("started");
    // The pack starts before anything else is loaded or checked (spawn.ts loads only Node's own modules), so that it
    // is serving, on the other core, by the time the program is recorded; on invalid input it is stopped again.
    const { spawnPolicyPack, stopPolicyPack } = require("../analyzer/spawn") as typeof packSpawn;
    const spawned = spawnPolicyPack(compiledPolicyPack(POLICY_PACK_DIR), {
        stack: options.stack,
        dryRun: true,
        // The copy is JavaScript: run as the CLI runs a JS pack, minus run-policy-pack (see StartOptions.launch).
        launch: "direct",
        preload: [path.join(__dirname, "packStacks.js")],
    });
    mark("packSpawned");
    let packStarting: Promise<analyzerClient.PolicyPackProcess> | undefined;
    // Whatever happens next, the pack process must not outlive the plan.
    const closePack = () => (packStarting ? packStarting.then((pack) => pack.close(), () => stopPolicyPack(spawned)) : stopPolicyPack(spawned));
    let resources: analyzerClient.RecordedResource[];
    let diagnostics: analyzerClient.PolicyDiagnostic[];
    let config: stackRun.StackRun["config"];
    let info: analyzerClient.AnalyzerInfo;
    try {
        const prices = loadPriceTable(options.pricesFile);
        const policyConfig = readPolicyPackConfig(options.policyPackConfigFile);
        const configFile = options.configFile ?? path.join(ROOT, `Pulumi.${options.stack}.yaml`);
        if (!fs.existsSync(configFile)) {
            throw new InvalidInput(
                options.configFile !== undefined
                    ? `--config: no such file ${options.configFile}`
                    : `--stack: no stack "${options.stack}" here (no Pulumi.${options.stack}.yaml); stacks: ${knownStacks().join(", ")}`,
            );
        }
        checkIsYaml(configFile, options.configFile === undefined ? "--stack" : "--config");
        const { startPolicyPack, runPolicies } = require("../analyzer/client") as typeof analyzerClient;
        packStarting = startPolicyPack(spawned, { stack: options.stack, dryRun: true });
        // Once the pack serves, open the connection and ask for its policies while the program still runs.
        void packStarting
            .then((pack) => {
                mark("packReady");
                return pack.getAnalyzerInfo();
            })
            .catch(() => undefined);
        const { recordStack } = require("../stackRun") as typeof stackRun;
        mark("programLoaded");
        ({ resources, config } = await recordStack({
            stack: options.stack,
            ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
            preview: true,
        }));
        mark("recorded");
        const pack = await packStarting;
        ({ diagnostics } = await runPolicies(resources, { pack, policyConfig }));
        info = await pack.getAnalyzerInfo();
        mark("analyzed");
        // The output need not wait for the pack to exit: the caller awaits it after printing.
        cleanups.push(closePack());
        const { costInputFromStack } = require("./costInput") as typeof planCost;
        return {
            stack: options.stack,
            resources: resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, ...(r.parent ? { parent: r.parent } : {}) })),
            diagnostics: diagnostics.map((d) => ({
                policy: d.policy,
                enforcementLevel: d.enforcementLevel,
                ...(d.urn === "" ? {} : { urn: d.urn }),
                message: d.message,
            })),
            cost: estimateMonthlyCost(costInputFromStack(config, resources), prices),
            ...(options.pricesFile === undefined ? {} : { pricesFile: options.pricesFile }),
            policyPack: { name: info.name, version: info.version, policies: info.policies.length },
        };
    } catch (err) {
        cleanups.push(closePack());
        throw err;
    }
}

/** The JSON of a `--policy-pack-config` file; the analyzer client checks it against the pack's policies. */
function readPolicyPackConfig(file: string | undefined): analyzerClient.PolicyPackConfig {
    if (file === undefined) return {};
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new InvalidInput(`--policy-pack-config: cannot read ${file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new InvalidInput(`--policy-pack-config: ${file} is not JSON: ${(err as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new InvalidInput(`--policy-pack-config: ${file} must be a JSON object keyed by policy name (or "all")`);
    }
    return parsed as analyzerClient.PolicyPackConfig;
}

/** A stack file that is not YAML at all is reported here, with its line, before anything runs. */
function checkIsYaml(file: string, flag: string): void {
    try {
        YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new InvalidInput(`${flag}: ${path.relative(process.cwd(), file)} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
}

function knownStacks(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined);
}

/** The message for an error caused by the user's input, or undefined for any other error. */
function describeInvalidInput(err: unknown): string | undefined {
    if (err instanceof UsageError || err instanceof InvalidInput) return err.message;
    if (err instanceof PriceOverrideError) {
        return `invalid --prices file ${err.file}:\n${err.problems.map((p) => `  ${p.key}: ${p.reason}`).join("\n")}`;
    }
    if (err instanceof PolicyConfigError) {
        return err.message.replace(/^invalid policy pack config/, "invalid --policy-pack-config");
    }
    const e = err as { name?: unknown; problems?: unknown; message?: unknown } | null;
    if (e?.name === "ConfigError" && Array.isArray(e.problems)) {
        const problems = e.problems as { key: string; reason: string }[];
        return `invalid stack config:\n${problems.map((p) => `  ${p.key}: ${p.reason}`).join("\n")}`;
    }
    return undefined;
}

async function main(argv: string[]): Promise<number> {
    let options: PlanOptions;
    try {
        options = parsePlanArgs(argv);
    } catch (err) {
        process.stderr.write(`plan: ${describeInvalidInput(err) ?? String(err)}\n${PLAN_USAGE}\n`);
        return 2;
    }
    if (options.help) {
        process.stdout.write(`${PLAN_USAGE}\n`);
        return 0;
    }
    const cleanups: Promise<unknown>[] = [];
    try {
        const result = await plan(options, cleanups);
        process.stdout.write(
            options.format === "json"
                ? `${formatJson(result)}\n`
                : formatText(result, { color: shouldColor(process.stdout, process.env) }),
        );
        return planExitCode(result);
    } catch (err) {
        const invalid = describeInvalidInput(err);
        if (invalid !== undefined) {
            process.stderr.write(`plan: ${invalid}\n`);
            return 2;
        }
        process.stderr.write(`plan: the plan failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
        return 3;
    } finally {
        // The pack is stopped after the output: a pack still connecting is closed once it is up, one not yet
        // connected to is killed at once. The message is out already, only the exit waits.
        await Promise.all(cleanups);
    }
}

/** The command line: runs `main` and sets the exit status (see the header for the codes). */
export function runCli(argv: string[] = process.argv.slice(2)): void {
    // A stray rejection is a bug of the plan itself: it fails the plan (exit 3). Invalid input is reported once,
    // by main, as exit 2 (recordStack already keeps the program's own error from surfacing twice).
    let stray: unknown;
    process.on("unhandledRejection", (err) => {
        if (describeInvalidInput(err) === undefined && stray === undefined) stray = err;
    });
    main(argv).then(
        (code) => {
            if (stray !== undefined && code !== 2) {
                process.stderr.write(`plan: the plan failed: ${stray instanceof Error ? stray.stack ?? stray.message : String(stray)}\n`);
                code = 3;
            }
            process.exitCode = code;
            if (process.env.PLAN_TIMINGS) process.stderr.write(`${JSON.stringify({ timings: { ...timings, exited: Math.round(performance.now()) } })}\n`);
        },
        (err) => {
            process.stderr.write(`plan: ${String(err)}\n`);
            process.exitCode = 3;
        },
    );
}

if (require.main === module) {
    runCli();
}
