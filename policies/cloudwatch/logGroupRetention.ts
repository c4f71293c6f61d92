import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { plainObject } from "../lib/values";
import { why } from "../lib/why";

export interface LogGroupRetentionConfig {
    /** The shortest acceptable retention, in days. */
    minimumDays: number;
}

/**
 * cloudwatch-loggroup-retention — a log group keeps its events at least `minimumDays` (default 365); an unset
 * retention (never expire) passes. Controls: CT.CLOUDWATCH.PR.2 (one year), Security Hub CloudWatch.16.
 *
 * Why: incident response needs the logs of the period under investigation. Severity: medium (advisory: retention is
 * the stack setting `logRetentionDays`, a cost choice; dev keeps 14 days). Unknowns: unknown retention is a violation.
 * See https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html
 * ("If a retention policy is not set, log events are retained indefinitely").
 */
export const requireLogRetention: ResourceValidationPolicy = {
    name: "cloudwatch-loggroup-retention",
    description: "CloudWatch log groups must keep events for at least minimumDays (default 365) (CT.CLOUDWATCH.PR.2, CloudWatch.16; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            minimumDays: { type: "integer", minimum: 1, default: 365, description: "Shortest acceptable retention, in days." },
        },
    },
    validateResource: forType(types.logGroup, (args, reportViolation) => {
        const { minimumDays } = args.getConfig<LogGroupRetentionConfig>();
        const days = plainObject(args.props).retentionInDays;
        if (days === undefined || days === null || days === 0 || (typeof days === "number" && days >= minimumDays)) {
            return;
        }
        reportViolation(`Log group "${args.name}" must keep events for at least ${minimumDays} days, but retentionInDays ${why(days)}. Raise the stack config logRetentionDays (or the rule's minimumDays, if a shorter retention is your policy).`);
    }),
};
