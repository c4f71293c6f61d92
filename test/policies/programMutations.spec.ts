/**
 * The program's own resources (dev and prod, recorded under mocks as a preview and as an update)
 * pass every mandatory rule, and flipping any one guarded setting in them is caught. Each mutation
 * changes the recorded resources the way a program change would (inputs for Analyze, outputs for
 * AnalyzeStack); a mutation that cannot find what it changes fails too, so none can pass vacuously.
 */
import * as assert from "assert";

import { RecordedResource, UNKNOWN_SENTINEL } from "../../tools/analyzer/client";
import { PROD_UPDATE_OVERRIDES } from "../mocks";
import { recordStack } from "../../tools/stackRun";
import { check, describeAll } from "./harness";

type Props = Record<string, any>;

/** The recorded resources of one stack run, with lookups by role. */
class Program {
    constructor(readonly resources: RecordedResource[]) {}

    one(description: string, match: (r: RecordedResource) => boolean): RecordedResource {
        const found = this.resources.filter(match);
        assert.ok(found.length > 0, `mutation target not found: ${description}`);
        return found[0];
    }

    get taskDefinition() {
        return this.one("task definition with an EFS volume", (r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && (r.inputs.volumes as Props[] | undefined)?.some((v) => v.efsVolumeConfiguration) === true);
    }
    get mountTarget() {
        return this.one("EFS mount target", (r) => r.type === "aws:efs/mountTarget:MountTarget");
    }
    get efsSecurityGroup() {
        const sgUrn = this.mountTarget.propertyDependencies.securityGroups?.[0];
        return this.one("EFS security group", (r) => r.urn === sgUrn);
    }
    get efsIngressRule() {
        const sg = this.efsSecurityGroup.urn;
        return this.one("ingress rule on the EFS security group", (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && (r.propertyDependencies.securityGroupId ?? []).includes(sg));
    }
    get loadBalancer() {
        return this.one("application load balancer", (r) => r.type === "aws:lb/loadBalancer:LoadBalancer");
    }
    get service() {
        return this.one("ECS service", (r) => r.type === "aws:ecs/service:Service");
    }
    get internetIngressRule() {
        return this.one("ingress rule from the internet (the load balancer's)", (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule" && r.inputs.cidrIpv4 === "0.0.0.0/0");
    }
    get alarmTopic() {
        return this.one("the alarm topic", (r) => r.type === "aws:sns/topic:Topic");
    }
    get alarmTopicKey() {
        const keyUrn = this.alarmTopic.propertyDependencies.kmsMasterKeyId?.[0];
        return this.one("the alarm topic's KMS key", (r) => r.urn === keyUrn && r.type === "aws:kms/key:Key");
    }
    get bucketVersioning() {
        return this.one("bucket versioning", (r) => r.type === "aws:s3/bucketVersioning:BucketVersioning");
    }

    /** Applies `change` to the resource's inputs and to its outputs. */
    static both(r: RecordedResource, change: (props: Props) => void): void {
        change(r.inputs);
        change(r.outputs);
    }
}

interface Mutation {
    name: string;
    /** The mandatory policy that must catch it. */
    policy: string;
    apply(p: Program): void;
}

const efsVolume = (props: Props) => (props.volumes as Props[]).find((v) => v.efsVolumeConfiguration)!;

const mutations: Mutation[] = [
    {
        name: "transit encryption DISABLED on an EFS volume",
        policy: "ecs-taskdefinition-efs-transit-encryption",
        apply: (p) => Program.both(p.taskDefinition, (t) => (efsVolume(t).efsVolumeConfiguration.transitEncryption = "DISABLED")),
    },
    {
        name: "transit encryption left unset on an EFS volume",
        policy: "ecs-taskdefinition-efs-transit-encryption",
        apply: (p) => Program.both(p.taskDefinition, (t) => delete efsVolume(t).efsVolumeConfiguration.transitEncryption),
    },
    {
        name: "transit encryption unknown during preview on an EFS volume",
        policy: "ecs-taskdefinition-efs-transit-encryption",
        apply: (p) => Program.both(p.taskDefinition, (t) => (efsVolume(t).efsVolumeConfiguration.transitEncryption = UNKNOWN_SENTINEL)),
    },
    {
        name: "a further EFS volume, after the first, without transit encryption",
        policy: "ecs-taskdefinition-efs-transit-encryption",
        apply: (p) =>
            Program.both(p.taskDefinition, (t) => {
                const extra = structuredClone(efsVolume(t));
                extra.name = "extra";
                extra.efsVolumeConfiguration.transitEncryption = "DISABLED";
                t.volumes.push(extra);
            }),
    },
    { name: "EFS ingress rule on port 22", policy: "ec2-securitygroup-efs-nfs-only", apply: (p) => Program.both(p.efsIngressRule, (r) => Object.assign(r, { fromPort: 22, toPort: 22 })) },
    { name: "EFS ingress rule for all protocols (-1)", policy: "ec2-securitygroup-efs-nfs-only", apply: (p) => Program.both(p.efsIngressRule, (r) => (r.ipProtocol = "-1")) },
    { name: "EFS ingress rule for UDP", policy: "ec2-securitygroup-efs-nfs-only", apply: (p) => Program.both(p.efsIngressRule, (r) => (r.ipProtocol = "udp")) },
    { name: "EFS ingress rule widened to ports 2049-2050", policy: "ec2-securitygroup-efs-nfs-only", apply: (p) => Program.both(p.efsIngressRule, (r) => (r.toPort = 2050)) },
    {
        name: "EFS ingress rule from 0.0.0.0/0",
        policy: "ec2-securitygroup-efs-nfs-only",
        apply: (p) => {
            const rule = p.efsIngressRule;
            Program.both(rule, (r) => {
                delete r.referencedSecurityGroupId;
                r.cidrIpv4 = "0.0.0.0/0";
            });
            delete rule.propertyDependencies.referencedSecurityGroupId;
        },
    },
    {
        name: "EFS ingress rule from ::/0",
        policy: "ec2-securitygroup-efs-nfs-only",
        apply: (p) => {
            const rule = p.efsIngressRule;
            Program.both(rule, (r) => {
                delete r.referencedSecurityGroupId;
                r.cidrIpv6 = "::/0";
            });
            delete rule.propertyDependencies.referencedSecurityGroupId;
        },
    },
    {
        name: "an extra aws.ec2.SecurityGroupRule for SSH on the EFS security group",
        policy: "ec2-securitygroup-efs-nfs-only",
        apply: (p) => {
            const sg = p.efsSecurityGroup;
            const inputs = { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"], securityGroupId: UNKNOWN_SENTINEL };
            p.resources.push({
                urn: sg.urn.replace(/::[^:]+$/, "-ssh").replace("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/securityGroupRule:SecurityGroupRule"),
                type: "aws:ec2/securityGroupRule:SecurityGroupRule",
                name: `${sg.name}-ssh`,
                custom: true,
                parent: sg.parent,
                inputs,
                outputs: { ...inputs },
                dependencies: [sg.urn],
                propertyDependencies: { securityGroupId: [sg.urn] },
            });
        },
    },
    {
        name: "inline ingress from 0.0.0.0/0 on the EFS security group",
        policy: "ec2-securitygroup-efs-nfs-only",
        apply: (p) => Program.both(p.efsSecurityGroup, (sg) => (sg.ingress = [{ protocol: "tcp", fromPort: 2049, toPort: 2049, cidrBlocks: ["0.0.0.0/0"] }])),
    },
    {
        name: "a mount target without security groups",
        policy: "ec2-securitygroup-efs-nfs-only",
        apply: (p) => {
            const mt = p.mountTarget;
            Program.both(mt, (m) => delete m.securityGroups);
            delete mt.propertyDependencies.securityGroups;
        },
    },
    {
        name: "the alarm topic encrypted with alias/aws/sns",
        policy: "sns-topic-alarm-key-admits-cloudwatch",
        apply: (p) => {
            const topic = p.alarmTopic;
            Program.both(topic, (t) => (t.kmsMasterKeyId = "alias/aws/sns"));
            delete topic.propertyDependencies.kmsMasterKeyId;
        },
    },
    {
        name: "the alarm topic key's policy without the CloudWatch statement",
        policy: "sns-topic-alarm-key-admits-cloudwatch",
        apply: (p) =>
            Program.both(p.alarmTopicKey, (k) => {
                const doc = JSON.parse(k.policy);
                doc.Statement = doc.Statement.filter((st: Props) => st.Principal?.Service !== "cloudwatch.amazonaws.com");
                k.policy = JSON.stringify(doc);
            }),
    },
    { name: "versioning Suspended", policy: "s3-bucket-versioning-enabled", apply: (p) => Program.both(p.bucketVersioning, (v) => (v.versioningConfiguration.status = "Suspended")) },
    {
        name: "versioning status unknown during preview",
        policy: "s3-bucket-versioning-enabled",
        apply: (p) => Program.both(p.bucketVersioning, (v) => (v.versioningConfiguration.status = UNKNOWN_SENTINEL)),
    },
    {
        name: "the bucket's versioning resource removed",
        policy: "s3-bucket-versioning-enabled",
        apply: (p) => p.resources.splice(p.resources.indexOf(p.bucketVersioning), 1),
    },
    // The mandatory rules from the AWS proactive controls (docs/controls.md).
    { name: "load balancer passing invalid headers on", policy: "elb-loadbalancer-drop-invalid-headers", apply: (p) => Program.both(p.loadBalancer, (lb) => (lb.dropInvalidHeaderFields = false)) },
    { name: "load balancer desync mitigation in monitor mode", policy: "elb-loadbalancer-desync-mitigation", apply: (p) => Program.both(p.loadBalancer, (lb) => (lb.desyncMitigationMode = "monitor")) },
    { name: "service assigning public IPs", policy: "ecs-service-no-public-ip", apply: (p) => Program.both(p.service, (s) => (s.networkConfiguration.assignPublicIp = true)) },
    { name: "task definition sharing the host's PID namespace", policy: "ecs-taskdefinition-no-host-pid", apply: (p) => Program.both(p.taskDefinition, (t) => (t.pidMode = "host")) },
    { name: "task definition in bridge network mode", policy: "ecs-taskdefinition-awsvpc", apply: (p) => Program.both(p.taskDefinition, (t) => (t.networkMode = "bridge")) },
    { name: "the load balancer's internet ingress widened to SSH", policy: "ec2-securitygroup-open-ingress-web-only", apply: (p) => Program.both(p.internetIngressRule, (r) => Object.assign(r, { fromPort: 22, toPort: 22 })) },
];

/** The advisory rules on container definitions, which a preview cannot prove (the definitions embed the image digest). */
const CONTAINER_RULES = [
    "ecs-taskdefinition-container-non-root",
    "ecs-taskdefinition-container-readonly-root",
    "ecs-taskdefinition-container-logging",
    "ecs-taskdefinition-container-non-privileged",
    "ecs-taskdefinition-no-secret-environment",
    "ecs-taskdefinition-memory-limit",
];

for (const stack of ["dev", "prod"]) {
    for (const preview of [true, false]) {
        describe(`the program's ${stack} stack (${preview ? "preview" : "update"}) under the policy pack`, () => {
            let recorded: RecordedResource[];
            before(async () => {
                // An update of prod needs a real certificate: the stack file's placeholder is refused, as by `pulumi up`.
                const overrides = stack === "prod" && !preview ? PROD_UPDATE_OVERRIDES : undefined;
                recorded = (await recordStack({ stack, preview, overrides })).resources;
            });

            it("violates no mandatory rule", async () => {
                const mandatory = (await check(recorded)).filter((d) => d.enforcementLevel === "mandatory");
                assert.deepStrictEqual(mandatory, [], describeAll(mandatory));
            });

            if (!preview) {
                it("runs containers that pass the container rules once their definitions are known", async () => {
                    const found = (await check(recorded)).filter((d) => CONTAINER_RULES.includes(d.policy));
                    assert.deepStrictEqual(found, [], describeAll(found));
                });
            }

            it("has every mutation caught by the rule that guards it", async () => {
                const survivors: string[] = [];
                for (const m of mutations) {
                    const program = new Program(structuredClone(recorded));
                    m.apply(program);
                    const caught = (await check(program.resources)).filter((d) => d.policy === m.policy && d.enforcementLevel === "mandatory");
                    if (caught.length === 0) {
                        survivors.push(m.name);
                    }
                }
                assert.deepStrictEqual(survivors, [], `mutations that survived: ${survivors.join("; ")}`);
            });
        });
    }
}
