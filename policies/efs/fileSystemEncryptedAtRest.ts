import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject, show } from "../lib/values";

/**
 * efs-filesystem-encrypted — an EFS file system is encrypted at rest (`encrypted: true`).
 *
 * Why: encryption at rest can only be chosen when the file system is created; turning it on later
 * means a new file system and a copy. Severity: medium (advisory by default).
 * Unknowns: `encrypted` unknown during preview is a violation (it cannot be proven).
 * See https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html
 */
export const requireEfsEncryptionAtRest: ResourceValidationPolicy = {
    name: "efs-filesystem-encrypted",
    description: "EFS file systems must be encrypted at rest.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.efsFileSystem, (args, reportViolation) => {
        const encrypted = plainObject(args.props).encrypted;
        if (encrypted === true) {
            return;
        }
        const why = isUnknown(encrypted) ? "is unknown during preview, so it cannot be proven" : encrypted === undefined || encrypted === null ? "is not set (defaults to false)" : `is ${show(encrypted)}`;
        reportViolation(
            `EFS file system "${args.name}" must be encrypted at rest, but encrypted ${why}. Set encrypted: true (this replaces an existing file system; copy its data first).`,
        );
    }),
};
