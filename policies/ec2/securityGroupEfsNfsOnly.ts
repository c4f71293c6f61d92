import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { Plain, containsUnknown, get, isUnknown, list, show } from "../lib/values";

const NFS_PORT = 2049;
const OPEN_SOURCES = ["0.0.0.0/0", "::/0"];
/** The security-group types a mount target may name; the VPC's default group is checked like any other. */
const SECURITY_GROUP_TYPES: string[] = [types.securityGroup, types.defaultSecurityGroup];

/**
 * Why a CIDR source is open to the internet, or undefined when it is not: any prefix length of 0, however it is
 * written (`0.0.0.0/0`, `::/0`, `0::/0`, …), and ranges wider than any private network (IPv4 shorter than /8,
 * IPv6 shorter than /16), so that splitting the world into halves does not get past the rule.
 */
export function openSource(cidr: string): string | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
    if (!m) {
        return undefined;
    }
    const prefix = Number(m[2]);
    const ipv6 = m[1].includes(":");
    if (prefix === 0) {
        return "the whole internet";
    }
    if (prefix < (ipv6 ? 16 : 8)) {
        return "a range wider than any private network";
    }
    return undefined;
}
const RULE_TYPES = [types.securityGroupRule, types.securityGroupIngressRule];
/** Resources whose CIDR outputs can never be 0.0.0.0/0 or ::/0 (a VPC is at most a /16). */
const NETWORK_TYPES: string[] = [types.vpc, types.subnet];

/** One ingress permission, from an inline `ingress` entry or a rule resource. */
interface Permission {
    protocol: Plain | undefined;
    fromPort: Plain | undefined;
    toPort: Plain | undefined;
    /** CIDR sources, each with the property dependencies that may explain an unknown one. */
    cidrs: { value: Plain | undefined; property: string; deps: string[] }[];
}

/** Returns what is wrong with `p` for an EFS security group, or [] when it admits only TCP 2049. */
export function nfsProblems(p: Permission, index: StackIndex): string[] {
    const problems: string[] = [];
    const protocol = p.protocol;
    const name = isUnknown(protocol) ? undefined : String(protocol).toLowerCase();
    // Protocol -1 ("all") ignores the ports: it admits everything.
    const all = name === "-1" || name === "all";
    if (name === undefined) {
        problems.push("its protocol is unknown during preview, so it cannot be proven to be TCP");
    } else if (all) {
        problems.push(`it admits all protocols and ports (protocol ${show(protocol)})`);
    } else if (name !== "tcp" && name !== "6") {
        problems.push(`it admits protocol ${show(protocol)}, not TCP`);
    }
    if (!all) {
        if (isUnknown(p.fromPort) || isUnknown(p.toPort)) {
            problems.push("its port range is unknown during preview, so it cannot be proven to be 2049 only");
        } else if (Number(p.fromPort) !== NFS_PORT || Number(p.toPort) !== NFS_PORT) {
            problems.push(`it admits ports ${show(p.fromPort)}–${show(p.toPort)}, not only ${NFS_PORT}`);
        }
    }
    for (const c of p.cidrs) {
        const values = list(c.value);
        if (isUnknown(values) || values.some(isUnknown)) {
            const fromNetwork = c.deps.length > 0 && c.deps.every((d) => NETWORK_TYPES.includes(index.typeOf(d) ?? ""));
            if (!fromNetwork) {
                problems.push(`its source ${c.property} is unknown during preview and does not come from a VPC or subnet, so it may be ${OPEN_SOURCES.join(" or ")}`);
            }
        }
        for (const v of isUnknown(values) ? [] : values) {
            const open = typeof v === "string" ? openSource(v) : undefined;
            if (open) {
                problems.push(`it admits ${open} (${c.property} ${String(v)})`);
            }
        }
    }
    return problems;
}

const FIX =
    `Allow only protocol "tcp" on port ${NFS_PORT} (fromPort and toPort ${NFS_PORT}) from the clients' security group, ` +
    `never 0.0.0.0/0 or ::/0, or remove the rule.`;

/**
 * ec2-securitygroup-efs-nfs-only — a security group attached to an EFS mount target admits nothing
 * but TCP 2049 (NFS): in its inline `ingress` and in separate `aws.ec2.SecurityGroupRule` and
 * `aws.vpc.SecurityGroupIngressRule` resources. Protocol `-1`/`all`, other protocols, port ranges,
 * other ports and `0.0.0.0/0` or `::/0` sources are violations, and so is a mount target with no
 * security group (AWS then attaches the VPC's default group) or one this stack does not manage.
 *
 * Why: the EFS security group is the network boundary of the shared file system; anything beyond
 * NFS from known clients widens it for no reason. Severity: high (mandatory).
 * Joins: mount target → security group and rule → security group by property dependencies (URNs),
 * falling back to IDs for resources that already exist.
 * Unknowns: an unknown protocol or port is a violation; an unknown CIDR source is a violation
 * unless it comes only from VPCs or subnets; an unknown security-group source is fine (any group
 * is narrower than a CIDR); an unknown attachment that no property dependency explains is a
 * violation. The group's inline `ingress` output is optional and computed, so a preview shows it
 * unknown when the program sets none: that is fine without property dependencies (AWS derives it
 * from the rule resources, which are checked) and a violation with them.
 * See https://docs.aws.amazon.com/efs/latest/ug/network-access.html
 */
export const requireNfsOnlyEfsSecurityGroups: StackValidationPolicy = {
    name: "ec2-securitygroup-efs-nfs-only",
    description: "Security groups attached to EFS mount targets must admit only TCP 2049 (NFS), never from 0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: whenStackHas(types.efsMountTarget, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const attached = new Map<string, { sg: StackNode; mountTargets: string[] }>();

        for (const mt of index.ofType(types.efsMountTarget)) {
            const sgs = list(mt.props.securityGroups);
            const { targets, unresolved } = index.referencedBy(mt, "securityGroups", SECURITY_GROUP_TYPES);
            if (!isUnknown(sgs) && sgs.length === 0) {
                reportViolation(
                    `EFS mount target "${mt.name}" has no security groups, so AWS attaches the VPC's default security group, which is not limited to NFS. ` +
                        `Set securityGroups to a security group that admits only TCP ${NFS_PORT}.`,
                    mt.urn,
                );
            }
            if ((isUnknown(sgs) || sgs.some(isUnknown)) && targets.length === 0) {
                reportViolation(
                    `The security groups of EFS mount target "${mt.name}" are unknown during preview and come from no security group in this stack ` +
                        `(left unset, AWS attaches the VPC's default group), so their rules cannot be checked. ` +
                        `Set securityGroups to the id of a security group managed in this stack (e.g. efsSecurityGroup.id).`,
                    mt.urn,
                );
            } else if (!isUnknown(sgs) && unresolved.length === 0 && sgs.length > targets.length) {
                // One group that resolves must not vouch for another that does not (e.g. the VPC's default group
                // read from the VPC): every entry has to be a group this stack manages and checks.
                reportViolation(
                    `EFS mount target "${mt.name}" lists ${sgs.length} security groups, but only ${targets.length} of them come from a security group managed in this stack, ` +
                        `so the others cannot be proven to admit only TCP ${NFS_PORT}. ` +
                        `Attach a security group managed in this stack whose ingress is limited to NFS, and nothing else.`,
                    mt.urn,
                );
            }
            for (const id of unresolved) {
                reportViolation(
                    `Security group ${id} of EFS mount target "${mt.name}" is not managed in this stack, so it cannot be proven to admit only TCP ${NFS_PORT}. ` +
                        `Attach a security group managed in this stack whose ingress is limited to NFS.`,
                    mt.urn,
                );
            }
            for (const sg of targets) {
                const entry = attached.get(sg.urn) ?? { sg, mountTargets: [] };
                entry.mountTargets.push(`"${mt.name}"`);
                attached.set(sg.urn, entry);
            }
        }

        for (const { sg, mountTargets } of attached.values()) {
            const where = `Security group "${sg.name}" is attached to EFS mount target ${mountTargets.join(", ")} and must admit only TCP ${NFS_PORT}`;
            const ingress = list(sg.props.ingress);
            if (isUnknown(ingress)) {
                // `ingress` is optional and computed: when the program leaves it out, a preview shows
                // it unknown and AWS fills it from the separate rule resources, checked below. Literal
                // inline rules would be known; only rules built from other resources' outputs are not.
                if (sg.deps("ingress").length > 0) {
                    reportViolation(
                        `${where}, but its inline ingress is built from other resources' outputs and is unknown during preview, so it cannot be proven. ` +
                            `Declare the rules in separate aws.vpc.SecurityGroupIngressRule resources. ${FIX}`,
                        sg.urn,
                    );
                }
            } else {
                ingress.forEach((rule, i) => {
                    const problems = isUnknown(rule)
                        ? ["it is unknown during preview"]
                        : nfsProblems(
                              {
                                  protocol: get(rule, "protocol"),
                                  fromPort: get(rule, "fromPort"),
                                  toPort: get(rule, "toPort"),
                                  cidrs: [
                                      { value: get(rule, "cidrBlocks"), property: "cidrBlocks", deps: sg.deps("ingress") },
                                      { value: get(rule, "ipv6CidrBlocks"), property: "ipv6CidrBlocks", deps: sg.deps("ingress") },
                                  ],
                              },
                              index,
                          );
                    for (const problem of problems) {
                        reportViolation(`${where}, but its inline ingress rule #${i} ${problem}. ${FIX}`, sg.urn);
                    }
                });
            }

            for (const rule of index.referrers(sg, RULE_TYPES, "securityGroupId")) {
                const isLegacy = rule.type === types.securityGroupRule;
                if (isLegacy && rule.props.type === "egress") {
                    continue;
                }
                const problems =
                    isLegacy && isUnknown(rule.props.type)
                        ? ["its type (ingress or egress) is unknown during preview"]
                        : nfsProblems(
                              isLegacy
                                  ? {
                                        protocol: rule.props.protocol,
                                        fromPort: rule.props.fromPort,
                                        toPort: rule.props.toPort,
                                        cidrs: ["cidrBlocks", "ipv6CidrBlocks"].map((p) => ({ value: rule.props[p], property: p, deps: rule.deps(p) })),
                                    }
                                  : {
                                        protocol: rule.props.ipProtocol,
                                        fromPort: rule.props.fromPort,
                                        toPort: rule.props.toPort,
                                        cidrs: ["cidrIpv4", "cidrIpv6"].map((p) => ({ value: rule.props[p], property: p, deps: rule.deps(p) })),
                                    },
                              index,
                          );
                for (const problem of problems) {
                    reportViolation(`${where}, but ingress rule "${rule.name}" (${rule.type.split(":").pop()}) ${problem}. ${FIX}`, rule.urn);
                }
            }
        }

        // A rule whose target group is unknown and traceable to no security group could be opening an EFS group.
        if (attached.size > 0) {
            for (const rule of index.ofType(...RULE_TYPES)) {
                const target = rule.props.securityGroupId;
                const traced = rule.deps("securityGroupId").some((d) => index.typeOf(d) === types.securityGroup);
                const egress = rule.type === types.securityGroupRule && rule.props.type === "egress";
                if (containsUnknown(target) && !traced && !egress) {
                    reportViolation(
                        `Ingress rule "${rule.name}" targets a security group that is unknown during preview and comes from no security group in this stack, so it may open an EFS security group beyond TCP ${NFS_PORT}. ` +
                            `Set securityGroupId from a security group managed in this stack.`,
                        rule.urn,
                    );
                }
            }
        }
    }),
};
