/**
 * The typed stack config: every setting of `Pulumi.<stack>.yaml`, with its default, read once and validated as a
 * whole. Every problem is reported at once, each naming its config key and what is allowed, before any resource is
 * registered. The parsing and checking are pure functions of the raw key/value strings, so tests and the offline
 * preview use exactly what `pulumi up` uses.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as YAML from "yaml";
import {
    ArchiveLifecycle,
    ArchiveStorageClass,
    DEFAULT_ARCHIVE_LIFECYCLE,
    IaTransitionDays,
    NatGatewayStrategy,
    PerformanceMode,
    Problem,
    ThroughputMode,
    validateArchiveLifecycle,
    validateNetworkArgs,
    validateServiceArgs,
    validateSharedFileSystemArgs,
} from "./components";

/** The project's config namespace: keys read `fargate-efs-s3:<name>`. */
export const NAMESPACE = "fargate-efs-s3";

/** Usage the monthly cost estimate assumes; none of it changes what is built. */
export interface UsageAssumptions {
    /** GB stored on EFS on average. Defaults to 10. */
    readonly efsStoredGb: number;
    /** Share of EFS data in Infrequent Access, 0 to 100. Defaults to 50. */
    readonly efsInfrequentAccessPercent: number;
    /** GB read from EFS per month (billed in elastic mode). Defaults to 20. */
    readonly efsElasticReadGb: number;
    /** GB written to EFS per month (billed in elastic mode). Defaults to 10. */
    readonly efsElasticWriteGb: number;
    /** GB in S3 Standard on average. Defaults to 50. */
    readonly s3StandardGb: number;
    /** GB in S3 Glacier Flexible Retrieval on average. Defaults to 100. */
    readonly s3GlacierGb: number;
    /** PUT, COPY, POST and LIST requests per month. Defaults to 100000. */
    readonly s3PutRequests: number;
    /** GET and other requests per month. Defaults to 1000000. */
    readonly s3GetRequests: number;
    /** GB through the NAT gateways per month (S3 traffic skips them via the gateway endpoint). Defaults to 10. */
    readonly natDataGb: number;
}

export const DEFAULT_USAGE: UsageAssumptions = {
    efsStoredGb: 10,
    efsInfrequentAccessPercent: 50,
    efsElasticReadGb: 20,
    efsElasticWriteGb: 10,
    s3StandardGb: 50,
    s3GlacierGb: 100,
    s3PutRequests: 100_000,
    s3GetRequests: 1_000_000,
    natDataGb: 10,
};

/** Everything a stack decides, with defaults applied. */
export interface StackConfig {
    /** `aws:region`. */
    readonly region: string;
    readonly vpcCidr: string;
    readonly azCount: number;
    /** The first `azCount` AZs of the region (offline, without the region's list: `<region>a`, `<region>b`, …). */
    readonly availabilityZones: readonly string[];
    readonly natGateways: NatGatewayStrategy;
    readonly efs: {
        readonly performanceMode: PerformanceMode;
        readonly throughputMode: ThroughputMode;
        readonly provisionedThroughputMibps?: number;
        readonly transitionToIaDays: IaTransitionDays;
        readonly kmsKeyArn?: string;
        readonly posixUid: number;
        readonly posixGid: number;
        readonly accessPointPath: string;
        readonly accessPointPermissions: string;
    };
    readonly backupEnabled: boolean;
    readonly archive: {
        readonly prefix: string;
        readonly kmsKeyArn?: string;
        readonly lifecycle: ArchiveLifecycle;
    };
    readonly service: {
        readonly image?: string;
        readonly cpu: number;
        readonly memory: number;
        readonly desiredCount: number;
        readonly minCount: number;
        readonly maxCount: number;
        readonly cpuTargetPercent: number;
        readonly containerPort: number;
        readonly logRetentionDays: number;
        readonly maxUploadBytes: number;
        readonly backlogLimitBytes: number;
        /** EventBridge Scheduler expression for the `archive --once` drain task, or false for none. */
        readonly drainSchedule: string | false;
        readonly certificateArn?: string;
        readonly allowPlainHttp: boolean;
    };
    readonly retainOnDelete: boolean;
    readonly deletionProtection: boolean;
    readonly usage: UsageAssumptions;
}

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
const KEYS = {
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
    usage: "object",
} as const satisfies Record<string, Kind>;

type Key = keyof typeof KEYS;
type Values = { [K in Key]?: (typeof KEYS)[K] extends "object" ? Record<string, unknown> : (typeof KEYS)[K] extends "boolean" ? boolean : (typeof KEYS)[K] extends "string" ? string : number };

/** EFS takes a key or an alias ARN; S3 needs the key itself, because IAM grants kms:* on key ARNs, never aliases. */
const KMS_KEY_OR_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

export const fullKey = (key: string): string => `${NAMESPACE}:${key}`;

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

function parseLifecycle(raw: Record<string, unknown>, problems: Problem[]): ArchiveLifecycle {
    const allowed = ["transitions", "expirationDays", "noncurrentTransitions", "noncurrentExpirationDays", "abortIncompleteMultipartUploadDays"];
    for (const k of Object.keys(raw)) {
        if (!allowed.includes(k)) {
            problems.push({ property: `archiveLifecycle.${k}`, reason: `is not a lifecycle setting; use ${allowed.join(", ")}` });
        }
    }
    const transitions = (field: "transitions" | "noncurrentTransitions") => {
        const list = raw[field];
        if (list === undefined) {
            return DEFAULT_ARCHIVE_LIFECYCLE[field];
        }
        if (!Array.isArray(list) || list.some((t) => !t || typeof t !== "object")) {
            problems.push({ property: `archiveLifecycle.${field}`, reason: `must be a list of { days, storageClass }; got ${JSON.stringify(list)}` });
            return [];
        }
        return list.map((t: { days?: unknown; storageClass?: unknown }) => ({ days: t.days as number, storageClass: t.storageClass as ArchiveStorageClass }));
    };
    // Leaving out a list keeps its default; expirations are taken as given (absent means none) once any is set.
    return {
        transitions: transitions("transitions"),
        noncurrentTransitions: transitions("noncurrentTransitions"),
        expirationDays: raw.expirationDays as number | undefined,
        noncurrentExpirationDays:
            "noncurrentExpirationDays" in raw ? (raw.noncurrentExpirationDays as number | undefined) : DEFAULT_ARCHIVE_LIFECYCLE.noncurrentExpirationDays,
        abortIncompleteMultipartUploadDays:
            (raw.abortIncompleteMultipartUploadDays as number | undefined) ?? DEFAULT_ARCHIVE_LIFECYCLE.abortIncompleteMultipartUploadDays,
    };
}

function parseUsage(raw: Record<string, unknown>, problems: Problem[]): UsageAssumptions {
    const usage: Record<string, number> = { ...DEFAULT_USAGE };
    for (const [k, v] of Object.entries(raw)) {
        if (!(k in DEFAULT_USAGE)) {
            problems.push({ property: `usage.${k}`, reason: `is not a usage assumption; use ${Object.keys(DEFAULT_USAGE).join(", ")}` });
            continue;
        }
        const max = k === "efsInfrequentAccessPercent" ? 100 : Number.MAX_SAFE_INTEGER;
        if (typeof v !== "number" || !(v >= 0 && v <= max)) {
            problems.push({ property: `usage.${k}`, reason: `must be a number from 0 to ${max === 100 ? 100 : "any size"}; got ${JSON.stringify(v)}` });
            continue;
        }
        usage[k] = v;
    }
    return usage as unknown as UsageAssumptions;
}

export interface RegionFacts {
    /** The AZs available to the account in `aws:region`, when known (offline tools may not know them). */
    readonly availabilityZones?: readonly string[];
}

/**
 * What the config is read for. A preview (and the offline plan) may run with the example values a stack file ships;
 * an update must not, because AWS would refuse them only after other resources exist.
 */
export type Operation = "preview" | "update";

/** Accounts and ids that AWS documentation and templates use as stand-ins; no real resource has them. */
const EXAMPLE_ACCOUNTS = ["000000000000", "123456789012", "111122223333"];
const EXAMPLE_ID = /^(0+(-0+)*|12345678-1234-1234-1234-123456789012|.*example.*)$/i;

/** Why an ARN is a placeholder (an example account, an id of zeros or "example"), or undefined for a real-looking one. */
export function placeholderArnReason(arn: string): string | undefined {
    const [, , , , account = "", resource = ""] = arn.split(":");
    const id = resource.split("/").pop() ?? "";
    if (EXAMPLE_ACCOUNTS.includes(account)) {
        return `account ${account} is an example account`;
    }
    if (EXAMPLE_ID.test(id)) {
        return `id ${JSON.stringify(id)} is an example id`;
    }
    return undefined;
}

/**
 * Parses and checks the raw config (full keys → string values, as Pulumi holds them; objects as JSON) into a
 * {@link StackConfig}. Throws one {@link ConfigError} naming every bad key; never returns a half-valid config.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>, region: RegionFacts = {}, operation: Operation = "preview"): StackConfig {
    const parseProblems: Problem[] = [];
    const problems: Problem[] = [];
    const badKeys = new Set<string>();
    const v: Values = {};
    for (const [full, value] of Object.entries(raw)) {
        if (!full.startsWith(`${NAMESPACE}:`)) {
            continue;
        }
        const name = full.slice(NAMESPACE.length + 1);
        if (!(name in KEYS)) {
            const guess = closest(name);
            parseProblems.push({ property: name, reason: `is not a setting of this project${guess ? `; did you mean ${fullKey(guess)}?` : ""} (see the README's configuration reference)` });
            continue;
        }
        const parsed = parseValue(KEYS[name as Key], value);
        if (parsed.error) {
            parseProblems.push({ property: name, reason: parsed.error });
            badKeys.add(name);
        } else {
            (v as Record<string, unknown>)[name] = parsed.value;
        }
    }

    const regionName = raw["aws:region"];
    if (!regionName) {
        problems.push({ property: "aws:region", reason: "is required; set it with `pulumi config set aws:region us-east-1`" });
    }

    const azCount = v.azCount ?? 2;
    if (!(azCount >= 2 && azCount <= 6)) {
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones
        const why = azCount === 1 ? " (an Application Load Balancer needs subnets in at least two AZs; AWS refuses one)" : "";
        problems.push({ property: "azCount", reason: `must be from 2 to 6${why}; got ${azCount}` });
    } else if (region.availabilityZones && azCount > region.availabilityZones.length) {
        problems.push({
            property: "azCount",
            reason: `${regionName} has ${region.availabilityZones.length} available AZs (${region.availabilityZones.join(", ")}); got ${azCount}`,
        });
    }
    const azNames = region.availabilityZones?.slice(0, azCount) ?? Array.from({ length: Math.max(0, Math.min(azCount, 6)) }, (_, i) => `${regionName ?? "region"}${"abcdef"[i]}`);

    if (v.efsKmsKeyArn !== undefined && !KMS_KEY_OR_ALIAS_ARN.test(v.efsKmsKeyArn)) {
        problems.push({ property: "efsKmsKeyArn", reason: `must be a KMS key or alias ARN (arn:aws:kms:<region>:<account>:key/<id>); got ${JSON.stringify(v.efsKmsKeyArn)}` });
    }
    if (v.archiveKmsKeyArn !== undefined && !KMS_KEY_ARN.test(v.archiveKmsKeyArn)) {
        problems.push({
            property: "archiveKmsKeyArn",
            reason: `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias: the task role is granted the key, and IAM matches key ARNs only; got ${JSON.stringify(v.archiveKmsKeyArn)}`,
        });
    }
    for (const key of ["maxUploadBytes", "backlogLimitBytes"] as const) {
        const n = v[key];
        if (n !== undefined && n < 1) {
            problems.push({ property: key, reason: `must be a positive number of bytes; got ${n}` });
        }
    }

    const lifecycleProblems: Problem[] = [];
    const lifecycle = parseLifecycle(v.archiveLifecycle ?? {}, lifecycleProblems);
    if (lifecycleProblems.length === 0) {
        lifecycleProblems.push(...validateArchiveLifecycle(lifecycle).map((p) => ({ ...p, property: `archiveLifecycle.${p.property}` })));
    }
    problems.push(...lifecycleProblems);
    const usage = parseUsage(v.usage ?? {}, problems);

    const natGateways = (v.natGateways ?? "OnePerAz") as NatGatewayStrategy;
    problems.push(
        ...renamed(validateNetworkArgs({ cidrBlock: v.vpcCidr, availabilityZoneNames: azNames, natGateways }), {
            cidrBlock: "vpcCidr",
            natGateways: "natGateways",
        }),
    );

    const efs = {
        performanceMode: (v.efsPerformanceMode ?? "generalPurpose") as PerformanceMode,
        throughputMode: (v.efsThroughputMode ?? "elastic") as ThroughputMode,
        provisionedThroughputMibps: v.efsProvisionedThroughputMibps,
        transitionToIaDays: (v.efsTransitionToIaDays ?? 30) as IaTransitionDays,
        kmsKeyArn: v.efsKmsKeyArn,
        posixUid: v.posixUid ?? 1000,
        posixGid: v.posixGid ?? 1000,
        accessPointPath: v.accessPointPath ?? "/app",
        accessPointPermissions: v.accessPointPermissions ?? "0750",
    };
    problems.push(
        ...renamed(
            validateSharedFileSystemArgs({
                subnets: azNames.map((availabilityZone) => ({ availabilityZone, subnetId: undefined as never })),
                accessPoints: { app: { path: efs.accessPointPath, uid: efs.posixUid, gid: efs.posixGid, permissions: efs.accessPointPermissions } },
                performanceMode: efs.performanceMode,
                throughputMode: efs.throughputMode,
                provisionedThroughputMibps: efs.provisionedThroughputMibps,
                transitionToIaDays: efs.transitionToIaDays,
            }),
            {
                performanceMode: "efsPerformanceMode",
                throughputMode: "efsThroughputMode",
                provisionedThroughputMibps: "efsProvisionedThroughputMibps",
                transitionToIaDays: "efsTransitionToIaDays",
                "accessPoints.app.path": "accessPointPath",
                "accessPoints.app.uid": "posixUid",
                "accessPoints.app.gid": "posixGid",
                "accessPoints.app.permissions": "accessPointPermissions",
            },
        ),
    );

    const minCount = v.minCount ?? 1;
    const service = {
        image: v.image,
        cpu: v.cpu ?? 256,
        memory: v.memory ?? 512,
        minCount,
        maxCount: v.maxCount ?? 2,
        desiredCount: v.desiredCount ?? minCount,
        cpuTargetPercent: v.cpuTargetPercent ?? 60,
        containerPort: v.containerPort ?? 8080,
        logRetentionDays: v.logRetentionDays ?? 30,
        maxUploadBytes: v.maxUploadBytes ?? 100 * 1024 * 1024,
        backlogLimitBytes: v.backlogLimitBytes ?? 10 * 1024 * 1024 * 1024,
        drainSchedule: v.drainSchedule === "off" ? (false as const) : v.drainSchedule ?? "rate(1 hour)",
        certificateArn: v.certificateArn,
        allowPlainHttp: v.allowPlainHttp ?? false,
    };
    const archivePrefix = v.archivePrefix ?? "uploads/";
    problems.push(...renamed(validateServiceArgs({ ...service, accessPoint: "app", archivePrefix }), {}));
    const placeholder = operation === "update" && service.certificateArn !== undefined ? placeholderArnReason(service.certificateArn) : undefined;
    if (placeholder) {
        problems.push({
            property: "certificateArn",
            reason:
                `is a placeholder (${placeholder}); pulumi up refuses it before creating anything, since AWS would refuse it only at the HTTPS ` +
                `listener, after the network and storage exist. Set your ACM certificate: pulumi config set certificateArn ` +
                `arn:aws:acm:<region>:<account>:certificate/<id>, or opt out of TLS with allowPlainHttp: true and no certificateArn`,
        });
    }

    // A key that failed to parse is reported once, not again by the checks that ran on its default.
    const reported = [...parseProblems, ...problems.filter((p) => !badKeys.has(p.property.split(".")[0]))];
    if (reported.length > 0) {
        throw new ConfigError(
            reported.map((p) => ({ key: p.property.includes(":") ? p.property : fullKey(p.property), reason: p.reason })),
        );
    }
    return {
        region: regionName!,
        vpcCidr: v.vpcCidr ?? "10.0.0.0/16",
        azCount,
        availabilityZones: azNames,
        natGateways,
        efs,
        backupEnabled: v.efsBackup ?? true,
        archive: { prefix: archivePrefix, kmsKeyArn: v.archiveKmsKeyArn, lifecycle },
        service,
        retainOnDelete: v.retainOnDelete ?? true,
        deletionProtection: v.deletionProtection ?? true,
        usage,
    };
}

/** Maps a component's argument names onto config keys (names not in the map are already config keys). */
function renamed(problems: readonly Problem[], names: Readonly<Record<string, string>>): Problem[] {
    return problems
        .filter((p) => p.property !== "availabilityZoneNames" && p.property !== "subnets") // reported as azCount above
        .map((p) => ({ ...p, property: names[p.property] ?? p.property }));
}

/**
 * Flattens a `Pulumi.<stack>.yaml` into the raw form Pulumi hands a program: full keys to strings, structured
 * values as JSON. Secure (encrypted) values are not supported by the offline tools and are reported.
 */
export function flattenStackYaml(text: string): Record<string, string> {
    const doc = YAML.parse(text) ?? {};
    const config = doc.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new ConfigError([{ key: "config", reason: "must be a map of config keys" }]);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
        const full = key.includes(":") ? key : fullKey(key);
        raw[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** Reads and checks a stack file as {@link parseStackConfig} does (without the region's live AZ list). */
export function loadStackConfigFromFile(path: string): StackConfig {
    let text: string;
    try {
        text = fs.readFileSync(path, "utf8");
    } catch (err) {
        throw new ConfigError([{ key: "config", reason: `cannot read ${path}: ${(err as Error).message}` }]);
    }
    let raw: Record<string, string>;
    try {
        raw = flattenStackYaml(text);
    } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError([{ key: "config", reason: `${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}` }]);
    }
    return parseStackConfig(raw);
}

/**
 * The program's config: Pulumi's raw values, checked against the AZs the account really has in the region. The
 * region's AZ list is the only lookup, made before any resource is registered.
 */
export async function readStackConfig(): Promise<StackConfig> {
    const raw = pulumi.runtime.allConfig();
    const operation: Operation = pulumi.runtime.isDryRun() ? "preview" : "update";
    if (!raw["aws:region"]) {
        return parseStackConfig(raw, {}, operation); // throws, naming aws:region along with everything else that is wrong
    }
    const zones = await aws.getAvailabilityZones({
        state: "available",
        // Local Zones and Wavelength Zones have no EFS or Fargate; only the region's own AZs count.
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    return parseStackConfig(raw, { availabilityZones: zones.names }, operation);
}
