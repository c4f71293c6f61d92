/**
 * Deserialise each resource once per request, not once per policy.
 *
 * @pulumi/policy's server turns a resource's properties from protobuf into JavaScript (`Struct.toJavaScript`,
 * then a deep copy) for every policy it runs: in AnalyzeStack, every resource of the stack once per stack
 * policy — seven times over for this pack. At 10,000 resources that repeated decoding, and the garbage it leaves,
 * cost more CPU than all the rules together (bench/policy.bench.ts against its decode-only floor). The server
 * looks the function up on its module at every call, so the pack can wrap it: the properties of one request's
 * Struct are decoded once and handed to every policy, each through its own unknown-checking proxy as before.
 *
 * The policies then share one object per resource, so none may write to `props` (none does: the rules copy
 * what they read with `plain`). Remediation, which asks for secrets kept wrapped, still gets a fresh copy. If a
 * later @pulumi/policy no longer has the function, nothing is wrapped and the pack works as without this.
 */

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;

const WRAPPED = Symbol.for("fargate-efs-s3.decodeOnce");

/** Wraps @pulumi/policy's deserialiser (once per process); returns whether it is in place. */
export function decodeEachResourceOnce(): boolean {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const deserialize = require("@pulumi/policy/deserialize") as { deserializeProperties?: Deserialize & { [WRAPPED]?: true } };
    const original = deserialize.deserializeProperties;
    if (typeof original !== "function") {
        return false;
    }
    if (original[WRAPPED]) {
        return true;
    }
    // Keyed by the request's own Struct objects, so an entry lives exactly as long as its request.
    const decoded = new WeakMap<object, Record<string, unknown>>();
    const once: Deserialize & { [WRAPPED]?: true } = (struct, proxySecrets) => {
        if (proxySecrets || struct === null || typeof struct !== "object") {
            return original(struct, proxySecrets);
        }
        let props = decoded.get(struct);
        if (props === undefined) {
            props = original(struct, false);
            decoded.set(struct, props);
        }
        return props;
    };
    once[WRAPPED] = true;
    deserialize.deserializeProperties = once;
    proxyEachResourceOnce();
    return true;
}

type Proxy = (target: Record<string, unknown>) => Record<string, unknown>;

/**
 * Issue 20: the server also wraps each resource's decoded properties in a fresh unknown-checking proxy for every stack
 * policy (`proxy_1.unknownCheckingProxy(deserd)`, looked up on the module at each call). With the properties decoded
 * once, the same object comes back for every policy, so one proxy per object serves them all: the proxy keeps no state
 * (its `get` trap checks the value read and wraps nested objects anew), and the rules never write through it. Keyed by
 * the decoded object, so a proxy lives as long as its request's properties.
 */
function proxyEachResourceOnce(): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy?: Proxy & { [WRAPPED]?: true } };
    const original = proxy.unknownCheckingProxy;
    if (typeof original !== "function" || original[WRAPPED]) {
        return;
    }
    const proxies = new WeakMap<object, Record<string, unknown>>();
    const once: Proxy & { [WRAPPED]?: true } = (target) => {
        if (target === null || typeof target !== "object") {
            return original(target);
        }
        let wrapped = proxies.get(target);
        if (wrapped === undefined) {
            wrapped = original(target);
            proxies.set(target, wrapped);
        }
        return wrapped;
    };
    once[WRAPPED] = true;
    proxy.unknownCheckingProxy = once;
}
