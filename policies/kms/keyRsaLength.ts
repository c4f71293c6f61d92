import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * kms-key-rsa-length — an RSA KMS key used for encryption (`keyUsage` unset or `ENCRYPT_DECRYPT`) is longer than
 * 2048 bits (`RSA_3072` or `RSA_4096`). Controls: CT.KMS.PR.2.
 *
 * Why: 2048-bit RSA is below the strength the control asks for data meant to stay encrypted for years.
 * Severity: medium (advisory). Unknowns: an unknown key spec or usage is a violation.
 * See https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html#key-spec-rsa
 */
export const requireRsaKeyLength: ResourceValidationPolicy = {
    name: "kms-key-rsa-length",
    description: "RSA KMS keys for encryption must be longer than 2048 bits (CT.KMS.PR.2; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.kmsKey, (args, reportViolation) => {
        const props = plainObject(args.props);
        const spec = props.customerMasterKeySpec ?? props.keySpec;
        const usage = props.keyUsage;
        if (spec === undefined || spec === null || (typeof spec === "string" && !spec.startsWith("RSA_"))) {
            return;
        }
        if (typeof usage === "string" && usage !== "ENCRYPT_DECRYPT") {
            return;
        }
        if (!isUnknown(spec) && !isUnknown(usage) && spec !== "RSA_2048") {
            return;
        }
        const detail = isUnknown(spec) ? `its key spec ${why(spec)}` : isUnknown(usage) ? `its keyUsage ${why(usage)}` : `its key spec is "RSA_2048"`;
        reportViolation(`KMS key "${args.name}" must not encrypt with 2048-bit RSA, but ${detail}. Use keySpec "RSA_3072" or "RSA_4096".`);
    }),
};
