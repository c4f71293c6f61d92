import { StackValidationPolicy } from "@pulumi/policy";

import { types } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { Plain, get, isUnknown, list, show } from "../lib/values";
import { openSource } from "./securityGroupEfsNfsOnly";

/** The only ports a permission open to the internet may admit: the load balancer's listeners. */
const WEB_PORTS = [80, 443];
const NETWORK_TYPES: string[] = [types.vpc, types.subnet];

interface Source {
    value: Plain | undefined;
    property: string;
    deps: string[];
}

/** What is wrong with one ingress permission, or [] when it is not open to the internet or admits only TCP 80/443. */
function problemsOf(protocol: Plain | undefined, fromPort: Plain | undefined, toPort: Plain | undefined, sources: Source[], index: StackIndex): string[] {
    const problems: string[] = [];
    let open: string | undefined;
    for (const s of sources) {
        const values = list(s.value);
        if (isUnknown(values) || values.some(isUnknown)) {
            const fromNetwork = s.deps.length > 0 && s.deps.every((d) => NETWORK_TYPES.includes(index.typeOf(d) ?? ""));
            if (!fromNetwork) {
                open ??= `an unknown ${s.property} (unknown during preview, not from a VPC or subnet)`;
            }
            continue;
        }
        for (const v of values) {
            const why = typeof v === "string" ? openSource(v) : undefined;
            if (why) {
                open ??= `${why} (${s.property} ${String(v)})`;
            }
        }
    }
    if (!open) {
        return problems;
    }
    const name = isUnknown(protocol) ? undefined : String(protocol).toLowerCase();
    if (name === undefined) {
        problems.push(`it admits ${open} with a protocol unknown during preview`);
    } else if (name !== "tcp" && name !== "6") {
        problems.push(`it admits ${open} on protocol ${show(protocol)}`);
    } else if (isUnknown(fromPort) || isUnknown(toPort)) {
        problems.push(`it admits ${open} on ports unknown during preview`);
    } else if (Number(fromPort) !== Number(toPort) || !WEB_PORTS.includes(Number(fromPort))) {
        problems.push(`it admits ${open} on ports ${show(fromPort)}–${show(toPort)}`);
    }
    return problems;
}

/**
 * ec2-securitygroup-open-ingress-web-only — no security group admits the internet (`0.0.0.0/0`, `::/0`, however
 * written, or ranges wider than any private network) except on TCP 80 and 443, in inline `ingress` and in
 * `aws.ec2.SecurityGroupRule` (type ingress) and `aws.vpc.SecurityGroupIngressRule` resources.
 * Controls: CT.EC2.PR.3 (only 80/443 open), CT.EC2.PR.4 (high-risk ports, a subset), Security Hub EC2.18, EC2.19,
 * EC2.53, EC2.54.
 *
 * Why: only the load balancer's listeners face the internet; the tasks and the file system admit other security
 * groups. Severity: high (mandatory). Joins: rule → security group is not needed (every group is checked).
 * Unknowns: an unknown CIDR is open unless it comes from a VPC or subnet; with an open source, an unknown protocol
 * or port is a violation; a group's inline `ingress` unknown without property dependencies is fine (AWS derives it
 * from the rule resources, which are checked).
 * See https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
 */
export const requireWebOnlyOpenIngress: StackValidationPolicy = {
    name: "ec2-securitygroup-open-ingress-web-only",
    description: "Security groups must admit the internet only on TCP 80 and 443 (CT.EC2.PR.3, CT.EC2.PR.4, EC2.18/19/53/54; severity high).",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = new StackIndex(args.resources);
        const fix = "Admit the internet only on TCP 80 and 443 of the load balancer; admit other traffic from security groups, not CIDRs.";
        const report = (node: StackNode, where: string, problems: string[]) => {
            if (problems.length > 0) {
                reportViolation(`Security group ${where} must admit the internet only on TCP 80/443, but ${problems.join("; ")}. ${fix}`, node.urn);
            }
        };
        for (const sg of index.ofType(types.securityGroup, types.defaultSecurityGroup)) {
            const ingress = list(sg.props.ingress);
            if (isUnknown(ingress)) {
                if (sg.deps("ingress").length > 0) {
                    report(sg, `"${sg.name}"`, ["its inline ingress is unknown during preview, so it cannot be proven"]);
                }
                continue;
            }
            ingress.forEach((p, i) =>
                report(sg, `"${sg.name}" (ingress[${i}])`, problemsOf(get(p, "protocol"), get(p, "fromPort"), get(p, "toPort"), [
                    { value: get(p, "cidrBlocks"), property: "cidrBlocks", deps: sg.deps("ingress") },
                    { value: get(p, "ipv6CidrBlocks"), property: "ipv6CidrBlocks", deps: sg.deps("ingress") },
                ], index)),
            );
        }
        for (const rule of index.ofType(types.securityGroupRule)) {
            const type = rule.props.type;
            if (type === "egress") {
                continue;
            }
            const problems = isUnknown(type)
                ? ["its type is unknown during preview"]
                : problemsOf(rule.props.protocol, rule.props.fromPort, rule.props.toPort, [
                      { value: rule.props.cidrBlocks, property: "cidrBlocks", deps: rule.deps("cidrBlocks") },
                      { value: rule.props.ipv6CidrBlocks, property: "ipv6CidrBlocks", deps: rule.deps("ipv6CidrBlocks") },
                  ], index);
            report(rule, `rule "${rule.name}"`, problems);
        }
        for (const rule of index.ofType(types.securityGroupIngressRule)) {
            report(rule, `rule "${rule.name}"`, problemsOf(rule.props.ipProtocol, rule.props.fromPort, rule.props.toPort, [
                { value: rule.props.cidrIpv4, property: "cidrIpv4", deps: rule.deps("cidrIpv4") },
                { value: rule.props.cidrIpv6, property: "cidrIpv6", deps: rule.deps("cidrIpv6") },
            ], index));
        }
    },
};
