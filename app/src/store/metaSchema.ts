import type { ItemMeta } from "./store";

/**
 * The one schema of `meta.json`: the writers (ingest, log rotation, processing) serialise through {@link metaJson},
 * the readers (the archiver in `serve`, `work` and `archive --once`, and `GET /uploads/:id`) parse through
 * {@link parseMeta}. A file of the wrong shape (`null`, `{}`, `[]`, a missing `key`, …) is a {@link MetaError} naming
 * every field at fault, which the archiver quarantines at once like invalid JSON, instead of throwing out of its loop.
 * A hand-written check rather than a schema library: eleven fields, and the app stays at its few dependencies.
 */
export class MetaError extends Error {
    override name = "MetaError";
}

const HEX64 = /^[0-9a-f]{64}$/;

type Check = (v: unknown) => string | undefined;
const text: Check = (v) => (typeof v === "string" && v !== "" ? undefined : "must be a non-empty string");
const size: Check = (v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? undefined : "must be a non-negative integer");
const sha256: Check = (v) => (typeof v === "string" && HEX64.test(v) ? undefined : "must be 64 lowercase hex digits");
const timestamp: Check = (v) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? undefined : "must be an ISO 8601 time");
const optional =
    (check: Check): Check =>
    (v) =>
        v === undefined ? undefined : check(v);

const THUMBNAIL_FIELDS: Record<string, Check> = { key: text, size, sha256, contentType: text };

const FIELDS: Record<keyof ItemMeta, Check> = {
    id: text,
    kind: (v) => (v === "upload" || v === "log" ? undefined : 'must be "upload" or "log"'),
    name: text,
    size,
    sha256,
    contentType: text,
    key: text,
    receivedAt: timestamp,
    processed: optional((v) => (typeof v === "boolean" ? undefined : "must be true or false")),
    thumbnail: optional((v) => problemsOf(v, THUMBNAIL_FIELDS).join("; ") || undefined),
    noThumbnail: optional(text),
};

function problemsOf(value: unknown, fields: Record<string, Check>): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [`is ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}, not an object`];
    }
    const record = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const [field, check] of Object.entries(fields)) {
        const problem = check(record[field]);
        if (problem !== undefined) problems.push(`${field} ${problem} (is ${JSON.stringify(record[field]) ?? "missing"})`.slice(0, 300));
    }
    return problems;
}

/** Every problem of `value` as an item's metadata; empty when it is one. */
export function metaProblems(value: unknown): string[] {
    return problemsOf(value, FIELDS);
}

/** Parses and checks a meta.json; throws a MetaError naming every problem (invalid JSON included). */
export function parseMeta(json: string, expectedId?: string): ItemMeta {
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch (e) {
        throw new MetaError(`meta.json is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    const problems = metaProblems(value);
    if (problems.length === 0 && expectedId !== undefined && (value as ItemMeta).id !== expectedId) {
        problems.push(`id is ${JSON.stringify((value as ItemMeta).id)}, not the item's directory ${JSON.stringify(expectedId)}`);
    }
    if (problems.length > 0) throw new MetaError(`meta.json does not match its schema: ${problems.join("; ")}`);
    return value as ItemMeta;
}

/** The text of a meta.json: refuses, before anything is written, metadata that no reader would accept. */
export function metaJson(meta: ItemMeta): string {
    const problems = metaProblems(meta);
    if (problems.length > 0) throw new MetaError(`refusing to write meta.json of ${meta.id}: ${problems.join("; ")}`);
    return JSON.stringify(meta);
}
