import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * cloudwatch-loggroup-kms-encrypted — a log group is encrypted with a customer managed KMS key (`kmsKeyId` set).
 * Controls: CT.CLOUDWATCH.PR.3.
 *
 * Why: CloudWatch Logs always encrypts at rest; a KMS key adds a second, auditable permission (kms:Decrypt) in front
 * of the app's logs, which name upload ids and file names. Severity: low (advisory). Unknowns: an unknown key id
 * counts as set (it comes from a key resource); only an absent one is a violation.
 * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * ("Log group data is always encrypted in CloudWatch Logs. By default, CloudWatch Logs uses server-side encryption … You can optionally use AWS KMS for this encryption").
 */
export const requireLogGroupKms: ResourceValidationPolicy = {
    name: "cloudwatch-loggroup-kms-encrypted",
    description: "CloudWatch log groups must be encrypted with a KMS key (CT.CLOUDWATCH.PR.3; severity low).",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: forType(types.logGroup, (args, reportViolation) => {
        const key = plainObject(args.props).kmsKeyId;
        if (isUnknown(key) || (typeof key === "string" && key !== "")) {
            return;
        }
        reportViolation(`Log group "${args.name}" must be encrypted with a KMS key, but kmsKeyId ${why(key)}. Set kmsKeyId to a customer managed key whose policy admits logs.<region>.amazonaws.com.`);
    }),
};
