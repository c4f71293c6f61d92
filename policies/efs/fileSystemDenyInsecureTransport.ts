import { StackValidationPolicy } from "@pulumi/policy";

import { deniesInsecureTransport, parsePolicyDocument } from "../lib/iamDocument";
import { types, whenStackHas } from "../lib/policy";
import { StackIndex } from "../lib/stack";

/**
 * efs-filesystem-deny-insecure-transport — every EFS file system has a file-system policy that
 * denies clients not using TLS: a `Deny` for principal `*` (or `{ AWS: "*" }`), action `*` (or
 * `elasticfilesystem:*`), with condition `Bool: { "aws:SecureTransport": "false" }` — the statement
 * components/policyStatements.ts renders. An explicit Deny to `*` is safe; an Allow to `*` is not,
 * and the fix never suggests one.
 *
 * Why: it makes encryption in transit a property of the file system, not of each client's mount
 * options. Severity: medium (advisory by default).
 * Joins: by the property dependency of `fileSystemId` (URN), or by ID for existing file systems.
 * Unknowns: a document unknown during preview is reported as unproven.
 * See https://docs.aws.amazon.com/efs/latest/ug/encryption-in-transit.html
 */
export const requireFileSystemTlsOnly: StackValidationPolicy = {
    name: "efs-filesystem-deny-insecure-transport",
    description: "Every EFS file system policy must deny clients that do not use TLS.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.efsFileSystem, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const fix =
            `Add to its aws.efs.FileSystemPolicy a Deny statement for requests without TLS: { Effect: "Deny", Principal: "*", ` +
            `Action: "*", Resource: <file system arn>, Condition: { Bool: { "aws:SecureTransport": "false" } } }. ` +
            `A Deny to Principal "*" only takes access away; never write an Allow to Principal "*" (or { AWS: "*" }), ` +
            `which would let any client that reaches a mount target in: grant access in the clients' IAM roles instead.`;
        for (const fs of index.ofType(types.efsFileSystem)) {
            const policies = index.referrers(fs, [types.efsFileSystemPolicy], "fileSystemId");
            const docs = policies.map((p) => ({ p, doc: parsePolicyDocument(p.props.policy) }));
            if (docs.some(({ doc }) => doc.kind === "document" && doc.statements.some((s) => deniesInsecureTransport(s, "elasticfilesystem:*")))) {
                continue;
            }
            const unknown = docs.find(({ doc }) => doc.kind === "unknown");
            const invalid = docs.find(({ doc }) => doc.kind === "invalid");
            const why = unknown
                ? `the document of file-system policy "${unknown.p.name}" is unknown during preview, so this cannot be proven until it is applied`
                : invalid && invalid.doc.kind === "invalid"
                  ? `file-system policy "${invalid.p.name}" cannot be read: ${invalid.doc.reason}`
                  : policies.length === 0
                    ? "no file-system policy refers to it"
                    : "its file-system policy has no such statement";
            reportViolation(`EFS file system "${fs.name}" must deny clients that do not use TLS, but ${why}. ${fix}`, fs.urn);
        }
    }),
};
