import * as assert from "assert";

import { U, compliantStack } from "../fixtures";
import { describeAll, expectNoViolation, expectOneViolation, violationsOf } from "../harness";

const POLICY = "ec2-securitygroup-efs-nfs-only";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const LEGACY_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";

/** The compliant stack plus one more ingress rule resource on the EFS security group. */
function withEfsRule(type: string, name: string, inputs: Record<string, unknown>, deps: Record<string, string[]> = {}) {
    return compliantStack().add(type, name, { inputs: { securityGroupId: U, ...inputs }, deps: { securityGroupId: ["efs-sg"], ...deps } });
}

/** Every violation of this rule is mandatory and states how to fix it. */
const MANDATORY_WITH_FIX = { level: "mandatory", fix: /Allow only protocol "tcp" on port 2049|Set securityGroups|securityGroupId from|Attach a security group/ } as const;

describe(POLICY, () => {
    it("passes an EFS security group whose only ingress is TCP 2049 from the tasks' group", async () => {
        await expectNoViolation(POLICY, compliantStack().resources);
    });

    describe("separate aws.vpc.SecurityGroupIngressRule resources", () => {
        it("catches SSH (port 22) on the EFS security group, naming the rule", async () => {
            const s = withEfsRule(INGRESS_RULE, "ssh", { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" });
            await expectOneViolation(POLICY, s.resources, "ssh", /"efs-sg".*ingress rule "ssh".*ports 22–22/, MANDATORY_WITH_FIX);
        });

        for (const protocol of ["-1", "all"]) {
            it(`catches protocol ${protocol} (all traffic)`, async () => {
                const s = compliantStack().change("efs-nfs-from-tasks", (i) => (i.ipProtocol = protocol));
                await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /all protocols/, MANDATORY_WITH_FIX);
            });
        }

        it("catches UDP 2049", async () => {
            const s = compliantStack().change("efs-nfs-from-tasks", (i) => (i.ipProtocol = "udp"));
            await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /protocol "udp", not TCP/, MANDATORY_WITH_FIX);
        });

        it("catches a port range around 2049", async () => {
            const s = compliantStack().change("efs-nfs-from-tasks", (i) => (i.toPort = 2050));
            await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /ports 2049–2050/, MANDATORY_WITH_FIX);
        });

        it("catches NFS from 0.0.0.0/0", async () => {
            const s = withEfsRule(INGRESS_RULE, "nfs-world", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: "0.0.0.0/0" });
            await expectOneViolation(POLICY, s.resources, "nfs-world", /whole internet \(cidrIpv4 0.0.0.0\/0\)/, MANDATORY_WITH_FIX);
        });

        for (const [property, cidr, pattern] of [
            ["cidrIpv6", "0::/0", /whole internet \(cidrIpv6 0::\/0\)/],
            ["cidrIpv6", "0:0:0:0:0:0:0:0/0", /whole internet/],
            ["cidrIpv4", "0.0.0.0/1", /wider than any private network \(cidrIpv4 0.0.0.0\/1\)/],
            ["cidrIpv4", "128.0.0.0/1", /wider than any private network/],
        ] as const) {
            it(`catches NFS from ${cidr}, the internet written another way`, async () => {
                const s = withEfsRule(INGRESS_RULE, "nfs-open", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, [property]: cidr });
                await expectOneViolation(POLICY, s.resources, "nfs-open", pattern, MANDATORY_WITH_FIX);
            });
        }

        it("catches NFS from ::/0", async () => {
            const s = withEfsRule(INGRESS_RULE, "nfs-world6", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv6: "::/0" });
            await expectOneViolation(POLICY, s.resources, "nfs-world6", /cidrIpv6 ::\/0/, MANDATORY_WITH_FIX);
        });

        it("accepts NFS from a private CIDR", async () => {
            const s = withEfsRule(INGRESS_RULE, "nfs-vpc", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: "10.0.0.0/16" });
            await expectNoViolation(POLICY, s.resources);
        });

        it("ignores rules on security groups that no mount target uses", async () => {
            const s = compliantStack().add(INGRESS_RULE, "https-to-tasks", {
                inputs: { securityGroupId: U, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" },
                deps: { securityGroupId: ["tasks-sg"] },
            });
            await expectNoViolation(POLICY, s.resources);
        });
    });

    describe("separate aws.ec2.SecurityGroupRule resources", () => {
        it("catches an ingress rule for port 22", async () => {
            const s = withEfsRule(LEGACY_RULE, "legacy-ssh", { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, sourceSecurityGroupId: U });
            await expectOneViolation(POLICY, s.resources, "legacy-ssh", /ingress rule "legacy-ssh".*ports 22–22/, MANDATORY_WITH_FIX);
        });

        it("catches an ingress rule for all protocols from 0.0.0.0/0", async () => {
            const s = withEfsRule(LEGACY_RULE, "legacy-all", { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
            const ds = await violationsOf(POLICY, s.resources);
            assert.strictEqual(ds.length, 2, describeAll(ds));
            assert.match(describeAll(ds), /all protocols/);
            assert.match(describeAll(ds), /cidrBlocks 0.0.0.0\/0/);
        });

        it("leaves egress rules alone", async () => {
            const s = withEfsRule(LEGACY_RULE, "egress-all", { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] });
            await expectNoViolation(POLICY, s.resources);
        });

        it("treats a rule type unknown during preview as a violation", async () => {
            const s = withEfsRule(LEGACY_RULE, "which-way", { type: U, protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] });
            await expectOneViolation(POLICY, s.resources, "which-way", /type \(ingress or egress\) is unknown/, MANDATORY_WITH_FIX);
        });
    });

    describe("inline ingress on the security group", () => {
        it("catches inline SSH, naming the group and the rule", async () => {
            const s = compliantStack().change("efs-sg", (i) => (i.ingress = [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }]));
            await expectOneViolation(POLICY, s.resources, "efs-sg", /"efs-sg" is attached to EFS mount target "data-mt-a", "data-mt-b".*inline ingress rule #0.*ports 22–22/, MANDATORY_WITH_FIX);
        });

        it("catches inline NFS from 0.0.0.0/0", async () => {
            const s = compliantStack().change("efs-sg", (i) => (i.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["0.0.0.0/0"] }]));
            await expectOneViolation(POLICY, s.resources, "efs-sg", /whole internet/, MANDATORY_WITH_FIX);
        });

        it("accepts inline NFS from another security group whose id is unknown during preview", async () => {
            const s = compliantStack().change("efs-sg", (i) => (i.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, securityGroups: [U] }]));
            await expectNoViolation(POLICY, s.resources);
        });

        it("treats inline ingress built from other resources' outputs, unknown during preview, as a violation", async () => {
            const s = compliantStack().change("efs-sg", (i) => (i.ingress = U));
            s.get("efs-sg").propertyDependencies.ingress = [s.urn("vpc"), s.urn("tasks-sg")];
            await expectOneViolation(POLICY, s.resources, "efs-sg", /inline ingress is built from other resources' outputs and is unknown during preview/, MANDATORY_WITH_FIX);
        });

        it("accepts an inline ingress output that is unknown only because AWS computes it from the rule resources", async () => {
            const s = compliantStack().changeOutputs("efs-sg", (o) => (o.ingress = U));
            await expectNoViolation(POLICY, s.resources);
            // ...and the rule resources are still checked.
            s.change("efs-nfs-from-tasks", (i) => (i.fromPort = 22)).changeOutputs("efs-sg", (o) => (o.ingress = U));
            await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /ports 22–2049/, MANDATORY_WITH_FIX);
        });
    });

    describe("values unknown during preview", () => {
        it("treats an unknown protocol as a violation", async () => {
            const s = compliantStack().change("efs-nfs-from-tasks", (i) => (i.ipProtocol = U));
            await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /protocol is unknown during preview/, MANDATORY_WITH_FIX);
        });

        it("treats an unknown port as a violation", async () => {
            const s = compliantStack().change("efs-nfs-from-tasks", (i) => (i.fromPort = U));
            await expectOneViolation(POLICY, s.resources, "efs-nfs-from-tasks", /port range is unknown during preview/, MANDATORY_WITH_FIX);
        });

        it("accepts an unknown CIDR that comes from the VPC", async () => {
            const s = withEfsRule(INGRESS_RULE, "nfs-from-vpc", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: U }, { cidrIpv4: ["vpc"] });
            await expectNoViolation(POLICY, s.resources);
        });

        it("treats an unknown CIDR from anything but a VPC or subnet as a violation", async () => {
            const s = withEfsRule(INGRESS_RULE, "nfs-from-somewhere", { ipProtocol: "tcp", fromPort: 2049, toPort: 2049, cidrIpv4: U }, { cidrIpv4: ["data"] });
            await expectOneViolation(POLICY, s.resources, "nfs-from-somewhere", /cidrIpv4 is unknown during preview/, MANDATORY_WITH_FIX);
        });

        it("treats mount-target security groups that come from no security group as a violation", async () => {
            const s = compliantStack().change("data-mt-a", () => undefined);
            s.get("data-mt-a").propertyDependencies = {};
            await expectOneViolation(POLICY, s.resources, "data-mt-a", /security groups of EFS mount target "data-mt-a" are unknown during preview/, MANDATORY_WITH_FIX);
        });

        it("treats a rule whose target group is unknown and untraceable as a violation", async () => {
            const s = compliantStack().add(INGRESS_RULE, "mystery", { inputs: { securityGroupId: U, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" } });
            await expectOneViolation(POLICY, s.resources, "mystery", /targets a security group that is unknown during preview/, MANDATORY_WITH_FIX);
        });
    });

    describe("mount-target attachment", () => {
        it("catches a second mount-target security group that no managed security group explains (e.g. read from the VPC)", async () => {
            const s = compliantStack().change("data-mt-a", (i) => i.securityGroups.push(U));
            s.get("data-mt-a").propertyDependencies.securityGroups.push(s.urn("vpc"));
            await expectOneViolation(POLICY, s.resources, "data-mt-a", /lists 2 security groups, but only 1 of them/, MANDATORY_WITH_FIX);
        });

        it("checks the VPC's default security group like any other when a mount target uses it", async () => {
            const s = compliantStack()
                .add("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default-sg", {
                    inputs: { vpcId: U, ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }] },
                    deps: { vpcId: ["vpc"] },
                })
                .change("data-mt-a", (i) => i.securityGroups.push(U));
            s.get("data-mt-a").propertyDependencies.securityGroups.push(s.urn("default-sg"));
            await expectOneViolation(POLICY, s.resources, "default-sg", /all protocols/, MANDATORY_WITH_FIX);
        });

        it("catches a mount target with no security groups (AWS would attach the VPC default group)", async () => {
            const s = compliantStack().change("data-mt-b", (i) => delete i.securityGroups);
            s.get("data-mt-b").propertyDependencies = { fileSystemId: [s.urn("data")] };
            await expectOneViolation(POLICY, s.resources, "data-mt-b", /no security groups/, MANDATORY_WITH_FIX);
        });

        it("joins existing resources by id when no property dependency links them", async () => {
            const s = compliantStack()
                .changeOutputs("efs-sg", (o) => (o.id = "sg-0efs"))
                .change("data-mt-a", (i) => (i.securityGroups = ["sg-0efs"]))
                .add(INGRESS_RULE, "old-ssh", { inputs: { securityGroupId: "sg-0efs", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8" } });
            s.get("data-mt-a").propertyDependencies = { fileSystemId: [s.urn("data")] };
            s.get("data-mt-b").propertyDependencies = { fileSystemId: [s.urn("data")] };
            s.change("data-mt-b", (i) => (i.securityGroups = ["sg-0efs"]));
            await expectOneViolation(POLICY, s.resources, "old-ssh", /"efs-sg".*ingress rule "old-ssh".*ports 22–22/, MANDATORY_WITH_FIX);
        });

        it("catches a mount target whose security group is not managed in this stack", async () => {
            const s = compliantStack().change("data-mt-a", (i) => i.securityGroups.push("sg-elsewhere"));
            await expectOneViolation(POLICY, s.resources, "data-mt-a", /sg-elsewhere.*not managed in this stack/, MANDATORY_WITH_FIX);
        });
    });
});
