import * as pulumi from "@pulumi/pulumi";

/**
 * The resource-policy statement that refuses every request not made over TLS, for S3 buckets and EFS file
 * systems alike. A deny must cover every caller, so its principal is "*"; allows elsewhere name their roles.
 */
export function denyInsecureTransport(action: string, resource: pulumi.Input<string> | pulumi.Input<string>[]) {
    return {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: action,
        Resource: resource,
        Condition: { Bool: { "aws:SecureTransport": "false" } },
    };
}
