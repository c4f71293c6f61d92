import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, plainObject, show } from "../lib/values";

/**
 * efs-accesspoint-root-directory — an EFS access point confines its clients to a directory below
 * the file-system root: `rootDirectory.path` is set and is not `/`.
 *
 * Why: an access point rooted at `/` gives every client that uses it the whole file system, which
 * defeats the point of one access point per application. Severity: medium (advisory by default).
 * Unknowns: a path unknown during preview is a violation (it cannot be proven).
 * See https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html
 */
export const requireAccessPointSubdirectory: ResourceValidationPolicy = {
    name: "efs-accesspoint-root-directory",
    description: "EFS access points must be rooted in a subdirectory, not at /.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.efsAccessPoint, (args, reportViolation) => {
        const path = get(plainObject(args.props).rootDirectory, "path");
        if (typeof path === "string" && path.replace(/\/+$/, "") !== "") {
            return;
        }
        const why = isUnknown(path) ? "is unknown during preview, so it cannot be proven" : path === undefined || path === null ? "is not set (defaults to /)" : `is ${show(path)}`;
        reportViolation(
            `EFS access point "${args.name}" must confine clients to a subdirectory, but its rootDirectory.path ${why}. ` +
                `Set rootDirectory.path to the application's directory (e.g. "/app") with creationInfo so EFS creates it.`,
        );
    }),
};
