import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { Plain, get, isUnknown, list, plainObject, show } from "../lib/values";
import { openSource } from "./securityGroupEfsNfsOnly";

/** The only ports a permission open to the internet may admit: the load balancer's listeners. */
const WEB_PORTS = [80, 443];

/** What is wrong with one ingress permission, or [] when it is not open to the internet or admits only TCP 80/443. */
function problemsOf(protocol: Plain | undefined, fromPort: Plain | undefined, toPort: Plain | undefined, sources: [string, Plain | undefined][]): string[] {
    let open: string | undefined;
    for (const [property, value] of sources) {
        const values = list(value);
        if (isUnknown(values) || values.some(isUnknown)) {
            open ??= `an unknown ${property} (unknown during preview, so it may be the internet)`;
            continue;
        }
        for (const v of values) {
            const why = typeof v === "string" ? openSource(v) : undefined;
            if (why) {
                open ??= `${why} (${property} ${String(v)})`;
            }
        }
    }
    if (!open) {
        return [];
    }
    const name = isUnknown(protocol) ? undefined : String(protocol).toLowerCase();
    if (name === undefined) {
        return [`it admits ${open} with a protocol unknown during preview`];
    }
    if (name !== "tcp" && name !== "6") {
        return [`it admits ${open} on protocol ${show(protocol)}`];
    }
    if (isUnknown(fromPort) || isUnknown(toPort)) {
        return [`it admits ${open} on ports unknown during preview`];
    }
    if (Number(fromPort) !== Number(toPort) || !WEB_PORTS.includes(Number(fromPort))) {
        return [`it admits ${open} on ports ${show(fromPort)}–${show(toPort)}`];
    }
    return [];
}

const FIX = "Admit the internet only on TCP 80 and 443 of the load balancer; admit other traffic from security groups (referencedSecurityGroupId), not CIDRs.";

/**
 * ec2-securitygroup-open-ingress-web-only — no security group admits the internet (`0.0.0.0/0`, `::/0`, however
 * written, or ranges wider than any private network) except on TCP 80 and 443, in inline `ingress` and in
 * `aws.ec2.SecurityGroupRule` (type ingress) and `aws.vpc.SecurityGroupIngressRule` resources.
 * Controls: CT.EC2.PR.3 (only 80/443 open), CT.EC2.PR.4 (high-risk ports, a subset), Security Hub EC2.18, EC2.19,
 * EC2.13, EC2.14, EC2.53, EC2.54.
 *
 * Why: only the load balancer's listeners face the internet; the tasks and the file system admit other security
 * groups. Severity: high (mandatory). A resource rule (each permission is judged on its own), so that AnalyzeStack
 * does not pay for another stack policy.
 * Unknowns: an unknown CIDR counts as the internet (a resource rule cannot see that it comes from a VPC: admit
 * such traffic by security group instead); with an open source, an unknown protocol or port is a violation; an
 * unknown inline `ingress` or rule type is a violation.
 * See https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 */
export const requireWebOnlyOpenIngress: ResourceValidationPolicy = {
    name: "ec2-securitygroup-open-ingress-web-only",
    description: "Security groups must admit the internet only on TCP 80 and 443 (CT.EC2.PR.3, CT.EC2.PR.4, EC2.18/19/53/54; severity high).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: forType([types.securityGroup, types.defaultSecurityGroup, types.securityGroupRule, types.securityGroupIngressRule], (args, reportViolation) => {
        const props = plainObject(args.props);
        const report = (where: string, problems: string[]) => {
            if (problems.length > 0) {
                reportViolation(`Security group ${where} must admit the internet only on TCP 80/443, but ${problems.join("; ")}. ${FIX}`);
            }
        };
        if (args.type === types.securityGroupIngressRule) {
            report(`rule "${args.name}"`, problemsOf(props.ipProtocol, props.fromPort, props.toPort, [["cidrIpv4", props.cidrIpv4], ["cidrIpv6", props.cidrIpv6]]));
            return;
        }
        if (args.type === types.securityGroupRule) {
            const type = props.type;
            if (type === "egress") {
                return;
            }
            report(
                `rule "${args.name}"`,
                isUnknown(type) ? ["its type is unknown during preview"] : problemsOf(props.protocol, props.fromPort, props.toPort, [["cidrBlocks", props.cidrBlocks], ["ipv6CidrBlocks", props.ipv6CidrBlocks]]),
            );
            return;
        }
        const ingress = list(props.ingress);
        if (isUnknown(ingress)) {
            report(`"${args.name}"`, ["its inline ingress is unknown during preview, so it cannot be proven"]);
            return;
        }
        ingress.forEach((p, i) =>
            report(`"${args.name}" (ingress[${i}])`, problemsOf(get(p, "protocol"), get(p, "fromPort"), get(p, "toPort"), [["cidrBlocks", get(p, "cidrBlocks")], ["ipv6CidrBlocks", get(p, "ipv6CidrBlocks")]])),
        );
    }),
};
