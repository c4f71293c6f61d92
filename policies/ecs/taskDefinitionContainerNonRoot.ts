import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";
import { show } from "../lib/values";

/**
 * ecs-taskdefinition-container-non-root — every container of a task definition names a `user` that is not root
 * (`root`, UID `0`, in `user`, `user:group` or `uid:gid` form). Controls: CT.ECS.PR.3, CT.ECS.PR.8 (user part).
 *
 * Why: without `user` the image's own USER applies, root for most base images; a root process that escapes its
 * read-only root file system or a mounted volume owns everything the task can reach. Severity: high (advisory:
 * containerDefinitions is unknown in most previews, and a mandatory rule would then stop every preview).
 * Unknowns: unknown containerDefinitions are reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_security
 * ("user: The user to use inside the container … When running tasks using the host network mode, don't run containers using the root user (UID 0)").
 */
export const requireNonRootContainers: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-container-non-root",
    description: "ECS containers must run as a non-root user (CT.ECS.PR.3, CT.ECS.PR.8; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) =>
        checkContainers(
            args.name,
            args.props,
            "every container must run as a non-root user",
            ({ def }) => {
                const user = def.user;
                if (typeof user !== "string" || user.trim() === "") {
                    return `sets no user (${show(user)}; the image's USER applies, root by default)`;
                }
                const name = user.split(":")[0].trim();
                return name === "root" || /^0+$/.test(name) ? `runs as ${JSON.stringify(user)}` : undefined;
            },
            `Set user to a non-zero UID (e.g. "1000:1000") matching the EFS access point's posixUser.`,
            reportViolation,
        ),
    ),
};
