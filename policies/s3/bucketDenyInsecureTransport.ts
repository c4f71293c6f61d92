import { StackValidationPolicy } from "@pulumi/policy";

import { deniesInsecureTransport, parsePolicyDocument } from "../lib/iamDocument";
import { types } from "../lib/policy";
import { StackIndex } from "../lib/stack";

/**
 * s3-bucket-deny-insecure-transport — every S3 bucket has a bucket policy that denies requests not
 * sent over TLS: a `Deny` for principal `*`, action `s3:*` (or `*`), with condition
 * `Bool: { "aws:SecureTransport": "false" }`.
 *
 * Why: S3 accepts plain HTTP unless the bucket policy refuses it. Severity: medium (advisory by default).
 * Unknowns: a policy document unknown during preview (typical, since it names the bucket's ARN)
 * is reported as unproven; AnalyzeStack after `pulumi up` sees the real document.
 * See https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html
 */
export const requireBucketTlsOnly: StackValidationPolicy = {
    name: "s3-bucket-deny-insecure-transport",
    description: "Every S3 bucket policy must deny requests that do not use TLS.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const fix = `Add to its aws.s3.BucketPolicy a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket arn>, <bucket arn>/*], Condition: { Bool: { "aws:SecureTransport": "false" } } }.`;
        for (const bucket of index.ofType(...types.s3Buckets)) {
            const policies = index.referrers(bucket, [types.s3BucketPolicy], "bucket", ["bucket", "id"]);
            const docs = policies.map((p) => ({ p, doc: parsePolicyDocument(p.props.policy) }));
            if (docs.some(({ doc }) => doc.kind === "document" && doc.statements.some((s) => deniesInsecureTransport(s, "s3:*")))) {
                continue;
            }
            const unknown = docs.find(({ doc }) => doc.kind === "unknown");
            const invalid = docs.find(({ doc }) => doc.kind === "invalid");
            const why = unknown
                ? `the document of bucket policy "${unknown.p.name}" is unknown during preview, so this cannot be proven until it is applied`
                : invalid && invalid.doc.kind === "invalid"
                  ? `bucket policy "${invalid.p.name}" cannot be read: ${invalid.doc.reason}`
                  : policies.length === 0
                    ? "no bucket policy refers to it"
                    : "its bucket policy has no such statement";
            reportViolation(`S3 bucket "${bucket.name}" must deny requests that do not use TLS, but ${why}. ${fix}`, bucket.urn);
        }
    },
};
