import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * elb-loadbalancer-access-logs — a load balancer writes access logs to S3: `accessLogs.enabled: true` with a
 * `bucket`. Controls: CT.ELASTICLOADBALANCING.PR.6, CT.ELASTICLOADBALANCING.PR.10, Security Hub ELB.5.
 *
 * Why: access logs are the only record of who called the public upload API (client IP, path, status, TLS
 * protocol). Severity: medium (advisory). Unknowns: unknown `enabled` is a violation; an unknown bucket name
 * counts as set (it comes from the log bucket resource).
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 * ("Access logging is an optional feature of Elastic Load Balancing that is disabled by default").
 */
export const requireAccessLogs: ResourceValidationPolicy = {
    name: "elb-loadbalancer-access-logs",
    description: "Load balancers must write access logs (CT.ELASTICLOADBALANCING.PR.6, PR.10, ELB.5; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.loadBalancers, (args, reportViolation) => {
        const logs = plainObject(args.props).accessLogs;
        const enabled = get(logs, "enabled");
        const bucket = get(logs, "bucket");
        if (enabled === true && bucket !== undefined && bucket !== null && bucket !== "") {
            return;
        }
        const detail = enabled === true ? `accessLogs.bucket ${why(bucket)}` : `accessLogs.enabled ${why(enabled, "is not set (access logging is off by default)")}`;
        reportViolation(`Load balancer "${args.name}" must write access logs, but ${detail}. Set accessLogs: { enabled: true, bucket: <log bucket> } (a bucket with SSE-S3 whose policy admits the ELB log delivery).`);
    }),
};
