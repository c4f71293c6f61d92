import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, list, plainObject, show } from "../lib/values";

/**
 * ecs-cluster-container-insights — an ECS cluster has the `containerInsights` setting `enabled` (or `enhanced`).
 * Controls: CT.ECS.PR.2, Security Hub ECS.12.
 *
 * Why: without Container Insights there are no per-task CPU, memory and restart metrics to alarm on.
 * Severity: medium (advisory: a monitoring choice, priced per metric). Unknowns: an unknown setting is unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cloudwatch-container-insights.html
 */
export const requireContainerInsights: ResourceValidationPolicy = {
    name: "ecs-cluster-container-insights",
    description: "ECS clusters must have Container Insights on (CT.ECS.PR.2, ECS.12; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.ecsCluster, (args, reportViolation) => {
        const settings = list(plainObject(args.props).settings);
        const value = isUnknown(settings) ? settings : settings.find((s) => get(s, "name") === "containerInsights") && get(settings.find((s) => get(s, "name") === "containerInsights"), "value");
        if (value === "enabled" || value === "enhanced") {
            return;
        }
        const detail = isUnknown(value) ? "is unknown during preview" : value === undefined || value === false ? "is not set (defaults to the account setting, off unless changed)" : `is ${show(value)}`;
        reportViolation(`ECS cluster "${args.name}" must have Container Insights on, but its containerInsights setting ${detail}. Add settings: [{ name: "containerInsights", value: "enabled" }].`);
    }),
};
