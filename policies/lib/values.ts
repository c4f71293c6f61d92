/**
 * Reading resource properties without letting an unknown value decide a rule.
 *
 * @pulumi/policy hands a policy its properties through a proxy that throws `UnknownValueError`
 * when the policy touches a value unknown during a preview; the pack server then reports the
 * policy as an *advisory* "can't run during preview" note, whatever its level. For a mandatory
 * rule that is a silent pass. So every rule here first copies the properties it needs with
 * {@link plain}, which turns each unknown into the {@link UNKNOWN} marker, and then decides
 * explicitly what an unknown means for that rule.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Marks a value that is unknown during a preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");
export type Unknown = typeof UNKNOWN;

export type Plain = null | boolean | number | string | Unknown | Plain[] | { [key: string]: Plain };
export type PlainObject = { [key: string]: Plain };

/**
 * The sentinels @pulumi/policy's deserialiser leaves in place of unknown values, the very set its proxy throws on
 * (proxy.js `isUnknown`). Read from the library, so that they cannot drift from it; an upgrade that moves them
 * stops the pack at start rather than letting unknowns pass as strings.
 */
const UNKNOWN_SENTINELS: ReadonlySet<unknown> = (() => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const proxy = require("@pulumi/policy/proxy") as Record<string, unknown>;
    const names = ["Boolean", "Number", "String", "Array", "Asset", "Archive", "Object"].map((k) => `unknown${k}Value`);
    const missing = names.filter((n) => typeof proxy[n] !== "string");
    if (missing.length > 0) {
        throw new Error(`@pulumi/policy/proxy no longer exports ${missing.join(", ")}: update policies/lib/values.ts`);
    }
    return new Set(names.map((n) => proxy[n]));
})();

/**
 * Deep-copies `value` (a policy's `props` or part of them) with every unknown replaced by {@link UNKNOWN}.
 *
 * It reads each property through its descriptor: the proxy defines no `getOwnPropertyDescriptor` trap, so that
 * yields the raw deserialised value, which is then checked against the unknown sentinels here. Reading through
 * the proxy's `get` instead would throw (and build a stack trace) for every unknown, and proxy every object on
 * the way down: at 10,000 resources in AnalyzeStack that was most of the pack's own time.
 */
export function plain(value: unknown): Plain {
    if (UNKNOWN_SENTINELS.has(value)) {
        return UNKNOWN;
    }
    if (value === null || value === undefined || typeof value !== "object") {
        return (value ?? null) as Plain;
    }
    const source = value as Record<string | number, unknown>;
    if (Array.isArray(value)) {
        const out: Plain[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
            out[i] = plain(read(source, i));
        }
        return out;
    }
    const out: PlainObject = {};
    for (const k of Object.keys(source)) {
        out[k] = plain(read(source, k));
    }
    return out;
}

/** `source[key]` without the proxy's `get` (see {@link plain}); an accessor, which the proxy's target never has, is read through it. */
function read(source: Record<string | number, unknown>, key: string | number): unknown {
    const d = Object.getOwnPropertyDescriptor(source, key);
    if (d === undefined || "value" in d) {
        return d?.value;
    }
    try {
        return source[key];
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return UNKNOWN;
        }
        throw e;
    }
}

/** `plain(props)` as an object. */
export function plainObject(props: unknown): PlainObject {
    const p = plain(props);
    return isObject(p) ? p : {};
}

export function isUnknown(v: unknown): v is Unknown {
    return v === UNKNOWN;
}

export function isObject(v: Plain | undefined): v is PlainObject {
    return v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);
}

/** `v[key]` when `v` is an object; `UNKNOWN` when `v` itself is unknown; otherwise undefined. */
export function get(v: Plain | undefined, key: string): Plain | undefined {
    if (isUnknown(v)) {
        return UNKNOWN;
    }
    return isObject(v) ? v[key] : undefined;
}

/** The elements of `v` when it is an array, `UNKNOWN` when unknown, `[]` when absent. */
export function list(v: Plain | undefined): Plain[] | Unknown {
    if (isUnknown(v)) {
        return UNKNOWN;
    }
    if (v === null || v === undefined) {
        return [];
    }
    return Array.isArray(v) ? v : [v];
}

/** Whether `v` contains an unknown anywhere. */
export function containsUnknown(v: Plain | undefined): boolean {
    if (isUnknown(v)) {
        return true;
    }
    if (Array.isArray(v)) {
        return v.some(containsUnknown);
    }
    return isObject(v) ? Object.values(v).some(containsUnknown) : false;
}

/** Renders a value for a message. */
export function show(v: Plain | undefined): string {
    if (isUnknown(v)) {
        return "(unknown during preview)";
    }
    return v === undefined ? "(not set)" : JSON.stringify(v);
}
