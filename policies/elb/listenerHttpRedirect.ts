import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, list, plainObject, show } from "../lib/values";

/**
 * elb-listener-http-redirect — every plain-HTTP listener's default action redirects to HTTPS (one `redirect`
 * action with `protocol: "HTTPS"`). Controls: CT.ELASTICLOADBALANCING.PR.1, CT.ELASTICLOADBALANCING.PR.9 (HTTP
 * side), Security Hub ELB.1.
 *
 * Why: an HTTP listener that forwards carries uploads in clear text. Severity: medium (advisory: a stack without
 * `certificateArn` serves HTTP only, the documented dev choice). Listeners of other protocols pass.
 * Unknowns: an unknown protocol or default action is a violation.
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html#redirect-actions
 */
export const requireHttpRedirect: ResourceValidationPolicy = {
    name: "elb-listener-http-redirect",
    description: "Plain-HTTP load balancer listeners must redirect to HTTPS (CT.ELASTICLOADBALANCING.PR.1, PR.9, ELB.1; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.listeners, (args, reportViolation) => {
        const props = plainObject(args.props);
        const protocol = props.protocol;
        if (typeof protocol === "string" && protocol !== "HTTP") {
            return;
        }
        const actions = list(props.defaultActions);
        const redirects =
            !isUnknown(protocol) &&
            !isUnknown(actions) &&
            actions.length > 0 &&
            actions.every((a) => get(a, "type") === "redirect" && get(get(a, "redirect"), "protocol") === "HTTPS");
        if (redirects) {
            return;
        }
        const detail = isUnknown(protocol) ? "its protocol is unknown during preview" : isUnknown(actions) ? "its default actions are unknown during preview" : `its default actions are ${show(actions.map((a) => get(a, "type") ?? null))}`;
        reportViolation(`Listener "${args.name}" serves plain HTTP and must redirect it to HTTPS, but ${detail}. Set certificateArn so that the stack serves HTTPS and port 80 only redirects (type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" }).`);
    }),
};
