import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * elb-loadbalancer-drop-invalid-headers — an Application Load Balancer drops invalid HTTP header fields
 * (`dropInvalidHeaderFields: true`). Controls: CT.ELASTICLOADBALANCING.PR.4, Security Hub ELB.4.
 *
 * Why: headers the load balancer passes on but the app parses differently are a request-smuggling and
 * header-injection path into the upload API. Severity: medium (mandatory: a known input, and the app is public).
 * Applies to `loadBalancerType` `application` (the default). Unknowns: unknown is a violation.
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-attributes
 * ("routing.http.drop_invalid_header_fields.enabled: Indicates whether HTTP headers with header fields that are not valid are removed by the load balancer (true), or routed to targets (false). The default is false").
 */
export const requireDropInvalidHeaders: ResourceValidationPolicy = {
    name: "elb-loadbalancer-drop-invalid-headers",
    description: "Application Load Balancers must drop invalid HTTP headers (CT.ELASTICLOADBALANCING.PR.4, ELB.4; severity medium).",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: forType(types.loadBalancers, (args, reportViolation) => {
        const props = plainObject(args.props);
        if (isUnknown(props.loadBalancerType)) {
            reportViolation(`Load balancer "${args.name}" must drop invalid HTTP headers if it is an Application Load Balancer, but its loadBalancerType is unknown during preview. Set loadBalancerType literally.`);
            return;
        }
        if ((props.loadBalancerType ?? "application") !== "application" || props.dropInvalidHeaderFields === true) {
            return;
        }
        reportViolation(`Application Load Balancer "${args.name}" must drop invalid HTTP headers, but dropInvalidHeaderFields ${why(props.dropInvalidHeaderFields, "is not set (defaults to false)")}. Set dropInvalidHeaderFields: true.`);
    }),
};
