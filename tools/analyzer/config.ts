/**
 * Policy-pack configuration as the Pulumi CLI handles `--policy-pack-config <file>`: parse the file,
 * reconcile it with each policy's defaults (pkg/resource/plugin ReconcilePolicyPackConfig: policy
 * level and `configSchema` defaults, then the pack's initial config, then the file, where `"all"`
 * sets every policy's level before per-policy entries apply), and validate each policy's properties
 * against its `configSchema`. Every problem is reported at once.
 */

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";

export const ENFORCEMENT_LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

/** The JSON shape of a `--policy-pack-config` file. */
export type PolicyPackConfig = Record<string, EnforcementLevel | PolicyConfigObject>;
export type PolicyConfigObject = { enforcementLevel?: EnforcementLevel } & Record<string, unknown>;

/** One policy's effective configuration, as sent in `Configure`. */
export interface ReconciledPolicyConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** The subset of JSON Schema that policy `configSchema`s use here. */
export interface JsonSchema {
    type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
    enum?: unknown[];
    minimum?: number;
    maximum?: number;
    minLength?: number;
    pattern?: string;
    items?: JsonSchema;
    default?: unknown;
    description?: string;
    [key: string]: unknown;
}

export interface PolicyConfigSchema {
    properties: Record<string, JsonSchema>;
    required?: string[];
}

export interface PolicyDescription {
    name: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
}

export interface PolicyConfigProblem {
    /** The config key: a policy name, or "all". */
    policy: string;
    /** The property within that policy's config, when the problem is with one property. */
    property?: string;
    reason: string;
}

/** Thrown when a policy-pack config is invalid; `problems` lists every problem found. */
export class PolicyConfigError extends Error {
    constructor(readonly problems: PolicyConfigProblem[]) {
        super(
            "invalid policy pack config:\n" +
                problems.map((p) => `  ${p.policy}${p.property ? `.${p.property}` : ""}: ${p.reason}`).join("\n"),
        );
        this.name = "PolicyConfigError";
    }
}

function isLevel(v: unknown): v is EnforcementLevel {
    return typeof v === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(v);
}

interface ParsedEntry {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}

function parse(config: PolicyPackConfig | Record<string, unknown>, problems: PolicyConfigProblem[]): Map<string, ParsedEntry> {
    const parsed = new Map<string, ParsedEntry>();
    for (const [policy, value] of Object.entries(config)) {
        if (typeof value === "string") {
            if (!isLevel(value)) {
                problems.push({ policy, reason: `"${value}" is not an enforcement level (allowed: ${ENFORCEMENT_LEVELS.join(", ")})` });
                continue;
            }
            parsed.set(policy, { enforcementLevel: value, properties: {} });
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
                problems.push({
                    policy,
                    property: "enforcementLevel",
                    reason: `"${String(enforcementLevel)}" is not an enforcement level (allowed: ${ENFORCEMENT_LEVELS.join(", ")})`,
                });
                continue;
            }
            parsed.set(policy, { enforcementLevel, properties });
        } else {
            problems.push({ policy, reason: "must be an enforcement level or an object of settings" });
        }
    }
    return parsed;
}

function apply(result: Map<string, ReconciledPolicyConfig>, config: Map<string, ParsedEntry>, problems: PolicyConfigProblem[]): void {
    const all = config.get("all");
    if (all?.enforcementLevel) {
        for (const entry of result.values()) {
            entry.enforcementLevel = all.enforcementLevel;
        }
    }
    for (const [policy, given] of config) {
        if (policy === "all") {
            continue;
        }
        const entry = result.get(policy);
        if (!entry) {
            problems.push({ policy, reason: `no policy named "${policy}" in this pack (known: ${[...result.keys()].join(", ")})` });
            continue;
        }
        if (given.enforcementLevel) {
            entry.enforcementLevel = given.enforcementLevel;
        }
        Object.assign(entry.properties, given.properties);
    }
}

/** Returns the problems with `value` against `schema`, each naming `path`. */
export function validateAgainstSchema(value: unknown, schema: JsonSchema, path: string): string[] {
    const problems: string[] = [];
    const t = schema.type;
    const typeOk =
        t === undefined ||
        (t === "string" && typeof value === "string") ||
        (t === "number" && typeof value === "number" && Number.isFinite(value)) ||
        (t === "integer" && typeof value === "number" && Number.isInteger(value)) ||
        (t === "boolean" && typeof value === "boolean") ||
        (t === "array" && Array.isArray(value)) ||
        (t === "object" && value !== null && typeof value === "object" && !Array.isArray(value));
    if (!typeOk) {
        return [`${path}: must be ${t === "integer" || t === "array" || t === "object" ? "an" : "a"} ${t}, got ${JSON.stringify(value)}`];
    }
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
        problems.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}`);
    }
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) {
            problems.push(`${path}: must be at least ${schema.minimum}, got ${value}`);
        }
        if (schema.maximum !== undefined && value > schema.maximum) {
            problems.push(`${path}: must be at most ${schema.maximum}, got ${value}`);
        }
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength) {
            problems.push(`${path}: must have at least ${schema.minLength} characters`);
        }
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
            problems.push(`${path}: must match ${schema.pattern}, got ${JSON.stringify(value)}`);
        }
    }
    if (Array.isArray(value) && schema.items) {
        value.forEach((item, i) => problems.push(...validateAgainstSchema(item, schema.items as JsonSchema, `${path}[${i}]`)));
    }
    return problems;
}

/**
 * Reconciles `config` (a `--policy-pack-config` document) with the pack's policies and initial
 * config, and validates the result. Throws a {@link PolicyConfigError} listing every problem.
 */
export function reconcilePolicyPackConfig(
    policies: PolicyDescription[],
    initialConfig: PolicyPackConfig,
    config: PolicyPackConfig | Record<string, unknown>,
): Map<string, ReconciledPolicyConfig> {
    const problems: PolicyConfigProblem[] = [];
    const result = new Map<string, ReconciledPolicyConfig>();
    for (const p of policies) {
        const properties: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {})) {
            if (s.default !== undefined) {
                properties[k] = s.default;
            }
        }
        result.set(p.name, { enforcementLevel: p.enforcementLevel, properties });
    }
    apply(result, parse(initialConfig, problems), problems);
    apply(result, parse(config, problems), problems);

    for (const p of policies) {
        const entry = result.get(p.name)!;
        const schema = p.configSchema;
        if (!schema) {
            continue;
        }
        for (const req of schema.required ?? []) {
            if (entry.properties[req] === undefined) {
                problems.push({ policy: p.name, property: req, reason: "is required" });
            }
        }
        for (const [k, v] of Object.entries(entry.properties)) {
            const s = schema.properties[k];
            if (s) {
                for (const reason of validateAgainstSchema(v, s, k)) {
                    problems.push({ policy: p.name, property: k, reason: reason.slice(k.length + 2) });
                }
            }
        }
    }
    if (problems.length > 0) {
        throw new PolicyConfigError(problems);
    }
    return result;
}
