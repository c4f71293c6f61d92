/**
 * Deserialise each resource once per request, not once per policy.
 *
 * @pulumi/policy's server turns a resource's properties from protobuf into JavaScript (`Struct.toJavaScript`,
 * then a deep copy) for every policy it runs: in Analyze, once per resource policy that applies to the resource; in
 * AnalyzeStack, every resource of the stack once per stack policy (unless stackViewOnce.ts replaced that handler,
 * which decodes each resource once anyway). At 10,000 resources that repeated decoding, and the garbage it leaves,
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
    return true;
}
