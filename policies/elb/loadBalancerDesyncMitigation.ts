import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

const SAFE = ["defensive", "strictest"];

/**
 * elb-loadbalancer-desync-mitigation — an Application Load Balancer's `desyncMitigationMode` is `defensive` or
 * `strictest`; unset means AWS's default, `defensive`. Controls: CT.ELASTICLOADBALANCING.PR.3, Security Hub ELB.12.
 *
 * Why: `monitor` forwards ambiguous requests (HTTP desync / request smuggling) to the targets. Severity: medium
 * (mandatory). Unknowns: an unknown mode is a violation.
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#desync-mitigation-mode
 * ("The default is defensive mode").
 */
export const requireDesyncMitigation: ResourceValidationPolicy = {
    name: "elb-loadbalancer-desync-mitigation",
    description: "Application Load Balancers must use defensive or strictest desync mitigation (CT.ELASTICLOADBALANCING.PR.3, ELB.12; severity medium).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forType(types.loadBalancers, (args, reportViolation) => {
        const props = plainObject(args.props);
        const mode = props.desyncMitigationMode;
        if (isUnknown(props.loadBalancerType)) {
            reportViolation(`Load balancer "${args.name}" must mitigate HTTP desync if it is an Application Load Balancer, but its loadBalancerType is unknown during preview. Set loadBalancerType literally.`);
            return;
        }
        if ((props.loadBalancerType ?? "application") !== "application") {
            return;
        }
        if (!isUnknown(mode) && (mode === undefined || mode === null || (typeof mode === "string" && SAFE.includes(mode)))) {
            return;
        }
        reportViolation(`Application Load Balancer "${args.name}" must mitigate HTTP desync, but desyncMitigationMode ${why(mode)}. Set desyncMitigationMode to "defensive" or "strictest".`);
    }),
};
