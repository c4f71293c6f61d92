import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";
import { get, show } from "../lib/values";

/**
 * ecs-taskdefinition-container-logging — every container has a `logConfiguration` with a `logDriver`.
 * Controls: CT.ECS.PR.5, Security Hub ECS.9.
 *
 * Why: without a log driver a container's output is lost when the task stops; the app's structured logs and its
 * embedded metrics go to CloudWatch through awslogs. Severity: high (advisory).
 * Unknowns: unknown containerDefinitions are reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_storage
 * ("logConfiguration: The log configuration specification for the container").
 */
export const requireContainerLogging: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-container-logging",
    description: "ECS containers must have a logging configuration (CT.ECS.PR.5, ECS.9; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) =>
        checkContainers(
            args.name,
            args.props,
            "every container must have a logging configuration",
            ({ def }) => {
                const driver = get(def.logConfiguration, "logDriver");
                return typeof driver === "string" && driver !== "" ? undefined : `has no logConfiguration.logDriver (${show(def.logConfiguration)})`;
            },
            `Set logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": <log group>, … } }.`,
            reportViolation,
        ),
    ),
};
