/**
 * The content-delivery side of GET /uploads/:id: which archived keys CloudFront serves (CDN_SERVED_PREFIXES, the same
 * patterns the distribution's bucket policy admits) and their URLs under CDN_BASE_URL.
 */

/** The patterns served by default: thumbnails only, never the originals. Must match the program's default. */
export const DEFAULT_CDN_SERVED_PREFIXES = ["uploads/*/thumbnails/*"];

export interface CdnConfig {
    /** `https://<distribution or alias>`, without a trailing slash. */
    readonly baseUrl: string;
    /** S3 key patterns (`*` any run of characters, as in a bucket policy's Resource) that the CDN serves. */
    readonly servedPrefixes: readonly string[];
}

/** Reads CDN_BASE_URL and CDN_SERVED_PREFIXES; undefined when no CDN is configured. Problems name the variable. */
export function readCdnConfig(env: NodeJS.ProcessEnv, problems: { variable: string; reason: string }[]): CdnConfig | undefined {
    const base = env.CDN_BASE_URL || undefined;
    const patterns = (env.CDN_SERVED_PREFIXES || DEFAULT_CDN_SERVED_PREFIXES.join(",")).split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (patterns.length === 0 || patterns.some((p) => p.startsWith("/") || !/^[A-Za-z0-9!_.*'()\/-]+$/.test(p))) {
        problems.push({ variable: "CDN_SERVED_PREFIXES", reason: `is ${JSON.stringify(env.CDN_SERVED_PREFIXES)}` });
    }
    if (base === undefined) return undefined;
    let ok = false;
    try {
        const u = new URL(base);
        ok = u.protocol === "https:" && u.pathname === "/" && !base.endsWith("/") && u.search === "" && u.hash === "";
    } catch {
        ok = false;
    }
    if (!ok) problems.push({ variable: "CDN_BASE_URL", reason: `is ${JSON.stringify(base)}` });
    return { baseUrl: base, servedPrefixes: patterns };
}

function matches(pattern: string, key: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(key);
}

/**
 * Storage classes whose objects GetObject (so CloudFront) cannot read until restored. Amazon S3 API reference,
 * GetObject: "If the object you are retrieving is stored in the S3 Glacier Flexible Retrieval storage class, the S3
 * Glacier Deep Archive storage class, the S3 Intelligent-Tiering Archive Access tier, or the S3 Intelligent-Tiering Deep
 * Archive Access tier, before you can retrieve the object you must first restore a copy using RestoreObject. Otherwise,
 * this operation returns an InvalidObjectState error." https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * ListObjectsV2 names GLACIER and DEEP_ARCHIVE; the Intelligent-Tiering archive tiers are opt-in (a bucket
 * configuration the stack never creates). A restored copy expires, so a URL to it would break later: not handed out.
 */
export const FROZEN_STORAGE_CLASSES: readonly string[] = ["GLACIER", "DEEP_ARCHIVE"];

/** An object as ListObjectsV2 lists it (`Contents[]`): its key and storage class (absent means STANDARD). */
export interface ListedObject {
    readonly Key?: string;
    readonly StorageClass?: string;
}

/**
 * The CDN URL of each listed object the CDN serves and GetObject can read now, each path segment percent-encoded as S3
 * keys must be in a URL.
 */
export function cdnUrls(cdn: CdnConfig | undefined, objects: readonly ListedObject[]): string[] {
    if (!cdn) return [];
    return objects
        .filter((o) => !FROZEN_STORAGE_CLASSES.includes(o.StorageClass ?? "STANDARD"))
        .flatMap((o) => (o.Key !== undefined ? [o.Key] : []))
        .filter((k) => cdn.servedPrefixes.some((p) => matches(p, k)))
        .map((k) => `${cdn.baseUrl}/${k.split("/").map(encodeURIComponent).join("/")}`);
}
