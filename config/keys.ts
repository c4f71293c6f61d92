/**
 * The keys a stack may set under the project's namespace, their kinds, and the reading of Pulumi's raw strings into
 * typed values. What a value means and whether it is allowed is decided by config/index.ts and the components' validators.
 */
import * as pulumi from "@pulumi/pulumi";
import { Problem } from "../components";

/** The project's config namespace: keys read `fargate-efs-s3:<name>`. */
export const NAMESPACE = "fargate-efs-s3";

export const fullKey = (key: string): string => `${NAMESPACE}:${key}`;

/**
 * Every problem with a stack's config; `problems[].key` is the full config key. A `RunError`, so that `pulumi up`
 * prints the message without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    public readonly problems: readonly { key: string; reason: string }[];
    constructor(problems: readonly { key: string; reason: string }[]) {
        super(
            `The stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
                problems.map((p) => `  - ${p.key}: ${p.reason}`).join("\n"),
        );
        this.name = "ConfigError";
        this.problems = problems;
    }
}

type Kind = "string" | "integer" | "number" | "boolean" | "object";

/** The keys a stack may set, with their kinds; anything else in the namespace is a typo and is reported. */
export const KEYS = {
    vpcCidr: "string",
    azCount: "integer",
    natGateways: "string",
    efsPerformanceMode: "string",
    efsThroughputMode: "string",
    efsProvisionedThroughputMibps: "number",
    efsTransitionToIaDays: "integer",
    efsKmsKeyArn: "string",
    efsBackup: "boolean",
    posixUid: "integer",
    posixGid: "integer",
    accessPointPath: "string",
    accessPointPermissions: "string",
    archivePrefix: "string",
    archiveKmsKeyArn: "string",
    archiveLifecycle: "object",
    image: "string",
    cpu: "integer",
    memory: "integer",
    desiredCount: "integer",
    minCount: "integer",
    maxCount: "integer",
    cpuTargetPercent: "number",
    containerPort: "integer",
    logRetentionDays: "integer",
    maxUploadBytes: "integer",
    backlogLimitBytes: "integer",
    drainSchedule: "string",
    certificateArn: "string",
    allowPlainHttp: "boolean",
    retainOnDelete: "boolean",
    deletionProtection: "boolean",
    worker: "object",
    monitoring: "object",
    usage: "object",
    logAnalytics: "boolean",
    logQueryDays: "integer",
    athenaBytesScannedCutoffMb: "integer",
    cdn: "object",
    // issue 19: the work queue
    workQueue: "object",
    // ---- issue 21: the template's prompt for monitoring.alarmEmail (a `pulumi new` prompt sets only a top-level key)
    alarmEmail: "string",
    // Issue 22 (cost and operability): config/platform.ts reads these.
    cpuArchitecture: "string",
    capacityProviders: "object",
    exec: "object",
    efsTransitionToArchiveDays: "integer",
    efsReplication: "object",
} as const satisfies Record<string, Kind>;

type Key = keyof typeof KEYS;
/** The keys a stack set, typed; a key the stack left out is undefined, and the component's default applies. */
export type Values = {
    [K in Key]?: (typeof KEYS)[K] extends "object" ? Record<string, unknown> : (typeof KEYS)[K] extends "boolean" ? boolean : (typeof KEYS)[K] extends "string" ? string : number;
};

function describe(kind: Kind): string {
    return { string: "a string", integer: "a whole number", number: "a number", boolean: "true or false", object: "an object (YAML map)" }[kind];
}

function parseValue(kind: Kind, raw: string): { value?: unknown; error?: string } {
    const trimmed = raw.trim();
    switch (kind) {
        case "string":
            return { value: raw };
        case "integer":
        case "number": {
            const n = trimmed === "" ? NaN : Number(trimmed);
            if (!Number.isFinite(n) || (kind === "integer" && !Number.isInteger(n))) {
                return { error: `must be ${describe(kind)}; got ${JSON.stringify(raw)}` };
            }
            return { value: n };
        }
        case "boolean":
            if (trimmed === "true" || trimmed === "false") {
                return { value: trimmed === "true" };
            }
            return { error: `must be true or false; got ${JSON.stringify(raw)}` };
        case "object":
            try {
                const parsed = JSON.parse(raw);
                if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
                    return { value: parsed };
                }
            } catch {
                // reported below
            }
            return { error: `must be an object (a YAML map under the key); got ${JSON.stringify(raw)}` };
    }
}

/** The closest known key, for "did you mean" on typos. */
function closest(name: string): string | undefined {
    const distance = (a: string, b: string) => {
        const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
        for (let j = 1; j <= b.length; j++) d[0][j] = j;
        for (let i = 1; i <= a.length; i++)
            for (let j = 1; j <= b.length; j++)
                d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        return d[a.length][b.length];
    };
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const key of Object.keys(KEYS)) {
        const dist = distance(name.toLowerCase(), key.toLowerCase());
        if (dist < bestDistance) {
            best = key;
            bestDistance = dist;
        }
    }
    return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/**
 * Reads the project's keys out of Pulumi's raw config (full keys → strings, objects as JSON). Unknown keys and values
 * of the wrong kind are problems; `badKeys` lists the latter, so that checks on their stand-ins are not reported twice.
 */
export function readKeys(raw: Readonly<Record<string, string>>): { values: Values; problems: Problem[]; badKeys: Set<string> } {
    const values: Record<string, unknown> = {};
    const problems: Problem[] = [];
    const badKeys = new Set<string>();
    for (const [full, value] of Object.entries(raw)) {
        if (!full.startsWith(`${NAMESPACE}:`)) {
            continue;
        }
        const name = full.slice(NAMESPACE.length + 1);
        // issue 21 (declared config): an empty value is a key left unset. The CLI writes a declared `default` into
        // every stack that leaves the key out, and refuses a stack that leaves out a declared key of the project's
        // namespace that has no default ("Stack '<stack>' is missing configuration value '<key>'"; pulumi/pulumi
        // pkg/workspace/config.go, missingStackConfigurationKeysError), so Pulumi.yaml declares `default: ""` for the
        // keys whose absence means something (no certificate, the AWS-managed key, the app's own limit).
        // https://www.pulumi.com/docs/iac/concepts/projects/project-file/ (config)
        if (value === "" && name in KEYS) {
            continue;
        }
        if (!(name in KEYS)) {
            const guess = closest(name);
            problems.push({ property: name, reason: `is not a setting of this project${guess ? `; did you mean ${fullKey(guess)}?` : ""} (see the README's configuration reference)` });
            continue;
        }
        const parsed = parseValue(KEYS[name as Key], value);
        if (parsed.error) {
            problems.push({ property: name, reason: parsed.error });
            badKeys.add(name);
        } else {
            values[name] = parsed.value;
        }
    }
    return { values: values as Values, problems, badKeys };
}

