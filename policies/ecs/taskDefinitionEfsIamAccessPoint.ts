import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, list, plainObject } from "../lib/values";
import { volumeLabel } from "./taskDefinitionEfsTransitEncryption";

/**
 * ecs-taskdefinition-efs-iam-access-point — every EFS volume of an ECS task definition mounts
 * through an access point (`authorizationConfig.accessPointId`) with IAM authorization
 * (`authorizationConfig.iam: "ENABLED"`).
 *
 * Why: with IAM authorization the file-system policy decides which task roles may mount and write;
 * the access point pins the POSIX identity and the directory. Severity: medium (advisory by default).
 * Unknowns: an access-point ID unknown during preview is fine (it is set, from a resource); an
 * unknown `iam`, authorization block, volume or volume list is a violation.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
 */
export const requireEfsIamAndAccessPoint: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-efs-iam-access-point",
    description: "EFS volumes of ECS task definitions must use IAM authorization and an access point.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) => {
        const volumes = list(plainObject(args.props).volumes);
        const fix = `Set efsVolumeConfiguration.authorizationConfig to { iam: "ENABLED", accessPointId: <access point>.id }.`;
        if (isUnknown(volumes)) {
            reportViolation(`The volumes of task definition "${args.name}" are unknown during preview, so IAM authorization and access points cannot be proven. ${fix}`);
            return;
        }
        volumes.forEach((volume, i) => {
            const efs = get(volume, "efsVolumeConfiguration");
            if (efs === undefined || efs === null) {
                return;
            }
            const label = volumeLabel(volume, i);
            const auth = get(efs, "authorizationConfig");
            const iam = get(auth, "iam");
            const accessPoint = get(auth, "accessPointId");
            const problems: string[] = [];
            if (iam !== "ENABLED") {
                problems.push(isUnknown(iam) ? "IAM authorization is unknown during preview" : "IAM authorization is not enabled");
            }
            if (!isUnknown(accessPoint) && (typeof accessPoint !== "string" || accessPoint === "")) {
                problems.push("it mounts no access point");
            }
            if (problems.length > 0) {
                reportViolation(`EFS volume ${label} of task definition "${args.name}" must use IAM authorization and an access point, but ${problems.join(" and ")}. ${fix}`);
            }
        });
    }),
};
