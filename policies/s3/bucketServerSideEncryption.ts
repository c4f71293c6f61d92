import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { Plain, get, isUnknown, list } from "../lib/values";
import { why } from "../lib/why";

export interface BucketEncryptionConfig {
    /** Require SSE-KMS (aws:kms or aws:kms:dsse) rather than any server-side encryption. */
    requireKms: boolean;
}

const KMS = ["aws:kms", "aws:kms:dsse"];
const ANY = ["AES256", ...KMS];

/**
 * s3-bucket-server-side-encryption — every bucket has a `BucketServerSideEncryptionConfiguration` whose default
 * rule names an algorithm (`AES256`, `aws:kms`, `aws:kms:dsse`); with `requireKms` only the KMS ones.
 * Controls: CT.S3.PR.7 (any SSE), CT.S3.PR.10 (SSE-KMS, with requireKms: true).
 *
 * Why: S3 encrypts new objects with SSE-S3 by default since 2023, but only an explicit configuration survives a
 * later change and states the key. Severity: medium (advisory; configurable). Joins: `bucket` property dependency,
 * or the bucket name/id. Unknowns: an unknown algorithm is a violation.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html
 */
export const requireBucketEncryption: StackValidationPolicy = {
    name: "s3-bucket-server-side-encryption",
    description: "S3 buckets must configure default server-side encryption (CT.S3.PR.7; CT.S3.PR.10 with requireKms; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            requireKms: { type: "boolean", default: false, description: "Require SSE-KMS (CT.S3.PR.10) instead of any server-side encryption." },
        },
    },
    validateStack: (args, reportViolation) => {
        const { requireKms } = args.getConfig<BucketEncryptionConfig>();
        const allowed = requireKms ? KMS : ANY;
        const index = StackIndex.of(args.resources);
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const configs = index.referrers(bucket, [...types.s3ServerSideEncryptions], "bucket", ["bucket", "id"]);
            if (configs.length === 0) {
                reportViolation(`S3 bucket "${bucket.name}" must configure default encryption, but no BucketServerSideEncryptionConfiguration refers to it. Add one with sseAlgorithm ${allowed.map((a) => `"${a}"`).join(" or ")}.`, bucket.urn);
                continue;
            }
            for (const c of configs) {
                const rules = list(c.props.rules);
                const algorithms: (Plain | undefined)[] = isUnknown(rules) ? [rules] : rules.map((r) => get(get(r, "applyServerSideEncryptionByDefault"), "sseAlgorithm"));
                const ok = algorithms.length > 0 && algorithms.every((a) => typeof a === "string" && allowed.includes(a));
                if (!ok) {
                    reportViolation(
                        `S3 bucket "${bucket.name}" must encrypt with ${allowed.join(" or ")}, but the sseAlgorithm of BucketServerSideEncryptionConfiguration "${c.name}" ${algorithms.length === 0 ? "is not set" : algorithms.map((a) => why(a)).join(", ")}. Set rules[].applyServerSideEncryptionByDefault.sseAlgorithm to "${requireKms ? "aws:kms" : "AES256"}".`,
                        c.urn,
                    );
                }
            }
        }
    },
};
