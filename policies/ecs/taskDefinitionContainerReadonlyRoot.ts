import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";
import { show } from "../lib/values";

/**
 * ecs-taskdefinition-container-readonly-root — every container sets `readonlyRootFilesystem: true`.
 * Controls: CT.ECS.PR.6, Security Hub ECS.5.
 *
 * Why: a writable root file system lets a compromised process plant binaries that survive in the task; this app
 * writes only to its EFS mount. Severity: high (advisory; see ecs-taskdefinition-container-non-root on unknowns).
 * Unknowns: unknown containerDefinitions are reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_security
 * ("readonlyRootFilesystem: When this parameter is true, the container is given read-only access to its root file system").
 */
export const requireReadonlyRootFilesystem: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-container-readonly-root",
    description: "ECS containers must have a read-only root file system (CT.ECS.PR.6, ECS.5; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) =>
        checkContainers(
            args.name,
            args.props,
            "every container must have a read-only root file system",
            ({ def }) => (def.readonlyRootFilesystem === true ? undefined : `has readonlyRootFilesystem ${show(def.readonlyRootFilesystem)}`),
            "Set readonlyRootFilesystem: true and give the container a volume for what it writes.",
            reportViolation,
        ),
    ),
};
