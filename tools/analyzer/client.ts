/**
 * A client for a CrossGuard policy pack that talks to it exactly as the Pulumi CLI does during
 * `pulumi preview --policy-pack <dir>`: it starts `@pulumi/pulumi/cmd/run-policy-pack` in the pack's
 * directory as the CLI's analyzer plugin does (spawn.ts; run-policy-pack registers ts-node itself, so
 * `index.ts` loads as it would under the CLI), reads the gRPC port the pack prints on stdout, and then sends ConfigureStack, GetAnalyzerInfo, Configure (the reconciled
 * `--policy-pack-config`), one Analyze per resource (its inputs) and one AnalyzeStack (every
 * resource's outputs, with parent, dependencies and property dependencies).
 *
 * Used by the policy specs, the policy benchmark and the offline preview (`npm run plan`, which starts the pack's
 * transpiled copy with plain node instead: spawn.ts, StartOptions.launch).
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess } from "child_process";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";

import * as rpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";

import {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPackConfig,
    ReconciledPolicyConfig,
    reconcilePolicyPackConfig,
} from "./config";
import { SpawnedPack, StartOptions, spawnPolicyPack } from "./spawn";
import { toAnalyzerProperties } from "./wire";

export { EnforcementLevel, PolicyConfigError, PolicyPackConfig } from "./config";
export { SpawnedPack, StartOptions, spawnPolicyPack } from "./spawn";
export { UNKNOWN_SENTINEL, secret } from "./wire";

/** One resource as the Pulumi program registered it (recorded by `tools/stackRun.ts`). */
export interface RecordedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    /** Parent URN. */
    parent?: string;
    /** Provider reference (`<provider URN>::<provider ID>`), if any. */
    provider?: string;
    /**
     * Inputs in wire form (google.protobuf.Struct.toJavaScript of the RegisterResource request's
     * object): unknowns are the sentinel "04da6b54-80e4-46f7-96ec-b56ff0331ba9", secrets and
     * resource references in their signature-object forms.
     */
    inputs: Record<string, unknown>;
    /** The resource's state after registration, in wire form; unknown where a preview cannot know it. */
    outputs: Record<string, unknown>;
    /** URNs this resource depends on. */
    dependencies: string[];
    /** Input property name → URNs the property's value came from. */
    propertyDependencies: Record<string, string[]>;
}

export interface PolicyInfo {
    name: string;
    displayName: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
}

export interface AnalyzerInfo {
    name: string;
    displayName: string;
    version: string;
    description: string;
    supportsConfig: boolean;
    policies: PolicyInfo[];
    initialConfig: PolicyPackConfig;
}

/** A policy violation as the CLI reports it. */
export interface PolicyDiagnostic {
    /** The policy's name (same as `policyName`; the name the plan's JSON uses). */
    policy: string;
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    enforcementLevel: EnforcementLevel;
    /** The offending resource; for Analyze the analyzed resource, for AnalyzeStack the one the policy names ("" when none). */
    urn: string;
    message: string;
    description: string;
}


const LEVEL_FROM_PROTO: Record<number, EnforcementLevel> = {
    [pb.EnforcementLevel.ADVISORY]: "advisory",
    [pb.EnforcementLevel.MANDATORY]: "mandatory",
    [pb.EnforcementLevel.DISABLED]: "disabled",
    [pb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_TO_PROTO: Record<EnforcementLevel, pb.EnforcementLevel> = {
    advisory: pb.EnforcementLevel.ADVISORY,
    mandatory: pb.EnforcementLevel.MANDATORY,
    disabled: pb.EnforcementLevel.DISABLED,
    remediate: pb.EnforcementLevel.REMEDIATE,
};

/** How many Analyze calls are in flight at once. */
const ANALYZE_CONCURRENCY = 32;
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

/** A running policy pack and a gRPC connection to it. Not safe for concurrent `runPolicies` calls: Configure is global to the pack. */
export class PolicyPackProcess {
    private info?: AnalyzerInfo;
    private exited = false;

    private constructor(
        readonly packDir: string,
        private readonly child: ChildProcess,
        private readonly client: rpc.AnalyzerClient,
        private readonly stderr: () => string,
    ) {
        child.once("exit", () => (this.exited = true));
    }

    /** Starts the pack in `packDir` as the CLI does (or takes one already started) and connects to it. */
    static async start(packDir: string | SpawnedPack, opts: StartOptions = {}): Promise<PolicyPackProcess> {
        const spawned = typeof packDir === "string" ? spawnPolicyPack(packDir, opts) : packDir;
        const { dir, child } = spawned;
        const port = await spawned.port;
        const stderr = spawned.stderr;
        const client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        });
        const pack = new PolicyPackProcess(dir, child, client, stderr);
        const req = new pb.AnalyzerStackConfigureRequest();
        req.setProject(opts.project ?? "fargate-efs-s3");
        req.setStack(opts.stack ?? "dev");
        req.setDryRun(opts.dryRun ?? true);
        try {
            await pack.call<pb.AnalyzerStackConfigureRequest, pb.AnalyzerStackConfigureResponse>("configureStack", req);
        } catch (e) {
            // Packs built on an older @pulumi/policy do not implement ConfigureStack; the CLI carries on.
            if ((e as { code?: number }).code !== grpc.status.UNIMPLEMENTED) {
                await pack.close();
                throw e;
            }
        }
        return pack;
    }

    private call<Req, Res>(method: keyof rpc.IAnalyzerClient, req: Req): Promise<Res> {
        return new Promise<Res>((resolve, reject) => {
            const fn = (this.client[method] as unknown as (r: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => void).bind(
                this.client,
            );
            fn(req, (err, res) => {
                if (err) {
                    const detail = this.exited ? `\n(policy pack exited)\n${this.stderr()}` : "";
                    reject(Object.assign(new Error(`${method}: ${err.details || err.message}${detail}`), { code: err.code }));
                } else {
                    resolve(res);
                }
            });
        });
    }

    /** GetAnalyzerInfo: the pack's name, version and policies (cached after the first call). */
    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        if (this.info) {
            return this.info;
        }
        const res = await this.call<Empty, pb.AnalyzerInfo>("getAnalyzerInfo", new Empty());
        const initialConfig: PolicyPackConfig = {};
        res.getInitialconfigMap().forEach((v: pb.PolicyConfig, k: string) => {
            initialConfig[k] = { ...(v.getProperties()?.toJavaScript() ?? {}), enforcementLevel: LEVEL_FROM_PROTO[v.getEnforcementlevel()] };
        });
        this.info = {
            name: res.getName(),
            displayName: res.getDisplayname(),
            version: res.getVersion(),
            description: res.getDescription(),
            supportsConfig: res.getSupportsconfig(),
            initialConfig,
            policies: res.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    displayName: p.getDisplayname(),
                    description: p.getDescription(),
                    enforcementLevel: LEVEL_FROM_PROTO[p.getEnforcementlevel()],
                    configSchema: schema
                        ? {
                              properties: (schema.getProperties()?.toJavaScript() ?? {}) as PolicyConfigSchema["properties"],
                              required: schema.getRequiredList(),
                          }
                        : undefined,
                };
            }),
        };
        return this.info;
    }

    /**
     * Configure: reconciles `config` (the JSON of a `--policy-pack-config` file) with the pack's
     * defaults as the CLI does, validates it (throwing a PolicyConfigError that lists every
     * problem) and sends the result. Returns the effective configuration per policy.
     */
    async configure(config: PolicyPackConfig | Record<string, unknown> = {}): Promise<Map<string, ReconciledPolicyConfig>> {
        const info = await this.getAnalyzerInfo();
        const reconciled = reconcilePolicyPackConfig(info.policies, info.initialConfig, config);
        const req = new pb.ConfigureAnalyzerRequest();
        const map = req.getPolicyconfigMap();
        for (const [name, c] of reconciled) {
            const pc = new pb.PolicyConfig();
            pc.setEnforcementlevel(LEVEL_TO_PROTO[c.enforcementLevel]);
            pc.setProperties(Struct.fromJavaScript(c.properties as Record<string, never>));
            map.set(name, pc);
        }
        await this.call<pb.ConfigureAnalyzerRequest, Empty>("configure", req);
        return reconciled;
    }

    /**
     * Analyze: one resource's inputs, as the CLI sends them before the resource is created or
     * updated (for every registered resource, components included). The CLI first sends Remediate;
     * this pack has no remediations, so the client leaves it out.
     */
    async analyze(r: RecordedResource, providers?: ReadonlyMap<string, RecordedResource>): Promise<PolicyDiagnostic[]> {
        const req = new pb.AnalyzeRequest();
        req.setUrn(r.urn);
        req.setType(r.type);
        req.setName(r.name);
        req.setProperties(Struct.fromJavaScript(toAnalyzerProperties(r.inputs) as Record<string, never>));
        req.setOptions(resourceOptions(r));
        const provider = providerResource(r, providers);
        if (provider) {
            req.setProvider(provider);
        }
        const res = await this.call<pb.AnalyzeRequest, pb.AnalyzeResponse>("analyze", req);
        // The CLI attributes every Analyze diagnostic to the analyzed resource, whatever URN it names.
        return diagnostics(res, r.urn).map((d) => ({ ...d, urn: r.urn }));
    }

    /**
     * AnalyzeStack: every resource's outputs, parent, dependencies and property dependencies — given as the
     * recorded resources, or as a request encoded beforehand with {@link analyzeStackRequest} (as the benchmark
     * does, to time the pack apart from building and encoding the request, which the CLI does in Go).
     */
    async analyzeStack(resources: RecordedResource[] | EncodedAnalyzeStackRequest): Promise<PolicyDiagnostic[]> {
        if (Array.isArray(resources)) {
            const res = await this.call<pb.AnalyzeStackRequest, pb.AnalyzeResponse>("analyzeStack", analyzeStackMessage(resources));
            return diagnostics(res, "");
        }
        return diagnostics(pb.AnalyzeResponse.deserializeBinary(await this.analyzeStackResponse(resources)), "");
    }

    /**
     * AnalyzeStack with the request and the answer in their wire encoding: the whole answer, not-applicable reports
     * included, to compare two packs' answers byte for byte.
     */
    analyzeStackResponse(request: EncodedAnalyzeStackRequest): Promise<Buffer> {
        return new Promise<Buffer>((resolve, reject) => {
            this.client.makeUnaryRequest(
                "/pulumirpc.Analyzer/AnalyzeStack",
                (bytes: Buffer) => bytes,
                (bytes: Buffer) => bytes,
                request.bytes,
                (err, r) => (err || !r ? reject(err ?? new Error("analyzeStack: no response")) : resolve(r)),
            );
        });
    }

    /** The pack's process ID (the benchmark reads its CPU time). */
    get pid(): number | undefined {
        return this.child.pid;
    }

    /** Stops the pack process. */
    async close(): Promise<void> {
        this.client.close();
        if (!this.exited) {
            const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
            this.child.kill();
            await exited;
        }
    }
}

/** An AnalyzeStack request in its wire encoding. */
export interface EncodedAnalyzeStackRequest {
    readonly bytes: Buffer;
}

/** The AnalyzeStack request the CLI sends for `resources`, encoded for the wire. */
export function analyzeStackRequest(resources: RecordedResource[]): EncodedAnalyzeStackRequest {
    return { bytes: Buffer.from(analyzeStackMessage(resources).serializeBinary()) };
}

function analyzeStackMessage(resources: RecordedResource[]): pb.AnalyzeStackRequest {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const req = new pb.AnalyzeStackRequest();
    req.setResourcesList(
        resources.map((r) => {
            const ar = new pb.AnalyzerResource();
            ar.setUrn(r.urn);
            ar.setType(r.type);
            ar.setName(r.name);
            ar.setProperties(Struct.fromJavaScript(toAnalyzerProperties(r.outputs) as Record<string, never>));
            ar.setOptions(resourceOptions(r));
            ar.setParent(r.parent ?? "");
            ar.setDependenciesList(r.dependencies);
            const deps = ar.getPropertydependenciesMap();
            for (const [k, urns] of Object.entries(r.propertyDependencies)) {
                // The CLI leaves out properties without dependencies.
                if (urns.length > 0) {
                    const pd = new pb.AnalyzerPropertyDependencies();
                    pd.setUrnsList(urns);
                    deps.set(k, pd);
                }
            }
            const provider = providerResource(r, byUrn);
            if (provider) {
                ar.setProvider(provider);
            }
            return ar;
        }),
    );
    return req;
}

function resourceOptions(r: RecordedResource): pb.AnalyzerResourceOptions {
    const opts = new pb.AnalyzerResourceOptions();
    opts.setParent(r.parent ?? "");
    return opts;
}

/** The resource's provider as the CLI describes it to an analyzer: its inputs, in Analyze and AnalyzeStack alike. */
function providerResource(r: RecordedResource, resources: ReadonlyMap<string, RecordedResource> | undefined): pb.AnalyzerProviderResource | undefined {
    if (!r.provider || !resources) {
        return undefined;
    }
    const urn = r.provider.split("::").slice(0, -1).join("::");
    const p = resources.get(urn);
    if (!p) {
        return undefined;
    }
    const pr = new pb.AnalyzerProviderResource();
    pr.setUrn(p.urn);
    pr.setType(p.type);
    pr.setName(p.name);
    pr.setProperties(Struct.fromJavaScript(toAnalyzerProperties(p.inputs) as Record<string, never>));
    return pr;
}

function diagnostics(res: pb.AnalyzeResponse, defaultUrn: string): PolicyDiagnostic[] {
    return res.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        policyPackVersion: d.getPolicypackversion(),
        enforcementLevel: LEVEL_FROM_PROTO[d.getEnforcementlevel()],
        urn: d.getUrn() || defaultUrn,
        message: d.getMessage(),
        description: d.getDescription(),
    }));
}

/** Starts the pack in `packDir` as the CLI does, or connects to one already started (see {@link PolicyPackProcess.start}). */
export function startPolicyPack(packDir: string | SpawnedPack, opts?: StartOptions): Promise<PolicyPackProcess> {
    return PolicyPackProcess.start(packDir, opts);
}

/** The policy pack directory of this repository. */
export const DEFAULT_PACK_DIR = path.join(__dirname, "..", "..", "policies");

export interface RunPoliciesOptions extends StartOptions {
    /** The pack directory. Defaults to this repository's `policies/`. */
    packDir?: string;
    /** The JSON of a `--policy-pack-config` file (validated: a bad one throws a PolicyConfigError). */
    policyConfig?: PolicyPackConfig | Record<string, unknown>;
    /** A pack already started, to reuse (it is left running); otherwise one is started and stopped. */
    pack?: PolicyPackProcess;
}

export interface RunPoliciesResult {
    /** The pack's policies with their effective enforcement level and config. */
    policies: (PolicyInfo & { config: Record<string, unknown> })[];
    /** Analyze diagnostics in resource order, then AnalyzeStack diagnostics. */
    diagnostics: PolicyDiagnostic[];
}

/**
 * Runs the pack over `resources` as `pulumi preview --policy-pack` does: GetAnalyzerInfo,
 * Configure, Analyze for every resource (pipelined), then AnalyzeStack once.
 */
export async function runPolicies(resources: RecordedResource[], opts: RunPoliciesOptions = {}): Promise<RunPoliciesResult> {
    const pack = opts.pack ?? (await startPolicyPack(opts.packDir ?? DEFAULT_PACK_DIR, opts));
    try {
        const info = await pack.getAnalyzerInfo();
        const reconciled = await pack.configure(opts.policyConfig ?? {});
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const perResource: PolicyDiagnostic[][] = new Array(resources.length);
        let next = 0;
        const worker = async () => {
            while (next < resources.length) {
                const i = next++;
                perResource[i] = await pack.analyze(resources[i], byUrn);
            }
        };
        await Promise.all(Array.from({ length: Math.min(ANALYZE_CONCURRENCY, resources.length) }, worker));
        const stack = await pack.analyzeStack(resources);
        return {
            policies: info.policies.map((p) => {
                const c = reconciled.get(p.name)!;
                return { ...p, enforcementLevel: c.enforcementLevel, config: c.properties };
            }),
            diagnostics: [...perResource.flat(), ...stack],
        };
    } finally {
        if (!opts.pack) {
            await pack.close();
        }
    }
}
