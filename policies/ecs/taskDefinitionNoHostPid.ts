import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecs-taskdefinition-no-host-pid — a task definition does not share the host's process namespace
 * (`pidMode` is unset or `task`). Controls: CT.ECS.PR.10, Security Hub ECS.3.
 *
 * Why: with `pidMode: "host"` a container sees (and, as root, can signal) every process on the host.
 * Severity: high (mandatory). Unknowns: an unknown pidMode is a violation.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#other_task_definition_params
 * ("If host is specified, all containers within the tasks that specified the host PID mode on the same container instance share the same process namespace with the host Amazon EC2 instance").
 */
export const forbidHostPidMode: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-no-host-pid",
    description: "ECS task definitions must not share the host's process namespace (CT.ECS.PR.10, ECS.3; severity high).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) => {
        const mode = plainObject(args.props).pidMode;
        if (!isUnknown(mode) && (mode === undefined || mode === null || mode === "task")) {
            return;
        }
        reportViolation(`ECS task definition "${args.name}" must not share the host's process namespace, but pidMode ${why(mode)}. Remove pidMode or set it to "task".`);
    }),
};
