import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecs-taskdefinition-awsvpc — a task definition uses `networkMode: "awsvpc"`. Controls: CT.ECS.PR.4,
 * CT.ECS.PR.8 (network-mode part).
 *
 * Why: awsvpc gives each task its own network interface and security group, which is what the EFS security group
 * admits NFS from; `host` shares the host's network stack with every task on it, `bridge` bypasses task security
 * groups. Severity: high (mandatory: a known input, and a violation breaks this architecture's network boundary).
 * Unknowns: an unknown network mode is a violation.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-networking-awsvpc.html
 * ("The awsvpc network mode … gives Amazon ECS tasks the same networking properties as Amazon EC2 instances").
 */
export const requireAwsvpcNetworkMode: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-awsvpc",
    description: "ECS task definitions must use the awsvpc network mode (CT.ECS.PR.4, CT.ECS.PR.8; severity high).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) => {
        const mode = plainObject(args.props).networkMode;
        if (mode === "awsvpc") {
            return;
        }
        reportViolation(`ECS task definition "${args.name}" must use the awsvpc network mode, but networkMode ${why(mode, "is not set (defaults to bridge on EC2)")}. Set networkMode: "awsvpc".`);
    }),
};
