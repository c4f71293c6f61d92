import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { get, isUnknown, show } from "../lib/values";

/**
 * s3-bucket-versioning-enabled — every S3 bucket (`aws.s3.Bucket` and the deprecated
 * `aws.s3.BucketV2`) has versioning enabled: an `aws.s3.BucketVersioning` (or
 * `BucketVersioningV2`) that refers to it with status `Enabled`, or legacy inline
 * `versioning.enabled: true`.
 *
 * Why: the bucket is where data lives for good; versioning is what lets an overwritten or deleted
 * object be recovered, and the lifecycle's old-version expiry relies on it. Severity: high (mandatory).
 * Joins: a versioning resource refers to its bucket through the property dependency of `bucket`
 * (URN), or, for buckets that already exist, by the bucket name or ID.
 * Unknowns: a status unknown during preview does not count as enabled (violation); so does unknown
 * inline versioning. Every versioning resource of a bucket must say `Enabled`.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html
 */
export const requireBucketVersioning: StackValidationPolicy = {
    name: "s3-bucket-versioning-enabled",
    description: "Every S3 bucket must have versioning enabled.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const inline = get(bucket.props.versioning, "enabled");
            const versionings = index.referrers(bucket, [...types.s3BucketVersionings], "bucket", ["bucket", "id"]);
            const fix = `Add an aws.s3.BucketVersioning with bucket: <bucket>.id and versioningConfiguration.status: "Enabled" (a literal).`;
            if (versionings.length === 0) {
                if (inline === true) {
                    continue;
                }
                const why = isUnknown(inline) ? "its inline versioning is unknown during preview and no BucketVersioning refers to it" : "no BucketVersioning refers to it";
                reportViolation(`S3 bucket "${bucket.name}" must have versioning enabled, but ${why}. ${fix}`, bucket.urn);
                continue;
            }
            for (const v of versionings) {
                const status = get(v.props.versioningConfiguration, "status");
                if (status === "Enabled") {
                    continue;
                }
                const why = isUnknown(status) ? "is unknown during preview, so it cannot be proven" : `is ${show(status)}`;
                reportViolation(
                    `S3 bucket "${bucket.name}" must have versioning enabled, but the status of its BucketVersioning "${v.name}" ${why}. ` +
                        `Set versioningConfiguration.status to the literal "Enabled".`,
                    v.urn,
                );
            }
        }
    },
};
