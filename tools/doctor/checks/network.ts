/**
 * The article's "Mount Timeout" checklist: mount targets in the right subnets, security groups that allow NFS
 * (port 2049), DNS resolution in the VPC.
 */
import { BlockList } from "net";
import type { SecurityGroupRule } from "@aws-sdk/client-ec2";
import { Facts, MountTarget, need, ok, problem, taskSecurityGroups, Verdict } from "../facts";

export const NFS_PORT = 2049;

/**
 * A mount target serves its whole Availability Zone (one per AZ per file system), so every AZ the tasks run in
 * needs one, `available`, in the stack's VPC. https://docs.aws.amazon.com/efs/latest/ug/accessing-fs.html
 */
export function checkMountTargets(f: Pick<Facts, "outputs" | "taskSubnets" | "mountTargets">): Verdict {
    const subnets = need(f.taskSubnets);
    const targets = need(f.mountTargets);
    const byAz = new Map(targets.map((t) => [t.AvailabilityZoneName, t]));
    const problems: string[] = [];
    const fixes = new Set<string>();
    if (subnets.length === 0) {
        problems.push("the service names no subnets");
        fixes.add("run the service in the private subnets (awsvpc networkConfiguration)");
    }
    for (const s of subnets) {
        if (!byAz.has(s.AvailabilityZone)) {
            problems.push(`tasks run in ${s.SubnetId} (${s.AvailabilityZone}) but ${f.outputs.fileSystemId} has no mount target in ${s.AvailabilityZone}`);
            fixes.add(`create a mount target in ${s.AvailabilityZone} (SharedFileSystem makes one per subnet it is given: pass it the service's subnets)`);
        }
    }
    for (const t of targets) {
        if (t.LifeCycleState !== "available") {
            problems.push(`mount target ${t.MountTargetId} (${t.AvailabilityZoneName}) is ${t.LifeCycleState}`);
            fixes.add(t.LifeCycleState === "creating" ? "wait until it is available, then restart the failed tasks" : `recreate mount target ${t.MountTargetId} (pulumi up)`);
        }
        if (t.VpcId !== undefined && t.VpcId !== f.outputs.vpcId) {
            problems.push(`mount target ${t.MountTargetId} is in ${t.VpcId}, not the stack's ${f.outputs.vpcId}`);
            fixes.add(`move the file system's mount targets into ${f.outputs.vpcId}`);
        }
    }
    if (problems.length > 0) return problem(problems.join("; "), [...fixes].join("; "));
    const azs = [...new Set(subnets.map((s) => s.AvailabilityZone))].sort();
    return ok(`${targets.length} mount target(s) available; every task AZ (${azs.join(", ")}) has one`);
}

const isTcp = (r: SecurityGroupRule) => r.IpProtocol === "tcp" || r.IpProtocol === "6";
const isAll = (r: SecurityGroupRule) => r.IpProtocol === "-1";
const coversNfs = (r: SecurityGroupRule) => isAll(r) || (isTcp(r) && (r.FromPort ?? 0) <= NFS_PORT && NFS_PORT <= (r.ToPort ?? 65535));

function source(r: SecurityGroupRule): string {
    const cidr = r.CidrIpv4 ?? r.CidrIpv6;
    if (cidr !== undefined) return cidr === "0.0.0.0/0" || cidr === "::/0" ? `${cidr} (the whole internet)` : cidr;
    return r.ReferencedGroupInfo?.GroupId ?? r.PrefixListId ?? "an unknown source";
}

function ports(r: SecurityGroupRule): string {
    if (isAll(r)) return "all traffic";
    return `${r.IpProtocol} ${r.FromPort === r.ToPort ? r.FromPort : `${r.FromPort}-${r.ToPort}`}`;
}

/**
 * The mount targets' security groups admit exactly TCP 2049 from the task security group: anything else (other
 * ports, CIDRs, other groups) is an opening the file system does not need.
 * https://docs.aws.amazon.com/efs/latest/ug/network-access.html
 */
export function checkNfsIngress(f: Pick<Facts, "service" | "mountTargets" | "mountTargetRules">): Verdict {
    const taskGroups = taskSecurityGroups(need(f.service));
    const targets = need(f.mountTargets);
    const ingress = need(f.mountTargetRules).filter((r) => !r.IsEgress);
    const admitsTasks = (r: SecurityGroupRule) =>
        isTcp(r) && r.FromPort === NFS_PORT && r.ToPort === NFS_PORT && taskGroups.includes(r.ReferencedGroupInfo?.GroupId ?? "");
    const problems: string[] = [];
    for (const t of targets) {
        if (!ingress.some((r) => t.securityGroups.includes(r.GroupId ?? "") && admitsTasks(r))) {
            problems.push(`no rule on ${t.MountTargetId}'s security group(s) ${t.securityGroups.join(", ")} admits TCP ${NFS_PORT} from the task security group ${taskGroups.join(", ")}`);
        }
    }
    for (const r of ingress.filter((r) => !admitsTasks(r))) {
        problems.push(`${r.GroupId} rule ${r.SecurityGroupRuleId} admits ${ports(r)} from ${source(r)}`);
    }
    if (problems.length > 0) {
        return problem(
            problems.join("; "),
            `let the mount targets' security group admit TCP ${NFS_PORT} from ${taskGroups.join(", ")} and nothing else (SharedFileSystem.grantAccess adds exactly that rule); remove the others with \`aws ec2 revoke-security-group-ingress --group-id <sg> --security-group-rule-ids <sgr>\``,
        );
    }
    return ok(`mount targets admit only TCP ${NFS_PORT} from ${taskGroups.join(", ")}`);
}

/** A CIDR rule lets traffic to `ip` through when `ip` is inside it. */
function cidrContains(cidr: string, ip: string): boolean {
    const [address, bits] = cidr.split("/");
    const family = address.includes(":") ? "ipv6" : "ipv4";
    if (family !== (ip.includes(":") ? "ipv6" : "ipv4")) return false;
    const list = new BlockList();
    list.addSubnet(address, Number(bits), family);
    return list.check(ip, family);
}

/**
 * Security groups filter outbound traffic too: the task security group must let TCP 2049 out to every mount
 * target, by its security group or a CIDR that holds its address; otherwise the mount times out.
 */
export function checkNfsEgress(f: Pick<Facts, "service" | "mountTargets" | "taskRules">): Verdict {
    const taskGroups = taskSecurityGroups(need(f.service));
    const egress = need(f.taskRules).filter((r) => r.IsEgress && taskGroups.includes(r.GroupId ?? "") && coversNfs(r));
    const reaches = (r: SecurityGroupRule, t: MountTarget) =>
        t.securityGroups.includes(r.ReferencedGroupInfo?.GroupId ?? "") ||
        (r.CidrIpv4 !== undefined && t.IpAddress !== undefined && cidrContains(r.CidrIpv4, t.IpAddress)) ||
        (r.CidrIpv6 !== undefined && t.Ipv6Address !== undefined && cidrContains(r.CidrIpv6, t.Ipv6Address));
    const blocked = need(f.mountTargets).filter((t) => !egress.some((r) => reaches(r, t)));
    if (blocked.length > 0) {
        return problem(
            `the task security group ${taskGroups.join(", ")} lets no TCP ${NFS_PORT} out to ${blocked.map((t) => `${t.MountTargetId} (${t.IpAddress}, ${t.securityGroups.join(", ")})`).join(", ")}`,
            `add an egress rule to ${taskGroups[0]}: TCP ${NFS_PORT} to the mount targets' security group (SharedFileSystem.grantAccess adds it)`,
        );
    }
    return ok(`the task security group lets TCP ${NFS_PORT} out to every mount target`);
}

/**
 * The task resolves `<fs-id>.efs.<region>.amazonaws.com` through the VPC's resolver, which needs both DNS support
 * and DNS hostnames. https://docs.aws.amazon.com/efs/latest/ug/mounting-fs-mount-cmd-dns-name.html
 */
export function checkVpcDns(f: Pick<Facts, "outputs" | "vpcDns">): Verdict {
    const dns = need(f.vpcDns);
    const off = [!dns.enableDnsSupport && "enableDnsSupport", !dns.enableDnsHostnames && "enableDnsHostnames"].filter((x): x is string => x !== false);
    if (off.length > 0) {
        return problem(
            `${f.outputs.vpcId} has ${off.join(" and ")} off, so the file system's DNS name does not resolve in it`,
            off.map((a) => `aws ec2 modify-vpc-attribute --vpc-id ${f.outputs.vpcId} --${a.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} '{"Value":true}'`).join("; "),
        );
    }
    return ok(`${f.outputs.vpcId} has DNS support and DNS hostnames on`);
}
