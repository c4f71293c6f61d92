/**
 * Build the stack view once per AnalyzeStack request, not once per stack policy.
 *
 * @pulumi/policy 1.21.0's AnalyzeStack handler (server.js:315-445, `makeAnalyzeStackRpcFun`) builds, for each stack
 * policy in turn, a fresh view of every resource of the stack (server.js:348-407: an object with two closures per
 * resource, `getResourceOptions`, `getProviderResource`, `getPropertyDependencies`, a URN map and the dependency
 * arrays) before it calls the policy. This pack has 19 stack policies; at 10,000 resources that rebuilding, and
 * the garbage it leaves, cost several times what the rules do (`npm run bench -- policy`). The handler and its
 * helpers are local to server.js, so no public API lets a pack share the view; merging the rules into one stack
 * policy would cost them their own names, levels, config and not-applicable reports.
 *
 * So, for exactly the @pulumi/policy version whose source this mirrors, the pack registers its own AnalyzeStack
 * handler with the gRPC server `serve` starts (server.js:111-119): `serve` is looked up on its module at each
 * call (policy.js:63), and for the duration of that synchronous call `addService` is wrapped to swap the handler.
 * The handler is server.js:315-445 line for line, except that the view (server.js:348-407) is built once, on the
 * first policy that needs it, and each policy gets its own array of the same frozen resource objects. Its
 * enforcement levels, `getConfig` and stack tags come from the Configure and ConfigureStack requests, read as
 * server.js:183-193 and 132-136 read them (the stock handlers still run, for Analyze and Remediate).
 *
 * Policies of one request then share their resource objects (as they already share decoded properties, see
 * decodeOnce.ts): none may write to them, and the freeze makes a write to a resource fail loudly rather than leak
 * into the next policy. With any other @pulumi/policy version, or if a function this relies on is missing, nothing
 * is replaced and the stock handler serves (test/policies/lib/stackViewOnce.spec.ts holds both to the same answers).
 */
import * as path from "path";

import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/** The @pulumi/policy version whose server.js the handler below mirrors. */
const MIRRORED_VERSION = "1.21.0";

const INSTALLED = Symbol.for("fargate-efs-s3.stackViewOnce");

type Callback = (err: unknown, response?: unknown) => void;
type Handler = (call: { request: any }, callback: Callback) => unknown;
type Level = "advisory" | "mandatory" | "remediate" | "disabled";
type Policy = { name: string; description?: string; enforcementLevel?: Level; severity?: string; validateStack?: unknown; [k: string]: unknown };
type Serve = ((name: string, version: string, level: Level, args: { policies?: Policy[] }, initialConfig?: unknown) => void) & { [INSTALLED]?: true };

interface Library {
    server: { serve?: Serve };
    grpcServer: { prototype: { addService(service: unknown, implementation: Record<string, Handler>): void } };
    analyzerService: unknown;
    deserializeProperties(struct: unknown, proxySecrets: boolean): Record<string, unknown>;
    unknownCheckingProxy(props: Record<string, unknown>): Record<string, unknown>;
    UnknownValueError: new (...args: never[]) => Error;
    isStackPolicy(p: Policy): boolean;
    getPulumiType(obj: unknown): string | undefined;
    convertEnforcementLevel(level: number): Level;
    makeAnalyzeResponse(ds: Diagnostic[], notApplicable: unknown[] | undefined): unknown;
    asGrpcError(e: unknown, message?: string): Error;
    PolicyNotApplicable: new () => { setPolicyName(n: string): void; setReason(r: string): void };
}

/**
 * Has @pulumi/policy's server build the stack view once per AnalyzeStack request (see the file comment). Call it
 * before `new PolicyPack`. Returns whether the handler will be replaced; false means the stock handler serves.
 */
export function buildStackViewOncePerRequest(): boolean {
    const lib = library();
    if (!lib) {
        return false;
    }
    const stockServe = lib.server.serve!;
    if (stockServe[INSTALLED]) {
        return true;
    }
    const serve: Serve = (name, version, level, args, initialConfig) => {
        const proto = lib.grpcServer.prototype;
        const stockAddService = proto.addService;
        proto.addService = function (this: unknown, service, implementation) {
            const { analyzeStack, configure, configureStack } = implementation;
            if (service === lib.analyzerService && [analyzeStack, configure, configureStack].every((h) => typeof h === "function")) {
                implementation = { ...implementation, ...sharedViewHandlers(lib, name, version, level, args.policies ?? [], configure!, configureStack!) };
            }
            return stockAddService.call(this, service, implementation);
        };
        try {
            return stockServe(name, version, level, args, initialConfig);
        } finally {
            proto.addService = stockAddService;
        }
    };
    serve[INSTALLED] = true;
    lib.server.serve = serve;
    return true;
}

/** The functions the handler uses, from the very modules server.js uses; undefined if any is not as mirrored. */
function library(): Library | undefined {
    try {
        const version = (require("@pulumi/policy/version") as { version?: string }).version;
        if (version !== MIRRORED_VERSION) {
            return undefined;
        }
        // server.js resolves these from its own directory; so does this, to get the same module instances.
        const from = (id: string) => require(require.resolve(id, { paths: [path.dirname(require.resolve("@pulumi/policy/server"))] }));
        const lib: Library = {
            server: require("@pulumi/policy/server"),
            grpcServer: from("@grpc/grpc-js").Server,
            analyzerService: from("@pulumi/pulumi/proto/analyzer_grpc_pb").AnalyzerService,
            PolicyNotApplicable: from("@pulumi/pulumi/proto/analyzer_pb").PolicyNotApplicable,
            deserializeProperties: (s, p) => require("@pulumi/policy/deserialize").deserializeProperties(s, p),
            unknownCheckingProxy: require("@pulumi/policy/proxy").unknownCheckingProxy,
            UnknownValueError: require("@pulumi/policy/proxy").UnknownValueError,
            isStackPolicy: require("@pulumi/policy/policy").isStackPolicy,
            getPulumiType: require("@pulumi/policy/policy").getPulumiType,
            convertEnforcementLevel: require("@pulumi/policy/protoutil").convertEnforcementLevel,
            makeAnalyzeResponse: require("@pulumi/policy/protoutil").makeAnalyzeResponse,
            asGrpcError: require("@pulumi/policy/protoutil").asGrpcError,
        };
        const complete =
            typeof lib.server.serve === "function" &&
            typeof lib.grpcServer?.prototype?.addService === "function" &&
            lib.analyzerService !== undefined &&
            [lib.PolicyNotApplicable, lib.unknownCheckingProxy, lib.UnknownValueError, lib.isStackPolicy, lib.getPulumiType, lib.convertEnforcementLevel, lib.makeAnalyzeResponse, lib.asGrpcError].every(
                (f) => typeof f === "function",
            ) &&
            typeof require("@pulumi/policy/deserialize").deserializeProperties === "function";
        return complete ? lib : undefined;
    } catch {
        return undefined;
    }
}

interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    message: string;
    urn?: string;
    description?: string;
    enforcementLevel: Level;
    severity?: string;
    [k: string]: unknown;
}

/** server.js:646-652, local to server.js: thrown by `args.notApplicable`. */
class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "Policy does not apply");
    }
}

function sharedViewHandlers(lib: Library, packName: string, packVersion: string, packLevel: Level, policies: Policy[], stockConfigure: Handler, stockConfigureStack: Handler) {
    // server.js:59 and 63, as Configure and ConfigureStack set them.
    let policyPackConfig: Record<string, Record<string, unknown> & { enforcementLevel: Level }> = {};
    let stackTags = freezeMap(new Map<string, string>());

    const configure: Handler = (call, callback) => {
        try {
            // server.js:187-193; on an error the stock handler, which reads the same request, reports it.
            const config: typeof policyPackConfig = {};
            for (const [k, v] of call.request.getPolicyconfigMap().entries()) {
                const props = v.getProperties().toJavaScript();
                props.enforcementLevel = lib.convertEnforcementLevel(v.getEnforcementlevel());
                config[k] = props;
            }
            policyPackConfig = config;
        } catch {
            // the stock handler answers with the error
        }
        return stockConfigure(call, callback);
    };

    const configureStack: Handler = (call, callback) => {
        try {
            // server.js:134-137
            const map = new Map<string, string>();
            call.request.getTagsMap().forEach((v: string, k: string) => map.set(k, v));
            stackTags = freezeMap(map);
        } catch {
            // the stock handler answers with the error
        }
        return stockConfigureStack(call, callback);
    };

    // server.js:448-460
    const makeGetConfigFun = (policyName: string) => () => {
        const c = policyPackConfig[policyName];
        if (!c) {
            return {};
        }
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { enforcementLevel, ...properties } = c;
        return properties;
    };

    // server.js:659-670
    const pushNotApplicable = (notApplicable: unknown[] | undefined, policyName: string, reason?: string) => {
        notApplicable ??= [];
        const na = new lib.PolicyNotApplicable();
        na.setPolicyName(policyName);
        if (reason) {
            na.setReason(reason);
        }
        notApplicable.push(na);
        return notApplicable;
    };

    // server.js:315-445, with the view of server.js:348-407 built once.
    const analyzeStack: Handler = async (call, callback) => {
        const req = call.request;
        const resources: any[] = req.getResourcesList();
        const ds: Diagnostic[] = [];
        let notApplicable: unknown[] | undefined = undefined;
        let view: PolicyResource[] | undefined;
        try {
            for (const p of policies) {
                let enforcementLevel = policyPackConfig[p.name]?.enforcementLevel || p.enforcementLevel || packLevel;
                if (enforcementLevel === "disabled" || !lib.isStackPolicy(p)) {
                    continue;
                }
                if (enforcementLevel === "remediate") {
                    enforcementLevel = "mandatory";
                }
                const pulumiType = lib.getPulumiType(p.validateStack);
                if (pulumiType) {
                    if (!resources.some((r) => r.getType() === pulumiType)) {
                        notApplicable = pushNotApplicable(notApplicable, p.name, `Policy only applies to resources of type '${pulumiType}'`);
                        continue;
                    }
                }
                const reportViolation = makeReportViolationFun(p.name, packName, packVersion, p.description, enforcementLevel, ds, p.severity);
                try {
                    view ??= stackView(lib, resources);
                    const args = {
                        resources: view.slice(),
                        getConfig: makeGetConfigFun(p.name),
                        stackTags,
                        notApplicable: throwNotApplicable,
                    };
                    await Promise.resolve((p as unknown as StackValidationPolicy).validateStack(args as any, reportViolation));
                } catch (e) {
                    const policyFrom = `policy '${p.name}' from policy pack '${packName}@v${packVersion}'`;
                    if (e instanceof lib.UnknownValueError) {
                        // eslint-disable-next-line @typescript-eslint/no-unused-vars
                        const { validateStack, name, ...diag } = p;
                        ds.push({
                            policyName: name,
                            policyPackName: packName,
                            policyPackVersion: packVersion,
                            message: `can't run ${policyFrom} during preview: ${e.message}`,
                            ...diag,
                            enforcementLevel: "advisory",
                        });
                    } else if (e instanceof NotApplicableError) {
                        notApplicable = pushNotApplicable(notApplicable, p.name, e.reason);
                    } else {
                        throw lib.asGrpcError(e, `Error validating resource with ${policyFrom}`);
                    }
                }
            }
        } catch (err) {
            callback(err, undefined);
            return;
        }
        callback(undefined, lib.makeAnalyzeResponse(ds, notApplicable));
    };

    return { analyzeStack, configure, configureStack };
}

/** server.js:348-407: every resource of the request as a policy sees it, frozen (see the file comment). */
function stackView(lib: Library, resources: any[]): PolicyResource[] {
    const intermediates = [];
    for (const r of resources) {
        const type: string = r.getType();
        const deserd = lib.deserializeProperties(r.getProperties(), false);
        const props = lib.unknownCheckingProxy(deserd);
        const resource: any = {
            type,
            props,
            urn: r.getUrn(),
            name: r.getName(),
            opts: getResourceOptions(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (resourceClass: unknown) => isTypeOf(lib, type, resourceClass),
            asType: (resourceClass: unknown) => (isTypeOf(lib, type, resourceClass) ? props : undefined),
        };
        const provider = getProviderResource(lib, r);
        if (provider) {
            resource.provider = provider;
        }
        intermediates.push({
            resource,
            parent: r.getParent() as string,
            dependencies: r.getDependenciesList() as string[],
            propertyDependencies: getPropertyDependencies(r),
        });
    }
    const urnsToResources = new Map<string, any>();
    for (const i of intermediates) {
        urnsToResources.set(i.resource.urn, i.resource);
    }
    for (const i of intermediates) {
        if (i.parent) {
            const parent = urnsToResources.get(i.parent);
            if (parent) {
                i.resource.parent = parent;
            }
        }
        i.resource.dependencies = i.dependencies.map((d) => urnsToResources.get(d)).filter((d) => d);
        for (const k of Object.keys(i.propertyDependencies)) {
            i.resource.propertyDependencies[k] = i.propertyDependencies[k]!.map((d) => urnsToResources.get(d)).filter((d) => d);
        }
    }
    return intermediates.map((i) => {
        for (const deps of Object.values(i.resource.propertyDependencies)) {
            Object.freeze(deps);
        }
        Object.freeze(i.resource.propertyDependencies);
        Object.freeze(i.resource.dependencies);
        Object.freeze(i.resource.opts);
        return Object.freeze(i.resource);
    });
}

/** server.js:462-485 */
function getResourceOptions(r: any) {
    const opts = r.getOptions();
    if (!opts) {
        throw new Error("A more recent version of the Pulumi CLI is required. " + "To upgrade, see https://www.pulumi.com/docs/get-started/install/");
    }
    const result: Record<string, unknown> = {
        protect: opts.getProtect(),
        ignoreChanges: opts.getIgnorechangesList(),
        aliases: opts.getAliasesList(),
        customTimeouts: getCustomTimeouts(opts),
        additionalSecretOutputs: opts.getAdditionalsecretoutputsList(),
    };
    if (opts.getDeletebeforereplacedefined()) {
        result.deleteBeforeReplace = opts.getDeletebeforereplace();
    }
    if (opts.getParent()) {
        result.parent = opts.getParent();
    }
    return result;
}

/** server.js:486-495 */
function getCustomTimeouts(opts: any) {
    const timeouts = opts.getCustomtimeouts();
    return {
        createSeconds: timeouts?.getCreate() ?? 0.0,
        updateSeconds: timeouts?.getUpdate() ?? 0.0,
        deleteSeconds: timeouts?.getDelete() ?? 0.0,
    };
}

/** server.js:496-510 */
function getProviderResource(lib: Library, r: any) {
    const prov = r.getProvider();
    if (!prov) {
        return undefined;
    }
    const props = lib.unknownCheckingProxy(lib.deserializeProperties(prov.getProperties(), false));
    return { type: prov.getType(), props, urn: prov.getUrn(), name: prov.getName() };
}

/** server.js:511-522 */
function getPropertyDependencies(r: any): Record<string, string[]> {
    const result: Record<string, string[]> = {};
    const map = r.getPropertydependenciesMap();
    if (map) {
        for (const [k, v] of map.entries()) {
            result[k] = v.getUrnsList();
        }
    }
    return result;
}

/** server.js:523-538 */
function isTypeOf(lib: Library, type: string, resourceClass: any): boolean {
    const pulumiType = lib.getPulumiType(resourceClass);
    if (pulumiType) {
        return type === pulumiType;
    }
    const isInstance = resourceClass.isInstance;
    return isInstance && typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

/** server.js:653-655 */
function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** server.js:147-158 */
function freezeMap<K, V>(map: Map<K, V>) {
    return Object.freeze({
        entries: map.entries.bind(map),
        forEach: map.forEach.bind(map),
        get: map.get.bind(map),
        has: map.has.bind(map),
        keys: map.keys.bind(map),
        size: map.size,
        values: map.values.bind(map),
        [Symbol.iterator]: map[Symbol.iterator].bind(map),
    });
}

/** server.js:674-706 */
function makeReportViolationFun(policyName: string, policyPackName: string, policyPackVersion: string, description: string | undefined, enforcementLevel: Level, ds: Diagnostic[], severity?: string) {
    return (message: any, urn?: string) => {
        if (typeof message === "object") {
            const policyInfo = message;
            ds.push({
                policyName: policyInfo.name || policyName,
                policyPackName,
                policyPackVersion,
                message: policyInfo.message || policyInfo.description || description,
                urn: policyInfo.urn,
                description: policyInfo.description || description,
                enforcementLevel: policyInfo.enforcementLevel || enforcementLevel,
                severity: policyInfo.severity || severity,
            });
        } else {
            let violationMessage = description;
            if (message) {
                violationMessage += `\n${message}`;
            }
            ds.push({
                policyName,
                policyPackName,
                policyPackVersion,
                message: violationMessage!,
                urn,
                description,
                enforcementLevel,
                severity,
            });
        }
    };
}
