import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, list, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * cloudwatch-metricalarm-actions — a metric alarm has at least one `alarmActions` entry and does not turn its
 * actions off (`actionsEnabled` unset or true). Controls: CT.CLOUDWATCH.PR.1, CT.CLOUDWATCH.PR.4.
 *
 * Why: an alarm without an action changes colour on a dashboard nobody watches. Severity: medium (advisory).
 * Unknowns: unknown alarm actions count when the list itself is known (its entries come from a topic); an unknown
 * list or actionsEnabled is a violation.
 * See https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 * ("ActionsEnabled: Indicates whether actions should be executed during any changes to the alarm state. The default is TRUE").
 */
export const requireAlarmActions: ResourceValidationPolicy = {
    name: "cloudwatch-metricalarm-actions",
    description: "CloudWatch alarms must have an alarm action, enabled (CT.CLOUDWATCH.PR.1, PR.4; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.metricAlarm, (args, reportViolation) => {
        const props = plainObject(args.props);
        const problems: string[] = [];
        const actions = list(props.alarmActions);
        if (isUnknown(actions) || actions.length === 0) {
            problems.push(`alarmActions ${isUnknown(actions) ? why(actions) : "is empty"}`);
        }
        const enabled = props.actionsEnabled;
        if (isUnknown(enabled) || enabled === false) {
            problems.push(`actionsEnabled ${why(enabled)}`);
        }
        if (problems.length > 0) {
            reportViolation(`CloudWatch alarm "${args.name}" must act when it fires, but ${problems.join(" and ")}. Add the monitoring topic's ARN to alarmActions and leave actionsEnabled true.`);
        }
    }),
};
