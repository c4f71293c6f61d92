import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";
import { isUnknown, list, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecs-taskdefinition-memory-limit — a task definition bounds its containers' memory: on Fargate by the task-level
 * `memory` (required there, and the hard limit for every container of the task), elsewhere by each container's
 * `memory` hard limit. Controls: CT.ECS.PR.7. The Control Tower rule asks for a container-level `Memory`; on
 * Fargate the task-level value is the same bound (a task cannot use more), so this rule accepts it.
 *
 * Why: an unbounded container can starve the others on the same host. Severity: medium (advisory).
 * Unknowns: an unknown task memory or (off Fargate) unknown containerDefinitions are unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#task_size
 * ("memory: The amount (in MiB) of memory used by the task … If you use Fargate, this field is required").
 */
export const requireMemoryLimit: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-memory-limit",
    description: "ECS task definitions must limit their containers' memory (CT.ECS.PR.7; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) => {
        const props = plainObject(args.props);
        const compat = list(props.requiresCompatibilities);
        const fargate = !isUnknown(compat) && compat.includes("FARGATE");
        if (fargate) {
            const memory = props.memory;
            if ((typeof memory === "string" && /^\d+$/.test(memory) && Number(memory) > 0) || (typeof memory === "number" && memory > 0)) {
                return;
            }
            reportViolation(`ECS task definition "${args.name}" runs on Fargate and must set its memory, but memory ${why(memory)}. Set memory (MiB) to a Fargate size.`);
            return;
        }
        checkContainers(
            args.name,
            args.props,
            "every container must have a memory hard limit",
            ({ def }) => (typeof def.memory === "number" && def.memory > 0 ? undefined : `sets no memory hard limit`),
            "Set memory (MiB) on each container, or run the task on Fargate with a task-level memory.",
            reportViolation,
        );
    }),
};
