import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * elb-loadbalancer-deletion-protection — a load balancer has `enableDeletionProtection: true`.
 * Controls: CT.ELASTICLOADBALANCING.PR.5, Security Hub ELB.6.
 *
 * Why: deleting the load balancer takes the service's public address with it. Severity: medium (advisory: the
 * stack setting `deletionProtection` turns it on; dev leaves it off so that the stack can be destroyed).
 * Unknowns: unknown is a violation.
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#deletion-protection
 */
export const requireDeletionProtection: ResourceValidationPolicy = {
    name: "elb-loadbalancer-deletion-protection",
    description: "Load balancers must have deletion protection on (CT.ELASTICLOADBALANCING.PR.5, ELB.6; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.loadBalancers, (args, reportViolation) => {
        const on = plainObject(args.props).enableDeletionProtection;
        if (on === true) {
            return;
        }
        reportViolation(`Load balancer "${args.name}" must have deletion protection on, but enableDeletionProtection ${why(on, "is not set (defaults to false)")}. Set the stack config deletionProtection: true.`);
    }),
};
