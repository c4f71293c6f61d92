import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * efs-accesspoint-posix-user — an EFS access point enforces a POSIX user: `posixUser.uid` and `posixUser.gid` are
 * set, and the uid is not 0. Controls: CT.ELASTICFILESYSTEM.PR.4, Security Hub EFS.4.
 *
 * Why: the access point then overrides whatever identity the NFS client claims, so a container running as root
 * still writes as the app's user. Severity: medium (advisory, as efs-accesspoint-root-directory).
 * Unknowns: an unknown uid or gid is a violation.
 * See https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html#enforce-identity-access-points
 * ("When you enforce a user identity, Amazon EFS replaces the NFS client's user and group IDs with the identity configured on the access point").
 */
export const requireAccessPointPosixUser: ResourceValidationPolicy = {
    name: "efs-accesspoint-posix-user",
    description: "EFS access points must enforce a non-root POSIX user (CT.ELASTICFILESYSTEM.PR.4, EFS.4; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.efsAccessPoint, (args, reportViolation) => {
        const user = plainObject(args.props).posixUser;
        const uid = get(user, "uid");
        const gid = get(user, "gid");
        const problems: string[] = [];
        if (isUnknown(uid) || typeof uid !== "number" || uid === 0) {
            problems.push(`posixUser.uid ${uid === 0 ? "is 0 (root)" : why(uid)}`);
        }
        if (isUnknown(gid) || typeof gid !== "number") {
            problems.push(`posixUser.gid ${why(gid)}`);
        }
        if (problems.length > 0) {
            reportViolation(`EFS access point "${args.name}" must enforce a non-root POSIX user, but ${problems.join(" and ")}. Set posixUser: { uid: 1000, gid: 1000 } (the app's user).`);
        }
    }),
};
