/**
 * Converts property values from the form a Pulumi SDK sends in `RegisterResource` (what
 * `tools/stackRun.ts` records) into the form the Pulumi CLI sends to an analyzer.
 *
 * The engine unmarshals the SDK's struct into a property map and marshals it again for the
 * analyzer with `MarshalOptions{KeepUnknowns: true, KeepSecrets: true}`
 * (pkg/resource/plugin/analyzer_plugin.go). With those options:
 *  - unknowns stay unknown, as the string sentinel below;
 *  - secrets stay secrets, in their signature-object form;
 *  - resource references are not kept (no `KeepResources`): a reference becomes the referenced
 *    resource's ID, or its URN when it has no ID (a component);
 *  - output values are not kept (no `KeepOutputValues`): an output becomes its plain value, or
 *    unknown when it has none, wrapped as a secret when it is secret;
 *  - assets and archives pass through unchanged.
 */

/** The sentinel the SDK and the engine use for a value that is unknown during a preview. */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

/** Wraps a value in the secret signature object, the form `KeepSecrets` marshals a secret to. */
export function secret(value: unknown): Record<string, unknown> {
    return { [SIG_KEY]: SECRET_SIG, value };
}

/** Returns `props` as the CLI would marshal them for `Analyze` / `AnalyzeStack`. */
export function toAnalyzerProperties(props: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
        // A property the SDK left undefined is absent on the wire.
        if (v !== undefined) {
            out[k] = toAnalyzerValue(v);
        }
    }
    return out;
}

function toAnalyzerValue(v: unknown): unknown {
    if (v === null || typeof v !== "object") {
        return v;
    }
    if (Array.isArray(v)) {
        return v.map(toAnalyzerValue);
    }
    const obj = v as Record<string, unknown>;
    switch (obj[SIG_KEY]) {
        case SECRET_SIG:
            return secret(toAnalyzerValue(obj.value));
        case RESOURCE_REFERENCE_SIG: {
            const id = obj.id;
            if (id === UNKNOWN_SENTINEL) {
                return UNKNOWN_SENTINEL;
            }
            return typeof id === "string" && id !== "" ? id : obj.urn;
        }
        case OUTPUT_VALUE_SIG: {
            const value = "value" in obj && obj.value !== undefined ? toAnalyzerValue(obj.value) : UNKNOWN_SENTINEL;
            return obj.secret === true ? secret(value) : value;
        }
        case undefined:
            return toAnalyzerProperties(obj);
        default:
            // Assets and archives: the engine keeps them as they are.
            return obj;
    }
}
