/**
 * Hand-written stacks for the policy specs, in the form `tools/stackRun.ts` records: wire-form
 * inputs and outputs, URNs, parents and property dependencies. `compliantStack()` is what a preview
 * of a new environment looks like (IDs and ARNs unknown); each spec changes one property of it.
 */
import { RecordedResource, UNKNOWN_SENTINEL } from "../../tools/analyzer/client";

export const U = UNKNOWN_SENTINEL;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::fargate-efs-s3::${type}::${name}`;
}

export interface ResourceSpec {
    inputs: Record<string, unknown>;
    /** Defaults to the inputs plus unknown `id` and `arn`, as in a preview of a new resource. */
    outputs?: Record<string, unknown>;
    /** Input property → names (in this stack) of the resources its value came from. */
    deps?: Record<string, string[]>;
}

export class Stack {
    readonly resources: RecordedResource[] = [];

    add(type: string, name: string, spec: ResourceSpec): this {
        const propertyDependencies: Record<string, string[]> = {};
        for (const [prop, names] of Object.entries(spec.deps ?? {})) {
            propertyDependencies[prop] = names.map((n) => this.urn(n));
        }
        this.resources.push({
            urn: urnOf(type, name),
            type,
            name,
            custom: true,
            inputs: spec.inputs,
            outputs: spec.outputs ?? { ...spec.inputs, id: U, arn: U },
            dependencies: [...new Set(Object.values(propertyDependencies).flat())],
            propertyDependencies,
        });
        return this;
    }

    urn(name: string): string {
        const r = this.resources.find((x) => x.name === name);
        if (!r) {
            throw new Error(`no resource named ${name} in fixture`);
        }
        return r.urn;
    }

    get(name: string): RecordedResource {
        return this.resources.find((x) => x.name === name)!;
    }

    remove(name: string): this {
        this.resources.splice(this.resources.indexOf(this.get(name)), 1);
        return this;
    }

    /**
     * Changes one resource: `change` edits its inputs in place; its outputs follow (the new inputs
     * plus the computed outputs it had, such as an unknown id).
     */
    change(name: string, change: (inputs: any) => void): this {
        const r = this.get(name);
        const computed = Object.fromEntries(Object.entries(r.outputs).filter(([k]) => !(k in r.inputs)));
        change(r.inputs);
        r.outputs = { ...structuredClone(r.inputs), ...computed };
        return this;
    }

    /** Changes one resource's outputs only (what AnalyzeStack sees), e.g. to give it a known id. */
    changeOutputs(name: string, change: (outputs: any) => void): this {
        change(this.get(name).outputs);
        return this;
    }
}

const policyDoc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

export const denyInsecureTransport = (resource: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "*",
    Resource: resource,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});

/** The alarm topic key's policy as the Monitoring component writes it: the account root administers, CloudWatch alarms may use it. */
export const alarmKeyStatements = () => [
    { Sid: "EnableIamPoliciesForTheAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
    {
        Sid: "AllowCloudWatchAlarmsOfThisAccountToPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*" } },
    },
];

export function efsVolume(name: string, extra: Record<string, unknown> = {}) {
    return {
        name,
        efsVolumeConfiguration: {
            fileSystemId: U,
            transitEncryption: "ENABLED",
            authorizationConfig: { accessPointId: U, iam: "ENABLED" },
            ...extra,
        },
    };
}

/** A new environment as a preview sees it: every guarded setting right, IDs and ARNs unknown. */
export function compliantStack(): Stack {
    return new Stack()
        .add("aws:ec2/vpc:Vpc", "vpc", { inputs: { cidrBlock: "10.0.0.0/16" } })
        .add("aws:ec2/securityGroup:SecurityGroup", "tasks-sg", { inputs: { vpcId: U, description: "tasks" }, deps: { vpcId: ["vpc"] } })
        .add("aws:ec2/securityGroup:SecurityGroup", "efs-sg", { inputs: { vpcId: U, description: "NFS from tasks" }, deps: { vpcId: ["vpc"] } })
        .add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "efs-nfs-from-tasks", {
            inputs: { securityGroupId: U, referencedSecurityGroupId: U, ipProtocol: "tcp", fromPort: 2049, toPort: 2049 },
            deps: { securityGroupId: ["efs-sg"], referencedSecurityGroupId: ["tasks-sg"] },
        })
        .add("aws:efs/fileSystem:FileSystem", "data", { inputs: { encrypted: true, performanceMode: "generalPurpose" } })
        .add("aws:efs/mountTarget:MountTarget", "data-mt-a", {
            inputs: { fileSystemId: U, subnetId: "subnet-a", securityGroups: [U] },
            deps: { fileSystemId: ["data"], securityGroups: ["efs-sg"] },
        })
        .add("aws:efs/mountTarget:MountTarget", "data-mt-b", {
            inputs: { fileSystemId: U, subnetId: "subnet-b", securityGroups: [U] },
            deps: { fileSystemId: ["data"], securityGroups: ["efs-sg"] },
        })
        .add("aws:efs/accessPoint:AccessPoint", "data-ap", {
            inputs: {
                fileSystemId: U,
                posixUser: { uid: 1000, gid: 1000 },
                rootDirectory: { path: "/app", creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "750" } },
            },
            deps: { fileSystemId: ["data"] },
        })
        .add("aws:efs/fileSystemPolicy:FileSystemPolicy", "data-policy", {
            inputs: {
                fileSystemId: U,
                policy: policyDoc([denyInsecureTransport("arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1")]),
            },
            deps: { fileSystemId: ["data"] },
        })
        .add("aws:kms/key:Key", "alarms-key", { inputs: { enableKeyRotation: true, policy: policyDoc(alarmKeyStatements()) } })
        .add("aws:sns/topic:Topic", "alarms", { inputs: { kmsMasterKeyId: U }, deps: { kmsMasterKeyId: ["alarms-key"] } })
        .add("aws:cloudwatch/metricAlarm:MetricAlarm", "data-connections", {
            inputs: {
                namespace: "AWS/EFS",
                metricName: "ClientConnections",
                dimensions: { FileSystemId: U },
                statistic: "Sum",
                period: 60,
                evaluationPeriods: 5,
                comparisonOperator: "LessThanThreshold",
                threshold: 1,
                alarmActions: [U],
            },
            deps: { dimensions: ["data"], alarmActions: ["alarms"] },
        })
        .add("aws:s3/bucket:Bucket", "archive", { inputs: { forceDestroy: false }, outputs: { forceDestroy: false, id: U, arn: U, bucket: U } })
        .add("aws:s3/bucketVersioning:BucketVersioning", "archive-versioning", {
            inputs: { bucket: U, versioningConfiguration: { status: "Enabled" } },
            deps: { bucket: ["archive"] },
        })
        .add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "archive-public-access", {
            inputs: { bucket: U, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            deps: { bucket: ["archive"] },
        })
        .add("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "archive-lifecycle", {
            inputs: {
                bucket: U,
                rules: [
                    { id: "to-glacier", status: "Enabled", filter: { prefix: "uploads/" }, transitions: [{ days: 30, storageClass: "GLACIER" }] },
                    { id: "expire-old-versions", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 90 } },
                ],
            },
            deps: { bucket: ["archive"] },
        })
        .add("aws:s3/bucketPolicy:BucketPolicy", "archive-policy", {
            inputs: { bucket: U, policy: policyDoc([denyInsecureTransport("arn:aws:s3:::archive-1234/*")]) },
            deps: { bucket: ["archive"] },
        })
        .add("aws:iam/role:Role", "task-role", {
            inputs: {
                assumeRolePolicy: policyDoc([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]),
            },
        })
        .add("aws:iam/rolePolicy:RolePolicy", "task-role-data", {
            inputs: {
                role: U,
                policy: policyDoc([
                    { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: "arn:aws:s3:::archive-1234/uploads/*" },
                    { Effect: "Allow", Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], Resource: "arn:aws:elasticfilesystem:eu-west-1:123456789012:file-system/fs-1" },
                ]),
            },
            deps: { role: ["task-role"] },
        })
        .add("aws:ecs/taskDefinition:TaskDefinition", "app-task", {
            inputs: {
                family: "app",
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                cpu: "256",
                memory: "512",
                taskRoleArn: U,
                containerDefinitions: U,
                volumes: [efsVolume("data"), efsVolume("logs"), { name: "scratch" }],
            },
            deps: { taskRoleArn: ["task-role"] },
        })
        .add("aws:ecs/service:Service", "app-service", {
            inputs: { launchType: "FARGATE", platformVersion: "1.4.0", taskDefinition: U, desiredCount: 2 },
            deps: { taskDefinition: ["app-task"] },
        });
}
