import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

export interface ListenerTlsPolicyConfig {
    /** The security policies an HTTPS/TLS listener may use. */
    allowedSslPolicies: string[];
}

/**
 * TLS 1.2+ policies with forward secrecy only, as AWS lists them.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const DEFAULT_ALLOWED_SSL_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
];

/**
 * elb-listener-https-tls-policy — every HTTPS (or TLS) listener has an ACM certificate (`certificateArn` an
 * `arn:aws:acm:` ARN) and a security policy from `allowedSslPolicies` (default: the TLS 1.2+ forward-secrecy
 * policies). Controls: CT.ELASTICLOADBALANCING.PR.2, CT.ELASTICLOADBALANCING.PR.9 (HTTPS side), Security Hub ELB.17.
 *
 * Why: an unset `sslPolicy` means ELBSecurityPolicy-2016-08, which still accepts TLS 1.0 and 1.1; an IAM server
 * certificate is not renewed by ACM. Severity: medium (advisory; configurable).
 * Unknowns: an unknown protocol, certificate ARN or policy is a violation.
 * See https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener.html#describe-ssl-policies
 * ("If you do not specify a security policy … we use ELBSecurityPolicy-2016-08" for listeners created by the API).
 */
export const requireListenerTlsPolicy: ResourceValidationPolicy = {
    name: "elb-listener-https-tls-policy",
    description: "HTTPS load balancer listeners must use an ACM certificate and a TLS 1.2+ security policy (CT.ELASTICLOADBALANCING.PR.2, PR.9, ELB.17; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            allowedSslPolicies: {
                type: "array",
                items: { type: "string", pattern: "^ELBSecurityPolicy-" },
                minItems: 1,
                default: DEFAULT_ALLOWED_SSL_POLICIES,
                description: "Security policies an HTTPS or TLS listener may use.",
            },
        },
    },
    validateResource: forType(types.listeners, (args, reportViolation) => {
        const { allowedSslPolicies } = args.getConfig<ListenerTlsPolicyConfig>();
        const props = plainObject(args.props);
        const protocol = props.protocol;
        if (!isUnknown(protocol) && protocol !== "HTTPS" && protocol !== "TLS") {
            return;
        }
        const problems: string[] = [];
        if (isUnknown(protocol)) {
            problems.push("its protocol is unknown during preview");
        }
        const cert = props.certificateArn;
        if (typeof cert !== "string" || !/^arn:aws[a-z-]*:acm:/.test(cert)) {
            problems.push(`certificateArn ${why(cert)}, not an ACM certificate`);
        }
        const policy = props.sslPolicy;
        if (typeof policy !== "string" || !allowedSslPolicies.includes(policy)) {
            problems.push(`sslPolicy ${why(policy, "is not set (ELBSecurityPolicy-2016-08, which accepts TLS 1.0)")}, not one of ${allowedSslPolicies.join(", ")}`);
        }
        if (problems.length > 0) {
            reportViolation(`HTTPS listener "${args.name}" must use an ACM certificate and a current TLS policy, but ${problems.join("; ")}. Set certificateArn to an ACM certificate and sslPolicy to "${allowedSslPolicies[0]}".`);
        }
    }),
};
