import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { Plain, get, isUnknown, list, plainObject } from "../lib/values";

/** Names a task-definition volume for a message: its name, or its position when the name is unknown. */
export function volumeLabel(volume: Plain, index: number): string {
    const name = get(volume, "name");
    return typeof name === "string" ? `"${name}"` : `#${index} (volumes[${index}])`;
}

/**
 * ecs-taskdefinition-efs-transit-encryption — every volume of an ECS task definition that mounts
 * EFS has `transitEncryption: "ENABLED"`. Every volume is checked, not only the first.
 *
 * Why: without it NFS traffic between the task and the file system travels in clear text, and a
 * file-system policy that denies non-TLS clients makes the mount fail at run time instead.
 * Severity: high (mandatory).
 * Unknowns: a volume list, volume, EFS configuration or `transitEncryption` unknown during a
 * preview is a violation — encryption cannot be proven, so the value must be set literally.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
 */
export const requireEfsTransitEncryption: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-efs-transit-encryption",
    description: "Every EFS volume of an ECS task definition must use encryption in transit.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) => {
        const volumes = list(plainObject(args.props).volumes);
        if (isUnknown(volumes)) {
            reportViolation(
                `The volumes of task definition "${args.name}" are unknown during preview, so encryption in transit of its EFS volumes cannot be proven. ` +
                    `Declare the volumes literally, each EFS one with efsVolumeConfiguration.transitEncryption: "ENABLED".`,
            );
            return;
        }
        volumes.forEach((volume, i) => {
            const label = volumeLabel(volume, i);
            if (isUnknown(volume)) {
                reportViolation(
                    `Volume ${label} of task definition "${args.name}" is unknown during preview, so it may mount EFS without encryption in transit. ` +
                        `Declare it literally; an EFS volume needs efsVolumeConfiguration.transitEncryption: "ENABLED".`,
                );
                return;
            }
            const efs = get(volume, "efsVolumeConfiguration");
            if (efs === undefined || efs === null) {
                return;
            }
            if (isUnknown(efs)) {
                reportViolation(
                    `The efsVolumeConfiguration of volume ${label} in task definition "${args.name}" is unknown during preview, so encryption in transit cannot be proven. ` +
                        `Declare it literally with transitEncryption: "ENABLED".`,
                );
                return;
            }
            const transit = get(efs, "transitEncryption");
            if (transit === "ENABLED") {
                return;
            }
            const why = isUnknown(transit)
                ? "is unknown during preview, so it cannot be proven"
                : transit === undefined || transit === null
                  ? "is not set (ECS defaults to DISABLED)"
                  : `is ${JSON.stringify(transit)}`;
            reportViolation(
                `EFS volume ${label} of task definition "${args.name}" must use encryption in transit, but its transitEncryption ${why}. ` +
                    `Set efsVolumeConfiguration.transitEncryption to the literal "ENABLED".`,
            );
        });
    }),
};
