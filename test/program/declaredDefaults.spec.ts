/**
 * The real CLI gives the program every key Pulumi.yaml declares with a default, set or not: "If a configuration value
 * is not set in the stack configuration, the default value from the project configuration is used"
 * (https://www.pulumi.com/docs/iac/concepts/projects/project-file/#config-options). The mocks (tools/stackRun.ts) read
 * only the stack file. So a declared default must mean what leaving the key unset means to the program, or the stack a
 * real `pulumi up` deploys differs from the one every spec and `npm run plan` checked. Seen with the real CLI: a stack
 * with cdn.enabled: true and no archiveLifecycle was refused, because the declared default of archiveLifecycle (a
 * GLACIER transition) read as a transition the user had set.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { flattenStackYaml } from "../../tools/stackConfigFile";
import { PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const REPO_ROOT = path.join(__dirname, "..", "..");
const NS = "fargate-efs-s3";
const declared: Record<string, { default?: unknown }> = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")).config;

/** What the CLI adds for the keys a stack leaves unset: each declared default, as the config string the program reads. */
function cliDefaults(stack: string, overrides: Record<string, string>): Record<string, string> {
    const set = { ...flattenStackYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")), ...overrides };
    const out: Record<string, string> = {};
    for (const [key, declaration] of Object.entries(declared)) {
        const name = key.includes(":") ? key : `${NS}:${key}`;
        if (!name.startsWith(`${NS}:`) || name in set || !("default" in declaration)) continue;
        const value = declaration.default;
        out[name] = typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);
    }
    return out;
}

/** Every resource's type, name and inputs, by URN: what the program renders. */
const rendered = (run: StackRun) => Object.fromEntries(run.resources.map((r) => [r.urn, JSON.stringify({ type: r.type, inputs: r.inputs })]));

const CASES: [string, string, Record<string, string>][] = [
    ["dev as shipped", "dev", {}],
    ["prod as shipped", "prod", { ...PROD_UPDATE_OVERRIDES }],
    ["dev with the CDN on and no archiveLifecycle", "dev", { [`${NS}:cdn`]: JSON.stringify({ enabled: true }) }],
    [
        "dev with the worker, ECS Exec, EFS Archive and replication on, the drain on Fargate Spot",
        "dev",
        {
            [`${NS}:worker`]: JSON.stringify({ enabled: true }),
            [`${NS}:exec`]: JSON.stringify({ enabled: true }),
            [`${NS}:efsTransitionToArchiveDays`]: "90",
            [`${NS}:efsReplication`]: JSON.stringify({ region: "us-west-2" }),
            [`${NS}:cpuArchitecture`]: "X86_64",
            [`${NS}:capacityProviders`]: JSON.stringify({ drain: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] }),
        },
    ],
];

describe("declared config defaults: the program renders the same stack with them (the real CLI) as without them (the mocks)", function () {
    this.timeout(300_000);
    for (const [label, stack, overrides] of CASES) {
        it(label, async () => {
            const defaults = cliDefaults(stack, overrides);
            assert.ok(Object.keys(defaults).length > 0, "the stack leaves some declared key unset");
            const withoutDefaults = rendered(await stackRun({ stack, overrides }));
            let withDefaults: Record<string, string>;
            try {
                withDefaults = rendered(await stackRun({ stack, overrides: { ...defaults, ...overrides } }));
            } catch (e) {
                assert.fail(`with Pulumi.yaml's declared defaults for ${Object.keys(defaults).join(", ")}, the program refuses the config: ${(e as Error).message}`);
            }
            const differ = Object.keys({ ...withDefaults, ...withoutDefaults }).filter((urn) => withDefaults[urn] !== withoutDefaults[urn]);
            assert.deepStrictEqual(differ, [], "resources rendered differently with the declared defaults");
        });
    }
});
