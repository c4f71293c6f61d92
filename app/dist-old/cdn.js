"use strict";
/**
 * The content-delivery side of GET /uploads/:id: which archived keys CloudFront serves (CDN_SERVED_PREFIXES, the same
 * patterns the distribution's bucket policy admits) and their URLs under CDN_BASE_URL.
 */
Object.defineProperty(exports, "__esModule", { value: true });
exports.DEFAULT_CDN_SERVED_PREFIXES = void 0;
exports.readCdnConfig = readCdnConfig;
exports.cdnUrls = cdnUrls;
/** The patterns served by default: thumbnails only, never the originals. Must match the program's default. */
exports.DEFAULT_CDN_SERVED_PREFIXES = ["uploads/*/thumbnails/*"];
/** Reads CDN_BASE_URL and CDN_SERVED_PREFIXES; undefined when no CDN is configured. Problems name the variable. */
function readCdnConfig(env, problems) {
    const base = env.CDN_BASE_URL || undefined;
    const patterns = (env.CDN_SERVED_PREFIXES || exports.DEFAULT_CDN_SERVED_PREFIXES.join(",")).split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (patterns.length === 0 || patterns.some((p) => p.startsWith("/") || !/^[A-Za-z0-9!_.*'()\/-]+$/.test(p))) {
        problems.push({ variable: "CDN_SERVED_PREFIXES", reason: `is ${JSON.stringify(env.CDN_SERVED_PREFIXES)}` });
    }
    if (base === undefined)
        return undefined;
    let ok = false;
    try {
        const u = new URL(base);
        ok = u.protocol === "https:" && u.pathname === "/" && !base.endsWith("/") && u.search === "" && u.hash === "";
    }
    catch {
        ok = false;
    }
    if (!ok)
        problems.push({ variable: "CDN_BASE_URL", reason: `is ${JSON.stringify(base)}` });
    return { baseUrl: base, servedPrefixes: patterns };
}
function matches(pattern, key) {
    const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(key);
}
/** The CDN URL of each key the CDN serves, each path segment percent-encoded as S3 keys must be in a URL. */
function cdnUrls(cdn, keys) {
    if (!cdn)
        return [];
    return keys.filter((k) => cdn.servedPrefixes.some((p) => matches(p, k))).map((k) => `${cdn.baseUrl}/${k.split("/").map(encodeURIComponent).join("/")}`);
}
//# sourceMappingURL=cdn.js.map