import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecs-service-no-public-ip — an ECS service does not assign public IP addresses to its tasks
 * (`networkConfiguration.assignPublicIp` unset or false). Controls: CT.ECS.PR.9, Security Hub ECS.2.
 *
 * Why: the tasks live in private subnets behind the load balancer; a public IP makes a task reachable from the
 * internet wherever its security group allows it. Severity: high (mandatory). Unknowns: unknown is a violation.
 * See https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
 * ("assignPublicIp: Whether the task's elastic network interface receives a public IP address. The default value is DISABLED").
 */
export const forbidServicePublicIp: ResourceValidationPolicy = {
    name: "ecs-service-no-public-ip",
    description: "ECS services must not assign public IP addresses to tasks (CT.ECS.PR.9, ECS.2; severity high).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forType(types.ecsService, (args, reportViolation) => {
        const network = plainObject(args.props).networkConfiguration;
        const assign = get(network, "assignPublicIp");
        if (!isUnknown(assign) && (assign === undefined || assign === null || assign === false)) {
            return;
        }
        reportViolation(`ECS service "${args.name}" must not assign public IPs to its tasks, but networkConfiguration.assignPublicIp ${why(assign)}. Set assignPublicIp: false and run the tasks in private subnets.`);
    }),
};
