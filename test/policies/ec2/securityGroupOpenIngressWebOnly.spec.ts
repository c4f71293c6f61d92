import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ec2-securitygroup-open-ingress-web-only (CT.EC2.PR.3, CT.EC2.PR.4)", () => {
    const P = "ec2-securitygroup-open-ingress-web-only";
    const rule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
    it("passes 80/443 from the internet, other ports from security groups and the VPC", () => expectNoViolation(P, controlsStack().resources));
    it("catches SSH from 0.0.0.0/0, as mandatory", () =>
        expectOneViolation(P, controlsStack().change("alb-https-in", (i) => { i.fromPort = 22; i.toPort = 22; }).resources, "alb-https-in", /the whole internet \(cidrIpv4 0.0.0.0\/0\) on ports 22–22/, { level: "mandatory" }));
    it("catches a port range that includes 443", () =>
        expectOneViolation(P, controlsStack().change("alb-https-in", (i) => { i.fromPort = 0; i.toPort = 65535; }).resources, "alb-https-in", /ports 0–65535/));
    it("catches all protocols from ::/0", () =>
        expectOneViolation(P, controlsStack().change("alb-http-in", (i) => (i.ipProtocol = "-1")).resources, "alb-http-in", /on protocol "-1"/));
    it("catches half of the internet written as 0.0.0.0/1", () =>
        expectOneViolation(P, controlsStack().change("alb-https-in", (i) => { i.cidrIpv4 = "0.0.0.0/1"; i.fromPort = 3389; i.toPort = 3389; }).resources, "alb-https-in", /wider than any private network/));
    it("catches an inline ingress entry on a security group", () =>
        expectOneViolation(P, controlsStack().change("tasks-sg", (i) => (i.ingress = [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidrBlocks: ["0.0.0.0/0"] }])).resources, "tasks-sg", /ingress\[0\].*ports 8080–8080/));
    it("catches an aws.ec2.SecurityGroupRule ingress from the internet", () =>
        expectOneViolation(P, controlsStack().change("tasks-vpc-in", (i) => (i.cidrBlocks = ["0.0.0.0/0"])).resources, "tasks-vpc-in", /ports 8081–8081/));
    it("ignores egress rules", () => expectNoViolation(P, controlsStack().change("tasks-vpc-in", (i) => { i.type = "egress"; i.cidrBlocks = ["0.0.0.0/0"]; }).resources));
    it("treats an unknown CIDR as open, even one from the VPC (a resource rule cannot tell)", () =>
        expectOneViolation(P, controlsStack().add(rule, "vpc-in", { inputs: { securityGroupId: U, cidrIpv4: U, ipProtocol: "tcp", fromPort: 5432, toPort: 5432 }, deps: { securityGroupId: ["tasks-sg"], cidrIpv4: ["vpc"] } }).resources, "vpc-in", /unknown cidrIpv4/));
    it("passes an unknown CIDR on 443", () =>
        expectNoViolation(P, controlsStack().change("alb-https-in", (i) => (i.cidrIpv4 = U)).resources));
    it("treats an unknown inline ingress as a violation", () =>
        expectOneViolation(P, controlsStack().change("tasks-sg", (i) => (i.ingress = U)).resources, "tasks-sg", /inline ingress is unknown/));
    it("treats an unknown port with an open source as a violation", () =>
        expectOneViolation(P, controlsStack().change("alb-https-in", (i) => (i.toPort = U)).resources, "alb-https-in", /ports unknown during preview/));
});
