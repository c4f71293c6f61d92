import { StackValidationPolicy } from "@pulumi/policy";

import { parsePolicyDocument } from "../lib/iamDocument";
import { types } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { get, isUnknown, list, Plain, show } from "../lib/values";

const INTELLIGENT_TIERING = "aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration";
const CLOUDFRONT = "Service:cloudfront.amazonaws.com";
/** Storage classes (and Intelligent-Tiering tiers) whose objects GetObject answers with InvalidObjectState until restored. */
const FROZEN_CLASSES = ["GLACIER", "DEEP_ARCHIVE"];
const FROZEN_TIERS = ["ARCHIVE_ACCESS", "DEEP_ARCHIVE_ACCESS"];

/** Whether some key can both start with `prefix` and match `pattern` (`*` any run of characters, as in a bucket policy's Resource). */
function overlaps(prefix: string, pattern: string): boolean {
    const star = pattern.indexOf("*");
    if (star < 0) return pattern.startsWith(prefix);
    const literal = pattern.slice(0, star);
    return literal.startsWith(prefix) || prefix.startsWith(literal);
}

/**
 * The key patterns CloudFront may read from `bucket`: the resources of the bucket policies' statements that allow
 * cloudfront.amazonaws.com GetObject. When no policy can be read (unknown in the preview that creates the
 * distribution) or none admits CloudFront by pattern, the whole bucket (`*`) counts as served.
 */
function servedPatterns(index: StackIndex, bucket: StackNode): string[] {
    const patterns: string[] = [];
    for (const p of index.referrers(bucket, [types.s3BucketPolicy], "bucket", ["bucket", "id"])) {
        const doc = parsePolicyDocument(p.props.policy);
        if (doc.kind !== "document") return ["*"];
        for (const s of doc.statements) {
            if (s.effect !== "Allow" || !s.principals.includes(CLOUDFRONT) || s.notResource) continue;
            if (!s.actions.some((a) => /^(s3:)?(\*|GetObject\*?)$/i.test(a) || a === "*")) continue;
            for (const r of s.resources) {
                const slash = r.indexOf("/");
                patterns.push(slash < 0 ? "*" : r.slice(slash + 1));
            }
        }
    }
    return patterns.length > 0 ? patterns : ["*"];
}

/** A lifecycle rule's or tiering configuration's key prefix: `filter.prefix`, `filter.and.prefix` or legacy `prefix`; "" when none. */
function prefixOf(rule: Plain | undefined): Plain {
    const filter = get(rule, "filter");
    for (const v of [get(filter, "prefix"), get(get(filter, "and"), "prefix"), get(rule, "prefix")]) {
        if (isUnknown(v) || (typeof v === "string" && v !== "")) return v;
    }
    return "";
}

/** Why objects under `served` patterns of `bucket` would become unreadable by GetObject; empty when they never do. */
function frozenPaths(index: StackIndex, bucket: StackNode, served: string[]): string[] {
    const problems: string[] = [];
    const hits = (prefix: Plain) => (isUnknown(prefix) ? served : served.filter((pattern) => overlaps(prefix as string, pattern)));
    /** One lifecycle rule's current-version transitions against the served patterns. */
    const checkRule = (rule: Plain, where: string) => {
        const id = show(get(rule, "id"));
        const transitions = list(get(rule, "transitions"));
        if (isUnknown(transitions)) {
            problems.push(`the transitions of lifecycle rule ${id} (${where}) are unknown during preview`);
            return;
        }
        for (const t of transitions) {
            const storageClass = get(t, "storageClass");
            const paths = hits(prefixOf(rule));
            if (paths.length === 0) continue;
            if (isUnknown(storageClass)) {
                problems.push(`lifecycle rule ${id} (${where}) moves ${paths.join(", ")} to a storage class unknown during preview`);
            } else if (typeof storageClass === "string" && FROZEN_CLASSES.includes(storageClass)) {
                const when = get(t, "days") !== undefined ? `after ${show(get(t, "days"))} days` : `on ${show(get(t, "date"))}`;
                problems.push(`lifecycle rule ${id} (${where}) moves current versions under ${show(prefixOf(rule) || "(whole bucket)")} to ${storageClass} ${when}, which includes the served ${paths.join(", ")}`);
            }
        }
    };
    for (const config of index.referrers(bucket, [...types.s3LifecycleConfigurations], "bucket", ["bucket", "id"])) {
        const rules = list(config.props.rules);
        if (isUnknown(rules)) {
            problems.push(`the rules of lifecycle configuration "${config.name}" are unknown during preview, so they cannot be proven to leave the served paths readable`);
            continue;
        }
        for (const rule of rules) {
            if (get(rule, "status") === "Disabled") continue;
            checkRule(rule, `"${config.name}"`);
        }
    }
    // The bucket's own (deprecated) inline lifecycleRules: `enabled`, a legacy `prefix`, the same transitions. Unset, the
    // provider's preview answers this Optional+Computed list as unknown with no property dependency: not a setting.
    const inline = list(bucket.props.lifecycleRules);
    if (isUnknown(inline)) {
        if (bucket.deps("lifecycleRules").length > 0) problems.push(`the inline lifecycleRules of bucket "${bucket.name}" are unknown during preview`);
    } else {
        for (const rule of inline) {
            if (get(rule, "enabled") === false) continue;
            checkRule(rule, `bucket "${bucket.name}"'s inline lifecycleRules`);
        }
    }
    for (const config of index.referrers(bucket, [INTELLIGENT_TIERING], "bucket", ["bucket", "id"])) {
        if (get(config.props as Plain, "status") === "Disabled") continue;
        const paths = hits(prefixOf(config.props as Plain));
        if (paths.length === 0) continue;
        const tierings = list(config.props.tierings);
        const tiers = isUnknown(tierings) ? [] : tierings.map((t) => get(t, "accessTier"));
        if (isUnknown(tierings) || tiers.some(isUnknown)) {
            problems.push(`the tierings of Intelligent-Tiering configuration "${config.name}" are unknown during preview`);
        } else if (tiers.some((t) => typeof t === "string" && FROZEN_TIERS.includes(t))) {
            problems.push(`Intelligent-Tiering configuration "${config.name}" archives ${paths.join(", ")} (${tiers.filter((t) => FROZEN_TIERS.includes(t as string)).join(", ")})`);
        }
    }
    return problems;
}

/**
 * cloudfront-origin-served-paths-readable — the key patterns a CloudFront distribution serves from an S3 origin are
 * never moved by the bucket's lifecycle (current-version transitions) or Intelligent-Tiering archive configurations to
 * a class that GetObject cannot read: GLACIER, DEEP_ARCHIVE, or the ARCHIVE_ACCESS / DEEP_ARCHIVE_ACCESS tiers.
 *
 * Why: CloudFront reads the origin with GetObject; Amazon S3 API reference, GetObject: "If the object you are
 * retrieving is stored in the S3 Glacier Flexible Retrieval storage class, the S3 Glacier Deep Archive storage class,
 * the S3 Intelligent-Tiering Archive Access tier, or the S3 Intelligent-Tiering Deep Archive Access tier, before you
 * can retrieve the object you must first restore a copy using RestoreObject. Otherwise, this operation returns an
 * InvalidObjectState error." https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html — every CDN link to
 * an object older than the transition breaks. GLACIER_IR, STANDARD_IA, ONEZONE_IA and INTELLIGENT_TIERING's
 * frequent/infrequent/instant tiers stay readable. Noncurrent versions are not checked: CloudFront fetches the current one.
 * Severity: high (mandatory).
 * The bucket's own deprecated inline `lifecycleRules` count too (an unset one, unknown with no dependency in a preview,
 * is the provider's computed value, not a setting).
 * Joins: the distribution's origins refer to the bucket by the property dependencies of `origins`; lifecycle and
 * Intelligent-Tiering configurations refer to it by `bucket` (dependency or, once it exists, its name). The served
 * patterns are the `Resource`s of the bucket policy's statements allowing cloudfront.amazonaws.com GetObject; a
 * rule applies to a pattern when some key can match both its prefix and the pattern. A filter by tags or object size
 * does not exempt served objects (nothing in the stack says served objects lack the tags).
 * Unknowns, as in the other mandatory rules: unknown lifecycle rules, transitions or storage classes that could apply
 * are violations ("cannot be proven during preview"); an unknown rule prefix applies to every served pattern; a bucket
 * policy unknown during preview (it names the distribution's ARN) makes the whole bucket count as served.
 */
export const requireReadableServedPaths: StackValidationPolicy = {
    name: "cloudfront-origin-served-paths-readable",
    description: "What a CloudFront distribution serves from S3 is never transitioned to GLACIER, DEEP_ARCHIVE or an Intelligent-Tiering archive tier.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const fix =
            `Keep the served objects readable by GetObject: transition current versions to GLACIER_IR (millisecond reads) instead, or give the lifecycle ` +
            `rule a filter prefix that excludes the served paths (the archive's cdn setting does the former).`;
        const checked = new Set<string>();
        for (const dist of index.ofType(types.cloudfrontDistribution)) {
            const buckets = dist.deps("origins").map((u) => index.get(u)).filter((n): n is StackNode => !!n && (types.s3Buckets as readonly string[]).includes(n.type));
            for (const bucket of buckets.filter((b) => !checked.has(b.urn))) {
                checked.add(bucket.urn);
                const problems = frozenPaths(index, bucket, servedPatterns(index, bucket));
                if (problems.length > 0) {
                    reportViolation(`S3 bucket "${bucket.name}" is the origin of CloudFront distribution "${dist.name}", but ${problems.join("; ")}: GetObject answers InvalidObjectState there, so those CDN links break. ${fix}`, bucket.urn);
                }
            }
        }
    },
};
