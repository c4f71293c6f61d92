/** Reading IAM policy documents (identity and resource policies) given as JSON strings or objects. */
import { Plain, isObject, isUnknown } from "./values";

export interface Statement {
    sid?: string;
    effect: string;
    actions: string[];
    /** True when the statement uses NotAction (every action but some). */
    notAction: boolean;
    resources: string[];
    notResource: boolean;
    principals: string[];
    condition: Record<string, Record<string, unknown>>;
}

export type ParsedDocument = { kind: "document"; statements: Statement[] } | { kind: "unknown" } | { kind: "invalid"; reason: string };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

function principals(p: unknown): string[] {
    if (typeof p === "string") {
        return [p];
    }
    if (p && typeof p === "object") {
        return Object.entries(p as Record<string, unknown>).flatMap(([k, v]) => strings(v).map((x) => (k === "AWS" && x === "*" ? "*" : `${k}:${x}`)));
    }
    return [];
}

/** Parses a policy document; a document unknown during preview, or containing an unknown, is `unknown`. */
export function parsePolicyDocument(v: Plain | undefined): ParsedDocument {
    if (isUnknown(v)) {
        return { kind: "unknown" };
    }
    let doc: unknown = v;
    if (typeof v === "string") {
        if (v.includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9")) {
            return { kind: "unknown" };
        }
        try {
            doc = JSON.parse(v);
        } catch (e) {
            return { kind: "invalid", reason: `it is not valid JSON (${(e as Error).message})` };
        }
    }
    if (!isObject(doc as Plain)) {
        return { kind: "invalid", reason: "it is not a JSON object" };
    }
    const raw = (doc as Record<string, unknown>).Statement;
    const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    return {
        kind: "document",
        statements: list.map((s: any) => ({
            sid: typeof s?.Sid === "string" ? s.Sid : undefined,
            effect: String(s?.Effect ?? ""),
            actions: strings(s?.Action ?? s?.NotAction),
            notAction: s?.NotAction !== undefined,
            resources: strings(s?.Resource ?? s?.NotResource),
            notResource: s?.NotResource !== undefined,
            principals: principals(s?.Principal),
            condition: (s?.Condition && typeof s.Condition === "object" ? s.Condition : {}) as Statement["condition"],
        })),
    };
}

/** Whether `s` denies requests that are not sent over TLS (`aws:SecureTransport` false) to everyone. */
export function deniesInsecureTransport(s: Statement, serviceWildcard: string): boolean {
    if (s.effect !== "Deny" || s.notAction || !s.principals.includes("*")) {
        return false;
    }
    if (!s.actions.some((a) => a === "*" || a.toLowerCase() === serviceWildcard)) {
        return false;
    }
    return Object.entries(s.condition).some(
        ([op, kv]) =>
            ["bool", "boolifexists"].includes(op.toLowerCase()) &&
            Object.entries(kv ?? {}).some(([k, val]) => k.toLowerCase() === "aws:securetransport" && strings(Array.isArray(val) ? val : [String(val)]).includes("false")),
    );
}
