/**
 * One policy-pack process for every policy spec (started on first use, stopped after the run),
 * driven through the analyzer client exactly as the CLI drives it.
 */
import * as path from "path";

import { PolicyDiagnostic, PolicyPackConfig, PolicyPackProcess, RecordedResource, runPolicies, startPolicyPack } from "../../tools/analyzer/client";

export const PACK_DIR = path.join(__dirname, "..", "..", "policies");

let started: Promise<PolicyPackProcess> | undefined;

export function pack(): Promise<PolicyPackProcess> {
    started ??= startPolicyPack(PACK_DIR, { stack: "test" });
    return started;
}

// A root-level hook: runs once, after every spec file.
after(async () => {
    if (started) {
        await (await started).close();
    }
});

/** Runs the pack over `resources` and returns every diagnostic. */
export async function check(resources: RecordedResource[], policyConfig: PolicyPackConfig = {}): Promise<PolicyDiagnostic[]> {
    const { diagnostics } = await runPolicies(resources, { pack: await pack(), policyConfig });
    return diagnostics;
}

/** The diagnostics of one policy. */
export async function violationsOf(policy: string, resources: RecordedResource[], policyConfig: PolicyPackConfig = {}): Promise<PolicyDiagnostic[]> {
    return (await check(resources, policyConfig)).filter((d) => d.policy === policy);
}

/** "level urn-name: message" lines, for readable assertion failures. */
export function describeAll(ds: PolicyDiagnostic[]): string {
    return ds.map((d) => `${d.policy} [${d.enforcementLevel}] ${d.urn.split("::").pop()}: ${d.message}`).join("\n");
}

/** What a violation must also show: its enforcement level, the fix its message states, the policy-pack config to run with. */
export interface ViolationExpectations {
    readonly level?: "advisory" | "mandatory";
    /** The fix the message must state, besides `pattern`. */
    readonly fix?: RegExp;
    readonly policyConfig?: PolicyPackConfig;
}

/** Asserts that `policy` reports exactly one violation, on the resource named `on`, matching `pattern`. */
export async function expectOneViolation(
    policy: string,
    resources: RecordedResource[],
    on: string,
    pattern: RegExp,
    opts: ViolationExpectations = {},
): Promise<PolicyDiagnostic> {
    const ds = await violationsOf(policy, resources, opts.policyConfig);
    if (ds.length !== 1) {
        throw new Error(`expected one ${policy} violation, got ${ds.length}:\n${describeAll(ds)}`);
    }
    const d = ds[0];
    if (!d.urn.endsWith(`::${on}`)) {
        throw new Error(`expected the violation on ${on}, got ${d.urn}`);
    }
    for (const expected of [pattern, opts.fix]) {
        if (expected && !expected.test(d.message)) {
            throw new Error(`expected the message to match ${expected}:\n${d.message}`);
        }
    }
    if (opts.level && d.enforcementLevel !== opts.level) {
        throw new Error(`expected level ${opts.level}, got ${d.enforcementLevel}`);
    }
    return d;
}

/** Asserts that `policy` reports nothing. */
export async function expectNoViolation(policy: string, resources: RecordedResource[], policyConfig?: PolicyPackConfig): Promise<void> {
    const ds = await violationsOf(policy, resources, policyConfig);
    if (ds.length !== 0) {
        throw new Error(`expected no ${policy} violation, got:\n${describeAll(ds)}`);
    }
}
