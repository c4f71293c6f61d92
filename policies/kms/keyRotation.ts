import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * kms-key-rotation — a symmetric customer managed KMS key (`customerMasterKeySpec`/`keySpec` unset or
 * `SYMMETRIC_DEFAULT`) has `enableKeyRotation: true`. Controls: CT.KMS.PR.1, Security Hub KMS.4.
 *
 * Why: yearly rotation limits how much data one key version protects. Severity: medium (advisory).
 * Unknowns: unknown rotation or key spec is a violation.
 * See https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 * ("Automatic key rotation is disabled by default on customer managed keys").
 */
export const requireKeyRotation: ResourceValidationPolicy = {
    name: "kms-key-rotation",
    description: "Symmetric KMS keys must have automatic rotation on (CT.KMS.PR.1, KMS.4; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.kmsKey, (args, reportViolation) => {
        const props = plainObject(args.props);
        const spec = props.customerMasterKeySpec ?? props.keySpec;
        if (typeof spec === "string" && spec !== "SYMMETRIC_DEFAULT") {
            return;
        }
        if (props.enableKeyRotation === true && !isUnknown(spec)) {
            return;
        }
        const detail = isUnknown(spec) ? `its key spec ${why(spec)}` : `enableKeyRotation ${why(props.enableKeyRotation, "is not set (defaults to false)")}`;
        reportViolation(`KMS key "${args.name}" must rotate automatically, but ${detail}. Set enableKeyRotation: true.`);
    }),
};
