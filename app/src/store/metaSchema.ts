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
/** An unpaired UTF-16 surrogate: JSON can carry one (`"\\ud800"`), encodeURIComponent and UTF-8 cannot. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The longest file name (a key's last segment): what most file systems allow. */
export const MAX_NAME_BYTES = 255;
/**
 * S3's longest object key. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html ("The object key
 * name consists of a sequence of Unicode characters encoded in UTF-8, with a maximum length of 1,024 bytes or
 * approximately 1,024 Latin characters.")
 */
const MAX_KEY_BYTES = 1024;
/** A MIME type as the app writes it (sniffed or configured): printable ASCII, so it can go into a header as it is. */
const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i;

type Check = (v: unknown) => string | undefined;
const text: Check = (v) => (typeof v !== "string" || v === "" ? "must be a non-empty string" : LONE_SURROGATE.test(v) ? "must be valid Unicode (it has an unpaired surrogate)" : undefined);
const size: Check = (v) => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? undefined : "must be a non-negative integer");
const sha256: Check = (v) => (typeof v === "string" && HEX64.test(v) ? undefined : "must be 64 lowercase hex digits");
const timestamp: Check = (v) => (typeof v === "string" && !Number.isNaN(Date.parse(v)) ? undefined : "must be an ISO 8601 time");
const mime: Check = (v) => (typeof v === "string" && MIME.test(v) ? undefined : "must be a MIME type such as image/png");
const fileName: Check = (v) => text(v) ?? (typeof v === "string" ? unsafeName(v) : undefined);
const key: Check = (v) => text(v) ?? (Buffer.byteLength(v as string, "utf8") > MAX_KEY_BYTES ? `must be at most ${MAX_KEY_BYTES} bytes (S3's longest key)` : undefined);
const optional =
    (check: Check): Check =>
    (v) =>
        v === undefined ? undefined : check(v);

/**
 * Why a file name cannot be the last segment of a key and a file name, or undefined: the rule ingest applies to a
 * client's name (http/ingest.ts) and the reader to meta.json's.
 */
export function unsafeName(name: string): string | undefined {
    if (name === "") return "is empty";
    if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) return `is longer than ${MAX_NAME_BYTES} bytes`;
    if (name === "." || name === ".." || name.includes("/") || name.includes("\\")) return "contains a path (/, \\, . or ..)";
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "contains control characters";
    if (name !== name.trim()) return "starts or ends with white space";
    if (name.includes("\ufffd")) return "is not valid UTF-8";
    if (LONE_SURROGATE.test(name)) return "is not valid Unicode (it has an unpaired surrogate)";
    return undefined;
}

const THUMBNAIL_FIELDS: Record<string, Check> = { key, size, sha256, contentType: mime };

const FIELDS: Record<keyof ItemMeta, Check> = {
    id: text,
    kind: (v) => (v === "upload" || v === "log" ? undefined : 'must be "upload" or "log"'),
    name: fileName,
    size,
    sha256,
    contentType: mime,
    key,
    receivedAt: timestamp,
    processed: optional((v) => (typeof v === "boolean" ? undefined : "must be true or false")),
    thumbnail: optional((v) => problemsOf(v, THUMBNAIL_FIELDS).join("; ") || undefined),
    noThumbnail: optional(text),
};

/** A value as a problem shows it: short, whatever its size or depth (JSON.stringify recurses; a deep value would throw). */
function shown(v: unknown): string {
    if (v === undefined) return "missing";
    if (typeof v === "object" && v !== null) return Array.isArray(v) ? `an array of ${v.length}` : `an object`;
    return JSON.stringify(v).slice(0, 100);
}

function problemsOf(value: unknown, fields: Record<string, Check>): string[] {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return [`is ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}, not an object`];
    }
    const record = value as Record<string, unknown>;
    const problems: string[] = [];
    for (const [field, check] of Object.entries(fields)) {
        const problem = check(record[field]);
        if (problem !== undefined) problems.push(`${field} ${problem} (is ${shown(record[field])})`.slice(0, 300));
    }
    // No field the schema does not know: a writer of this version never adds one (metaJson checks the same), so one is
    // a file this version did not write. A later version that adds a field ships the reader first.
    const unknown = Object.keys(record).filter((k) => !Object.hasOwn(fields, k));
    if (unknown.length > 0) problems.push(`has fields the schema does not know: ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}${unknown.length > 5 ? ", …" : ""}`);
    return problems;
}

/** Every problem of `value` as an item's metadata; empty when it is one. */
export function metaProblems(value: unknown): string[] {
    const problems = problemsOf(value, FIELDS);
    const meta = value as ItemMeta;
    // The thumbnail's key is made from the original's by its name (archiveItem.ts): the key must end with it.
    if (problems.length === 0 && !meta.key.endsWith(`/${meta.name}`)) problems.push(`key ${shown(meta.key)} does not end with /${meta.name}`);
    return problems;
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
