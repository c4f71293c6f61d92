import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { isUnknown } from "../lib/values";

const SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/**
 * s3-bucket-public-access-block — every S3 bucket has an `aws.s3.BucketPublicAccessBlock` with all
 * four settings on: blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets.
 *
 * Why: the archive bucket is never meant to be public; the block stops a later ACL or policy
 * change from exposing it. Severity: high (advisory by default).
 * Joins: by the property dependency of `bucket` (URN), or by bucket name / ID for existing buckets.
 * Unknowns: a setting unknown during preview is a violation.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
export const requireBucketPublicAccessBlock: StackValidationPolicy = {
    name: "s3-bucket-public-access-block",
    description: "Every S3 bucket must have all four public-access blocks on.",
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const fix = `Add an aws.s3.BucketPublicAccessBlock for it with ${SETTINGS.map((s) => `${s}: true`).join(", ")}.`;
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const blocks = index.referrers(bucket, [types.s3PublicAccessBlock], "bucket", ["bucket", "id"]);
            if (blocks.length === 0) {
                reportViolation(`S3 bucket "${bucket.name}" must block public access, but no BucketPublicAccessBlock refers to it. ${fix}`, bucket.urn);
                continue;
            }
            for (const block of blocks) {
                const off = SETTINGS.filter((s) => block.props[s] !== true);
                if (off.length > 0) {
                    const detail = off.map((s) => `${s} is ${isUnknown(block.props[s]) ? "unknown during preview" : block.props[s] === undefined ? "not set" : String(block.props[s])}`);
                    reportViolation(
                        `S3 bucket "${bucket.name}" must block all public access, but in BucketPublicAccessBlock "${block.name}" ${detail.join(", ")}. Set all four settings to true.`,
                        block.urn,
                    );
                }
            }
        }
    },
};
