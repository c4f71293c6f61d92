/**
 * Runs the real program (`index.ts`) for a stack's config under Pulumi's mocks and records every resource it
 * registers exactly as the engine would receive it: type, name, URN, parent, inputs in wire form (unknowns as
 * Pulumi's unknown sentinel), dependencies and property dependencies. The offline preview, the program specs and
 * the policy mutation test all run the program through here, so they see one and the same stack.
 *
 * Mocks follow pulumi/examples testing-unit-ts: ids `${name}-id`, inputs echoed back with realistic computed values
 * (ARNs, names, DNS names), data sources stubbed by token. In preview mode new resources get unknown ids and only
 * their inputs come back, as in a real `pulumi preview`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import * as fs from "fs";
import * as path from "path";
import type { StackConfig } from "../config";
import { flattenStackYaml } from "./stackConfigFile";
import type { RecordedResource } from "./analyzer/client";

export type { RecordedResource };

/** The repository root: where Pulumi.yaml, the stack files and index.ts live. */
export const REPO_ROOT = path.resolve(__dirname, "..");
export const PROJECT = "fargate-efs-s3";
const ACCOUNT = "123456789012";
/** Pulumi's wire encoding of an unknown value. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface RecordStackOptions {
    /** The stack name; its config is `Pulumi.<stack>.yaml` unless `configFile` is given. */
    readonly stack: string;
    /** A stack config file to use instead of `Pulumi.<stack>.yaml`. */
    readonly configFile?: string;
    /** Config values laid over the file's (full keys; objects as JSON), e.g. for one-setting-changed tests. */
    readonly overrides?: Readonly<Record<string, string>>;
    /** Run as a preview: unknown ids and computed outputs. Defaults to false (outputs as after an update). */
    readonly preview?: boolean;
    /**
     * Receives every registration as it is made, also when the program then fails (the run's own `resources` are
     * lost with its rejection): for specs that prove a refusal came before anything was registered.
     */
    readonly registrations?: RecordedResource[];
    /**
     * Data-source answers laid over the stubs', by token: what AWS would say of something outside the stack, such as
     * `aws:kms/getKey:getKey`'s `keyManager` for a key passed in by ARN. Defaults to none.
     */
    readonly invokeAnswers?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A data-source call (invoke) as the program made it: its token and arguments. */
export interface RecordedCall {
    readonly token: string;
    readonly args: Record<string, unknown>;
}

/** What the mocks saw: every registration, every data-source call, and which resources are retained on delete. */
export interface MockRecord {
    readonly resources: RecordedResource[];
    readonly calls: RecordedCall[];
    /** URNs of the resources registered with `retainOnDelete` (a resource option, so not among the inputs). */
    readonly retainedOnDelete: Set<string>;
}

export interface StackRun {
    readonly resources: RecordedResource[];
    /** Every data-source call the program made, in order, with its arguments. */
    readonly calls: readonly RecordedCall[];
    /** The stack outputs, as the program returned them (undefined where unknown in a preview). */
    readonly outputs: Record<string, unknown>;
    /** The stack config the run used, parsed. */
    readonly config: StackConfig;
    /** URNs of the resources registered with `retainOnDelete` (a resource option, so not among the inputs). */
    readonly retainedOnDelete: ReadonlySet<string>;
}

/** AZs by region for the getAvailabilityZones stub; us-west-1 really offers only two. */
const REGION_AZS: Readonly<Record<string, string>> = { "us-east-1": "abcdef", "us-west-1": "ac", "us-west-2": "abcd" };

function azsOf(region: string): string[] {
    return [...(REGION_AZS[region] ?? "abc")].map((letter) => `${region}${letter}`);
}

/** The module part of a type token, as ARNs name the service: `aws:efs/fileSystem:FileSystem` → efs. */
function service(type: string): string {
    const module = type.split(":")[1]?.split("/")[0] ?? "service";
    return { efs: "elasticfilesystem", lb: "elasticloadbalancing", cloudwatch: "logs", vpc: "ec2", appautoscaling: "application-autoscaling" }[module] ?? module;
}

function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
    const arn = `arn:aws:${service(type)}:${region}:${ACCOUNT}:${type.split(":")[2]?.toLowerCase()}/${name}`;
    switch (type) {
        case "awsx:ec2:Vpc": {
            const azs: string[] = inputs.availabilityZoneNames ?? azsOf(region).slice(0, 2);
            return {
                vpcId: `${name}-id`,
                privateSubnetIds: azs.map((az) => `${name}-private-${az}-id`),
                publicSubnetIds: azs.map((az) => `${name}-public-${az}-id`),
            };
        }
        case "awsx:ecr:Image":
            return { imageUri: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}@sha256:${"0".repeat(64)}` };
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${name}-0a1b2c3`;
            return { bucket, arn: `arn:aws:s3:::${bucket}` };
        }
        case "aws:iam/role:Role":
            return { name: inputs.name ?? `${name}-0a1b2c3`, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` };
        case "aws:efs/fileSystem:FileSystem":
            return { arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT}:file-system/fs-${name}` };
        case "aws:efs/accessPoint:AccessPoint":
            return { arn: `arn:aws:elasticfilesystem:${region}:${ACCOUNT}:access-point/fsap-${name}` };
        case "aws:lb/loadBalancer:LoadBalancer":
            return { arn, dnsName: `${name}-1234567890.${region}.elb.amazonaws.com` };
        case "aws:cloudwatch/logGroup:LogGroup": {
            // CloudWatch Logs' own ARN shape (log-group:<name>), which IAM matches `<arn>:*` against.
            const logGroupName = inputs.name ?? `${name}-0a1b2c3`;
            return { arn: `arn:aws:logs:${region}:${ACCOUNT}:log-group:${logGroupName}`, name: logGroupName };
        }
        case "aws:ecr/repository:Repository":
            return { arn, repositoryUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${name}` };
        case "aws:sqs/queue:Queue": {
            // issue 19: SQS ARNs have no resource-type segment, and a queue's id is its URL.
            const queueName = inputs.name ?? `${name}-0a1b2c3`;
            return { name: queueName, arn: `arn:aws:sqs:${region}:${ACCOUNT}:${queueName}`, url: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${queueName}` };
        }
        default:
            return { arn, name: inputs.name ?? `${name}-0a1b2c3` };
    }
}

/**
 * Route tables as awsx tags them (`SubnetType`): the answer depends on the filter, so that a spec can tell which
 * route tables the program asked for.
 */
function routeTablesOf(args: Record<string, any>): string[] {
    const byType: Record<string, string[]> = { Private: ["rtb-private-1", "rtb-private-2"], Public: ["rtb-public-1"] };
    const subnetType = (args.filters as { name: string; values: string[] }[] | undefined)?.find((f) => f.name === "tag:SubnetType")?.values;
    return Object.entries(byType).flatMap(([type, ids]) => (subnetType === undefined || subnetType.includes(type) ? ids : []));
}

function mocks(region: string, preview: boolean, calls: RecordedCall[], answers: RecordStackOptions["invokeAnswers"] = {}): pulumi.runtime.Mocks {
    return {
        newResource(args) {
            // A real preview knows only the inputs of a resource it has not created yet.
            if (preview) {
                return { id: "", state: args.inputs };
            }
            return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs, region) } };
        },
        call(args) {
            calls.push({ token: args.token, args: args.inputs });
            return { ...stubbedCall(args), ...(answers[args.token] ?? {}) };
        },
    };

    function stubbedCall(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:index/getAvailabilityZones:getAvailabilityZones": {
                const names = azsOf(region);
                return { names, zoneIds: names.map((n) => n.replace(region, "use1-az")), id: region };
            }
            case "aws:index/getRegion:getRegion":
                return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com` };
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: "AIDEXAMPLE", id: ACCOUNT };
            case "aws:ec2/getRouteTables:getRouteTables":
                return { ids: routeTablesOf(args.inputs), id: "route-tables" };
            default:
                return args.inputs;
        }
    }
}

/** Loads the program's modules afresh, so that every run registers its resources again. */
function freshProgram(): () => Promise<Record<string, unknown>> {
    for (const id of Object.keys(require.cache)) {
        const rel = path.relative(REPO_ROOT, id);
        if (!rel.startsWith("..") && !rel.includes("node_modules") && (rel === "index.ts" || rel.startsWith("config") || rel.startsWith("components"))) {
            delete require.cache[id];
        }
    }
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require(path.join(REPO_ROOT, "index.ts"));
}

function stackConfigText(opts: RecordStackOptions): { raw: Record<string, string>; file: string } {
    const file = opts.configFile ?? path.join(REPO_ROOT, `Pulumi.${opts.stack}.yaml`);
    const text = fs.readFileSync(file, "utf8");
    return { raw: { ...flattenStackYaml(text), ...opts.overrides }, file };
}

/** A run at a time: the Pulumi runtime's state is per process. */
let running: Promise<unknown> = Promise.resolve();

/**
 * Runs the program for a stack under mocks and records what it registers. Rejects with the program's own error
 * (a `ConfigError` naming every bad key, for a broken config) before anything is recorded as created.
 */
export function recordStack(opts: RecordStackOptions): Promise<StackRun> {
    const run = running.then(() => recordStackNow(opts));
    running = run.catch(() => undefined);
    return run;
}

/** Where the mocks run: the stack name, its region, and whether it is a preview (`pulumi.runtime.isDryRun()`). */
export interface MockOptions {
    readonly stack: string;
    readonly region?: string;
    readonly preview?: boolean;
    /** See {@link RecordStackOptions.registrations}. */
    readonly registrations?: RecordedResource[];
    /** See {@link RecordStackOptions.invokeAnswers}. */
    readonly invokeAnswers?: RecordStackOptions["invokeAnswers"];
}

/**
 * Installs this module's mocks in the Pulumi runtime and records, from then on, what the program registers and
 * which data sources it calls. Used by {@link recordStack} for the whole program, and by specs that build a
 * component on its own.
 */
export async function installMocks(opts: MockOptions): Promise<MockRecord> {
    const region = opts.region ?? "us-east-1";
    const record: MockRecord = { resources: [], calls: [], retainedOnDelete: new Set<string>() };
    await pulumi.runtime.setMocks(mocks(region, opts.preview ?? false, record.calls, opts.invokeAnswers), PROJECT, opts.stack, opts.preview ?? false);
    const monitor = settings.getMonitor() as any;
    // URNs as the engine makes them: a child's type is qualified by its parent's full type chain, and the root
    // stack is left out of every chain (the mock monitor keeps only the parent's last type, and keeps the stack).
    monitor.newUrn = (parent: string, type: string, name: string) => {
        const parentType = parent ? parent.split("::")[2] : undefined;
        const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
        return `urn:pulumi:${opts.stack}::${PROJECT}::${qualified}::${name}`;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp: any) => void) => {
        const type: string = req.getType();
        const name: string = req.getName();
        const parent: string = req.getParent();
        const urn: string = monitor.newUrn(parent, type, name);
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
            propertyDependencies[key] = deps.getUrnsList();
        });
        const resource: RecordedResource = {
            urn,
            type,
            name,
            custom: req.getCustom(),
            parent: parent || undefined,
            provider: req.getProvider() || undefined,
            inputs: req.getObject()?.toJavaScript() ?? {},
            outputs: {},
            dependencies: req.getDependenciesList(),
            propertyDependencies,
        };
        record.resources.push(resource);
        opts.registrations?.push(resource);
        if (req.getRetainondelete()) {
            record.retainedOnDelete.add(urn);
        }
        register(req, (err: any, resp: any) => {
            if (!err && resp) {
                resource.outputs = resp.getObject()?.toJavaScript() ?? {};
                // A provider's state carries the id among its outputs; in a preview a new resource has none yet.
                if (resource.custom && resp.getId()) {
                    resource.outputs = { id: resp.getId(), ...resource.outputs };
                }
            }
            callback(err, resp);
        });
    };
    return record;
}

/**
 * Resolves once every registration and call the program has started is answered: what the engine awaits before it
 * disconnects. Marked @internal in the SDK's types, but it is the engine's own condition, not a delay.
 */
export function registrationsSettled(): Promise<void> {
    return (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

async function recordStackNow(opts: RecordStackOptions): Promise<StackRun> {
    const { raw } = stackConfigText(opts);
    const region = raw["aws:region"] ?? "us-east-1";

    pulumi.runtime.setAllConfig(raw);
    const { resources, calls, retainedOnDelete } = await installMocks({ stack: opts.stack, region, preview: opts.preview, registrations: opts.registrations, invokeAnswers: opts.invokeAnswers });

    const main = freshProgram();
    const { parseStackConfig } = require(path.join(REPO_ROOT, "config")) as typeof import("../config");
    // The program's own error (a ConfigError, say) is caught here and rethrown once: left to the runtime, the stack
    // resource would also reject its internal promises with it, as unhandled rejections.
    let programError: { error: unknown } | undefined;
    const guarded = async () => {
        try {
            return await main();
        } catch (error) {
            programError = { error };
            return {};
        }
    };
    let outputs: Record<string, unknown>;
    try {
        outputs = ((await pulumi.runtime.runInPulumiStack(guarded)) ?? {}) as Record<string, unknown>;
        if (programError) {
            throw programError.error;
        }
    } finally {
        await registrationsSettled();
    }
    const config = parseStackConfig(raw, { availabilityZones: azsOf(region) });
    return { resources, calls, outputs, config, retainedOnDelete };
}
