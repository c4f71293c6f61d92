import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { get } from "../lib/values";
import { why } from "../lib/why";

/**
 * s3-bucket-acls-disabled — every bucket disables ACLs: an `aws.s3.BucketOwnershipControls` with
 * `objectOwnership: "BucketOwnerEnforced"` refers to it, and no `aws.s3.BucketAcl` does. Controls: CT.S3.PR.5,
 * Security Hub S3.12.
 *
 * Why: with ACLs off, only policies decide access, which is what the public-access block and the TLS-only policy
 * reason about. Severity: medium (advisory). Joins: `bucket` property dependency, or the bucket name/id.
 * Unknowns: an unknown ownership setting is a violation.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 * ("Bucket owner enforced (default) – ACLs are disabled, and the bucket owner automatically owns and has full control over every object").
 */
export const requireAclsDisabled: StackValidationPolicy = {
    name: "s3-bucket-acls-disabled",
    description: "S3 buckets must disable ACLs with BucketOwnerEnforced ownership (CT.S3.PR.5, S3.12; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const ownerships = index.referrers(bucket, [types.s3OwnershipControls], "bucket", ["bucket", "id"]);
            const acls = index.referrers(bucket, [...types.s3BucketAcls], "bucket", ["bucket", "id"]);
            const problems: string[] = [];
            if (ownerships.length === 0) {
                problems.push("no BucketOwnershipControls refers to it");
            }
            for (const o of ownerships) {
                const setting = get(o.props.rule, "objectOwnership");
                if (setting !== "BucketOwnerEnforced") {
                    problems.push(`the objectOwnership of BucketOwnershipControls "${o.name}" ${why(setting)}`);
                }
            }
            for (const a of acls) {
                problems.push(`BucketAcl "${a.name}" sets an ACL on it`);
            }
            if (problems.length > 0) {
                reportViolation(`S3 bucket "${bucket.name}" must have ACLs disabled, but ${problems.join("; ")}. Add BucketOwnershipControls with rule.objectOwnership "BucketOwnerEnforced" and no BucketAcl.`, bucket.urn);
            }
        }
    },
};
