/**
 * The typed stack config: the settings of `Pulumi.<stack>.yaml`, read once and validated as a whole. Every problem
 * is reported at once, each naming its config key and what is allowed, before any resource is registered.
 *
 * A key the stack leaves out stays undefined here: the component's own defaults function
 * (`serviceDefaults`, `fileSystemDefaults`, `archiveBucketDefaults`, `networkDefaults`, `workerDefaults`) is the
 * one place a default lives, so a default changed there is what the program builds. Tools that need the effective
 * figure (the cost estimate) ask the same functions.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    AccessPointSpec,
    AWS_MANAGED_TOPIC_KEY_REASON,
    ArchiveBucketArgs,
    FargateServiceArgs,
    MonitoringSettings,
    NetworkArgs,
    parseMonitoringSettings,
    Problem,
    SharedFileSystemArgs,
    validateArchiveLifecycle,
    validateNetworkArgs,
    validateServiceArgs,
    validateMonitoringSettings,
    validateSharedFileSystemArgs,
    validateWorkerArgs,
} from "../components";
import { ConfigError, fullKey, NAMESPACE, readKeys } from "./keys";
import { parseLifecycle, parseUsage, parseWorker, UsageAssumptions, WorkerSettings } from "./sections";
import { LogAnalyticsSettings, parseLogAnalytics } from "./analytics";
import { CdnSettings, lifecycleServedByCdn, parseCdn } from "./delivery";
import { parseWorkQueue, WorkQueueSettings } from "./queue";
import { fileSystemExtras, parseCapacityProviders, PlacementSettings, toConfigKey } from "./platform";

export { ConfigError, fullKey, NAMESPACE } from "./keys";
export { DEFAULT_USAGE, UsageAssumptions, WorkerSettings } from "./sections";

/** The service's settings as the stack gives them: everything but what other components provide. */
export type ServiceSettings = Omit<FargateServiceArgs, "vpcId" | "publicSubnetIds" | "privateSubnetIds" | "fileSystem" | "accessPoint" | "bucket" | "build" | "queue">;

/** Everything a stack decides. Optional fields are undefined when the stack does not set them. */
export interface StackConfig {
    /** `aws:region`. */
    readonly region: string;
    /** How many AZs the stack spans, 2 to 6 (the program's own choice; the Network takes AZ names). Defaults to 2. */
    readonly azCount: number;
    /** The first `azCount` AZs of the region (offline, without the region's list: `<region>a`, `<region>b`, …). */
    readonly availabilityZones: readonly string[];
    readonly network: Pick<NetworkArgs, "cidrBlock" | "natGateways">;
    readonly fileSystem: Omit<SharedFileSystemArgs, "vpcId" | "subnets" | "accessPoints">;
    /** The program's one access point, `app`, that the service (and the worker) mount. */
    readonly accessPoint: AccessPointSpec;
    readonly archive: ArchiveBucketArgs;
    readonly service: ServiceSettings;
    /** The background worker service (`worker.enabled`), off unless the stack turns it on. */
    readonly worker: WorkerSettings;
    /** Alarms, their topic and the dashboard (`monitoring`); every field has a default. */
    readonly monitoring: MonitoringSettings;
    readonly usage: UsageAssumptions;
    /** Athena over the archived logs (`logAnalytics`), off unless the stack turns it on. */
    readonly logAnalytics: LogAnalyticsSettings;
    /** CloudFront in front of the archive (`cdn`), off unless the stack turns it on. */
    readonly cdn: CdnSettings;
    /** The SQS work queue and its dead-letter queue (`workQueue`); every field has a default. */
    readonly workQueue: WorkQueueSettings;
    /** Issue 22: the CPU architecture, each tier's capacity provider strategy and ECS Exec (config/platform.ts). */
    readonly placement: PlacementSettings;
}

/** The program's access point: the app's directory, owned by the image's user (app/Dockerfile builds it for 1000:1000). */
const APP_ACCESS_POINT = { path: "/app", uid: 1000, gid: 1000 };

export interface RegionFacts {
    /** The AZs available to the account in `aws:region`, when known (offline tools may not know them). */
    readonly availabilityZones?: readonly string[];
    /** What KMS says of `monitoring.topicKmsKeyId` (DescribeKey), when one is set and was looked up. */
    readonly topicKey?: TopicKeyFacts;
}

/** A key's KeyMetadata as the program needs it (KMS API reference, KeyMetadata), or why it could not be described. */
export interface TopicKeyFacts {
    /** "AWS" or "CUSTOMER". */
    readonly keyManager?: string;
    /** "SYMMETRIC_DEFAULT", "RSA_2048", … */
    readonly keySpec?: string;
    /** DescribeKey's error, when the key could not be described. */
    readonly error?: string;
}

/**
 * Describes the topic key a stack passes in by ARN (`monitoring.topicKmsKeyId`), before any resource is registered: an
 * AWS managed key hides behind its key ARN as well as behind `alias/aws/sns`, and only KMS knows which it is
 * (KeyMetadata.KeyManager: "AWS" or "CUSTOMER", https://docs.aws.amazon.com/kms/latest/APIReference/API_KeyMetadata.html).
 * A data source runs in every preview, so a refusal stops the preview, and `pulumi up` with it, before anything is
 * created. Undefined when no key ARN of the stack's region is set (the parse names those problems by themselves).
 */
export async function describeTopicKey(raw: Readonly<Record<string, string>>, opts?: pulumi.InvokeOptions): Promise<TopicKeyFacts | undefined> {
    let keyId: unknown;
    try {
        keyId = JSON.parse(raw[fullKey("monitoring")] ?? "{}")?.topicKmsKeyId;
    } catch {
        return undefined;
    }
    if (typeof keyId !== "string" || !/^arn:aws[a-z-]*:kms:/.test(keyId) || /(^|:)alias\/aws\//.test(keyId) || keyId.split(":")[3] !== raw["aws:region"]) {
        return undefined;
    }
    try {
        const key = await aws.kms.getKey({ keyId }, opts);
        return { keyManager: key.keyManager, keySpec: key.keySpec };
    } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
    }
}

/** What is wrong with the described topic key: an AWS managed key, an asymmetric key, or one KMS could not describe. */
function topicKeyFactsProblems(facts: TopicKeyFacts | undefined): Problem[] {
    if (facts === undefined) return [];
    const property = "monitoring.topicKmsKeyId";
    if (facts.error !== undefined) {
        return [{ property, reason: `cannot be described by KMS (DescribeKey: ${facts.error}); name a customer managed key of this account and region that the deploy role may describe, or leave it unset` }];
    }
    const problems: Problem[] = [];
    if (facts.keyManager === "AWS") problems.push({ property, reason: AWS_MANAGED_TOPIC_KEY_REASON.replace(/^is/, "is, KMS says,") });
    // "Amazon SNS only supports symmetric encryption KMS keys." https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
    if (facts.keySpec !== undefined && facts.keySpec !== "SYMMETRIC_DEFAULT") {
        problems.push({ property, reason: `is a ${facts.keySpec} key; Amazon SNS only supports symmetric encryption keys (SYMMETRIC_DEFAULT)` });
    }
    return problems;
}

/**
 * What the config is read for. A preview (and the offline plan) may run with the example values a stack file ships;
 * an update must not, because AWS would refuse them only after other resources exist.
 */
export type Operation = "preview" | "update";

/** EFS takes a key or an alias ARN; S3 needs the key itself, because IAM grants kms:* on key ARNs, never aliases. */
const KMS_KEY_OR_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

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
    const { values: v, problems: parseProblems, badKeys } = readKeys(raw);
    const problems: Problem[] = [];

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
    const lifecycle = v.archiveLifecycle === undefined ? undefined : parseLifecycle(v.archiveLifecycle, lifecycleProblems);
    if (lifecycle && lifecycleProblems.length === 0) {
        lifecycleProblems.push(...validateArchiveLifecycle(lifecycle).map((p) => ({ ...p, property: `archiveLifecycle.${p.property}` })));
    }
    problems.push(...lifecycleProblems);
    const usage = parseUsage(v.usage ?? {}, problems);
    const worker = parseWorker(v.worker, problems);
    const cdn = parseCdn(v.cdn, v.archiveKmsKeyArn, problems);
    // What the CDN serves must stay readable by GetObject: its own lifecycle default, or a named refusal (config/delivery.ts).
    const archiveLifecycle = lifecycleServedByCdn(v.archiveLifecycle, lifecycle, cdn.enabled, problems);
    const logAnalytics = parseLogAnalytics(v, archiveLifecycle, problems);
    const monitoring = withAlarmEmail(parseMonitoringSettings(v.monitoring, problems), v.alarmEmail, problems);
    problems.push(...topicKeyRegionProblems(monitoring.topicKmsKeyId, regionName), ...topicKeyFactsProblems(region.topicKey));
    // issue 19: the work queue
    const workQueue = parseWorkQueue(v.workQueue, problems);
    const placementCapacity = parseCapacityProviders(v.capacityProviders, problems);

    const network = { cidrBlock: v.vpcCidr, natGateways: v.natGateways as NetworkArgs["natGateways"] };
    problems.push(...renamed(validateNetworkArgs({ ...network, availabilityZoneNames: azNames }), { cidrBlock: "vpcCidr" }));

    const accessPoint: AccessPointSpec = {
        path: v.accessPointPath ?? APP_ACCESS_POINT.path,
        uid: v.posixUid ?? APP_ACCESS_POINT.uid,
        gid: v.posixGid ?? APP_ACCESS_POINT.gid,
        permissions: v.accessPointPermissions,
    };
    const fileSystem = {
        kmsKeyArn: v.efsKmsKeyArn,
        performanceMode: v.efsPerformanceMode as SharedFileSystemArgs["performanceMode"],
        throughputMode: v.efsThroughputMode as SharedFileSystemArgs["throughputMode"],
        provisionedThroughputMibps: v.efsProvisionedThroughputMibps,
        transitionToIaDays: v.efsTransitionToIaDays as SharedFileSystemArgs["transitionToIaDays"],
        backup: v.efsBackup,
        retainOnDelete: v.retainOnDelete,
        // Issue 22: the Archive tier and the cross-region replica.
        ...fileSystemExtras(v),
    };
    problems.push(
        ...renamed(
            validateSharedFileSystemArgs({
                ...fileSystem,
                subnets: azNames.map((availabilityZone) => ({ availabilityZone, subnetId: undefined as never })),
                accessPoints: { app: accessPoint },
            }, regionName),
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
        ).map((p) => ({ ...p, property: toConfigKey(p.property) })),
    );

    // The app has its own defaults for these (app/src/config.ts); a variable is passed only when the stack sets it.
    const environment: Record<string, string> = {
        ...(v.maxUploadBytes === undefined ? {} : { MAX_UPLOAD_BYTES: String(v.maxUploadBytes) }),
        ...(v.backlogLimitBytes === undefined ? {} : { BACKLOG_MAX_BYTES: String(v.backlogLimitBytes) }),
    };
    const service: ServiceSettings = {
        image: v.image,
        cpu: v.cpu,
        memory: v.memory,
        desiredCount: v.desiredCount,
        minCount: v.minCount,
        maxCount: v.maxCount,
        cpuTargetPercent: v.cpuTargetPercent,
        containerPort: v.containerPort,
        logRetentionDays: v.logRetentionDays,
        archivePrefix: v.archivePrefix,
        drainSchedule: v.drainSchedule === "off" ? false : v.drainSchedule,
        certificateArn: v.certificateArn,
        allowPlainHttp: v.allowPlainHttp,
        deletionProtection: v.deletionProtection,
        environment,
        // Issue 22: the web tier's architecture and capacity, the drain's capacity, ECS Exec.
        ...(v.cpuArchitecture === undefined ? {} : { cpuArchitecture: v.cpuArchitecture as ServiceSettings["cpuArchitecture"] }),
        ...(placementCapacity.web === undefined ? {} : { capacityProviderStrategy: placementCapacity.web }),
        ...(placementCapacity.allowWebOnSpot === undefined ? {} : { allowWebOnSpot: placementCapacity.allowWebOnSpot }),
        ...(placementCapacity.drain === undefined ? {} : { drainCapacityProviderStrategy: placementCapacity.drain }),
        ...(v.exec === undefined ? {} : { exec: v.exec as unknown as ServiceSettings["exec"] }),
    };
    problems.push(...validateServiceArgs({ ...service, accessPoint: "app" }).map((p) => ({ ...p, property: toConfigKey(p.property) })));
    const workerCapacityProblems = validateWorkerArgs({ capacityProviderStrategy: placementCapacity.worker });
    problems.push(...workerCapacityProblems.map((p) => ({ ...p, property: p.property.replace(/^capacityProviderStrategy/, "capacityProviders.worker") })));
    const placeholder = operation === "update" && v.certificateArn !== undefined ? placeholderArnReason(v.certificateArn) : undefined;
    if (placeholder) {
        problems.push({
            property: "certificateArn",
            reason:
                `is a placeholder (${placeholder}); pulumi up refuses it before creating anything, since AWS would refuse it only at the HTTPS ` +
                `listener, after the network and storage exist. Set your ACM certificate: pulumi config set certificateArn ` +
                `arn:aws:acm:<region>:<account>:certificate/<id>, or opt out of TLS with allowPlainHttp: true and no certificateArn`,
        });
    }

    // A key that failed to parse is reported once, not again by the checks that ran on its stand-in.
    const reported = [...parseProblems, ...problems.filter((p) => !badKeys.has(p.property.split(".")[0]))];
    if (reported.length > 0) {
        throw new ConfigError(reported.map((p) => ({ key: p.property.includes(":") ? p.property : fullKey(p.property), reason: p.reason })));
    }
    return {
        region: regionName!,
        azCount,
        availabilityZones: azNames,
        network,
        fileSystem,
        accessPoint,
        archive: { lifecycle: archiveLifecycle, kmsKeyArn: v.archiveKmsKeyArn, retainOnDelete: v.retainOnDelete },
        service,
        worker,
        monitoring,
        usage,
        logAnalytics,
        cdn,
        workQueue,
        placement: { cpuArchitecture: service.cpuArchitecture, ...placementCapacity, exec: service.exec },
    };
}

/** Maps a component's argument names onto config keys (names not in the map are already config keys). */
function renamed(problems: readonly Problem[], names: Readonly<Record<string, string>>): Problem[] {
    return problems
        .filter((p) => p.property !== "availabilityZoneNames" && p.property !== "subnets") // reported as azCount above
        .map((p) => ({ ...p, property: names[p.property] ?? p.property }));
}

/**
 * The program's config: Pulumi's raw values, checked against the AZs the account really has in the region and, when
 * the stack passes in a topic key, against what KMS says of it. Both lookups are made before any resource is registered.
 */
export async function readStackConfig(): Promise<StackConfig> {
    const { raw, foreign, stackKey } = inProjectNamespace(pulumi.runtime.allConfig(), pulumi.getProject());
    const operation: Operation = pulumi.runtime.isDryRun() ? "preview" : "update";
    const parse = (region: RegionFacts) => reportedAsSet(() => parseStackConfig(raw, region, operation), foreign, stackKey);
    if (!raw["aws:region"]) {
        return parse({}); // throws, naming aws:region along with everything else that is wrong
    }
    const zones = await aws.getAvailabilityZones({
        state: "available",
        // Local Zones and Wavelength Zones have no EFS or Fargate; only the region's own AZs count.
        filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }],
    });
    return parse({ availabilityZones: zones.names, topicKey: await describeTopicKey(raw) });
}

// ---- issue 21: a project made from the template (`pulumi new`), and the template's alarmEmail prompt -------------

/** The stack's config with the project's keys read as this program's, and how to name a key as the stack sets it. */
export interface ProjectConfig {
    /** Full keys to values, the project's own keys under `fargate-efs-s3:` (what parseStackConfig reads). */
    readonly raw: Record<string, string>;
    /** Keys this program cannot read in a project named otherwise (those of this repository's namespace). */
    readonly foreign: { key: string; reason: string }[];
    /** The key to name in a problem: `fargate-efs-s3:azCount` → `<project>:azCount`. */
    readonly stackKey: (key: string) => string;
}

/**
 * `pulumi new` names the project after the user's choice (by default the directory), and project config keys live
 * in the project's namespace: Pulumi.yaml's declarations and the template's prompts become `<project>:<key>`
 * (https://www.pulumi.com/docs/iac/concepts/config/: "In cases where a simple name without a colon is used, Pulumi
 * automatically uses the current project name from `Pulumi.yaml` as the namespace."). The program reads its keys in
 * the project's namespace under any project name. A key left in this repository's namespace (a stack file copied
 * from the template) is reported with the key to use: the CLI writes every declared default into the project's
 * namespace, so reading both would pit each copied value against a default the stack never chose.
 */
export function inProjectNamespace(all: Readonly<Record<string, string>>, project: string): ProjectConfig {
    if (project === NAMESPACE) {
        return { raw: { ...all }, foreign: [], stackKey: (key) => key };
    }
    const raw: Record<string, string> = {};
    const foreign: { key: string; reason: string }[] = [];
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(`${project}:`)) {
            raw[fullKey(key.slice(project.length + 1))] = value;
        } else if (key.startsWith(`${NAMESPACE}:`)) {
            const name = key.slice(NAMESPACE.length + 1);
            foreign.push({ key, reason: `is in the template's namespace, but this project is ${project}: set ${project}:${name} instead (in the stack file, rename the key)` });
        } else {
            raw[key] = value;
        }
    }
    const stackKey = (key: string) => (key.startsWith(`${NAMESPACE}:`) ? `${project}:${key.slice(NAMESPACE.length + 1)}` : key);
    return { raw, foreign, stackKey };
}

/** Parses, and reports every problem at once by the keys the stack sets, the foreign keys among them. */
function reportedAsSet(parse: () => StackConfig, foreign: readonly { key: string; reason: string }[], stackKey: (key: string) => string): StackConfig {
    let problems: { key: string; reason: string }[] = [];
    let config: StackConfig | undefined;
    try {
        config = parse();
    } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        problems = error.problems.map((p) => ({ ...p, key: stackKey(p.key) }));
    }
    if (problems.length > 0 || foreign.length > 0) {
        throw new ConfigError([...foreign, ...problems]);
    }
    return config!;
}

/** `alarmEmail`: the same setting as `monitoring.alarmEmail`, for the template's prompt; both set must agree. */
/**
 * A topic key passed by ARN lives in the stack's region. KMS keys are Regional: "Each Region is isolated … In AWS KMS,
 * they also ensure that every ciphertext can be decrypted by only one key"; a multi-Region key's replica is a key of its
 * own, with its own ARN in that Region (https://docs.aws.amazon.com/kms/latest/developerguide/mrk-when-to-use.html).
 * The SNS guide names no cross-Region key for a topic, and the topic's Region is the stack's: a key ARN of another
 * Region is refused here rather than found out when SNS or the first alarm rejects it.
 */
function topicKeyRegionProblems(keyArn: string | undefined, regionName: string | undefined): Problem[] {
    const keyRegion = typeof keyArn === "string" && keyArn.startsWith("arn:") ? keyArn.split(":")[3] : undefined;
    if (keyRegion === undefined || regionName === undefined || keyRegion === regionName) return [];
    return [
        {
            property: "monitoring.topicKmsKeyId",
            reason: `is a key in ${keyRegion}, but the stack (and its alarm topic) is in ${regionName} (aws:region): SNS encrypts a topic only with a key of its own Region. Name a key in ${regionName} (a multi-Region key's replica there has an ARN of its own), or leave monitoring.topicKmsKeyId unset`,
        },
    ];
}

function withAlarmEmail(monitoring: MonitoringSettings, alarmEmail: string | undefined, problems: Problem[]): MonitoringSettings {
    if (alarmEmail === undefined) {
        return monitoring;
    }
    if (monitoring.alarmEmail !== undefined && monitoring.alarmEmail !== alarmEmail) {
        problems.push({ property: "alarmEmail", reason: `is ${JSON.stringify(alarmEmail)} but monitoring.alarmEmail is ${JSON.stringify(monitoring.alarmEmail)}: set one of them` });
        return monitoring;
    }
    problems.push(...validateMonitoringSettings({ alarmEmail }).map((p) => ({ ...p, property: "alarmEmail" })));
    return { ...monitoring, alarmEmail };
}
