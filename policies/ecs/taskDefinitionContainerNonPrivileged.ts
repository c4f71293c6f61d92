import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";

/**
 * ecs-taskdefinition-container-non-privileged — no container sets `privileged: true`.
 * Controls: CT.ECS.PR.11, Security Hub ECS.4.
 *
 * Why: a privileged container has root on the host. Fargate refuses the parameter, so this guards a task definition
 * that is (or later becomes) EC2-compatible. Severity: high (advisory; see ecs-taskdefinition-container-non-root).
 * Unknowns: unknown containerDefinitions are reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_security
 * ("privileged: When this parameter is true, the container is given elevated privileges on the host container instance … This parameter is not supported for … Fargate").
 */
export const forbidPrivilegedContainers: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-container-non-privileged",
    description: "ECS containers must not run privileged (CT.ECS.PR.11, ECS.4; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) =>
        checkContainers(
            args.name,
            args.props,
            "no container may run privileged",
            ({ def }) => (def.privileged === true ? "sets privileged: true" : undefined),
            "Remove privileged (or set it to false); grant the single Linux capability the container needs instead.",
            reportViolation,
        ),
    ),
};
