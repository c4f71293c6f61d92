import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { Plain, get, isUnknown, list } from "../lib/values";

export interface LifecycleGlacierConfig {
    /** Objects must move to a Glacier storage class within this many days of creation. */
    maxDays: number;
}

const GLACIER_CLASSES = ["GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"];

type Verdict = "ok" | "unknown" | "none";

/** Whether one lifecycle rule moves current objects to a Glacier class within `maxDays`. */
function ruleVerdict(rule: Plain, maxDays: number, enabled: (rule: Plain) => Plain | boolean | undefined): Verdict {
    if (isUnknown(rule)) {
        return "unknown";
    }
    const status = enabled(rule);
    if (isUnknown(status)) {
        return "unknown";
    }
    if (status !== true && status !== "Enabled") {
        return "none";
    }
    const transitions = list(get(rule, "transitions"));
    if (isUnknown(transitions)) {
        return "unknown";
    }
    let verdict: Verdict = "none";
    for (const t of transitions) {
        const cls = get(t, "storageClass");
        const days = get(t, "days");
        if (isUnknown(cls) || isUnknown(days)) {
            verdict = "unknown";
        } else if (typeof cls === "string" && GLACIER_CLASSES.includes(cls) && typeof days === "number" && days <= maxDays) {
            return "ok";
        }
    }
    return verdict;
}

/**
 * s3-bucket-lifecycle-glacier — every S3 bucket has an enabled lifecycle rule that moves objects
 * to a Glacier storage class (GLACIER, GLACIER_IR or DEEP_ARCHIVE) within `maxDays` days
 * (configurable, default 90), in an `aws.s3.BucketLifecycleConfiguration` (or V2) or legacy
 * inline `lifecycleRules`.
 *
 * Why: the bucket is the long-term archive; keeping it in S3 Standard costs several times more.
 * Severity: low (advisory by default).
 * Unknowns: rules unknown during preview do not count as proof (violation).
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
 */
export const requireGlacierLifecycle: StackValidationPolicy = {
    name: "s3-bucket-lifecycle-glacier",
    description: "Every S3 bucket must move objects to a Glacier storage class within a set number of days.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: {
        properties: {
            maxDays: { type: "integer", minimum: 0, default: 90, description: "Days within which objects must move to a Glacier class." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { maxDays } = args.getConfig<LifecycleGlacierConfig>();
        const index = StackIndex.of(args.resources);
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const verdicts: Verdict[] = [];
            for (const lc of index.referrers(bucket, [...types.s3LifecycleConfigurations], "bucket", ["bucket", "id"])) {
                const rules = list(lc.props.rules);
                verdicts.push(...(isUnknown(rules) ? (["unknown"] as Verdict[]) : rules.map((r) => ruleVerdict(r, maxDays, (x) => get(x, "status")))));
            }
            const inline = list(bucket.props.lifecycleRules);
            verdicts.push(...(isUnknown(inline) ? [] : inline.map((r) => ruleVerdict(r, maxDays, (x) => get(x, "enabled")))));
            if (verdicts.includes("ok")) {
                continue;
            }
            const why = verdicts.includes("unknown")
                ? "its lifecycle rules are unknown during preview, so this cannot be proven"
                : verdicts.length === 0
                  ? "no lifecycle configuration refers to it"
                  : "none of its enabled lifecycle rules does";
            reportViolation(
                `S3 bucket "${bucket.name}" must move objects to a Glacier storage class within ${maxDays} days, but ${why}. ` +
                    `Add an enabled rule to its aws.s3.BucketLifecycleConfiguration with transitions: [{ days: <= ${maxDays}, storageClass: "GLACIER" }].`,
                bucket.urn,
            );
        }
    },
};
