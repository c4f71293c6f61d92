/**
 * `npm run bench -- policy`: the policy pack over a synthetic preview of 10,000 resources, through
 * the analyzer interface the CLI uses. Prints one line:
 * `{ "bench": "policy", "resources", "startMs", "analyzeAllMs", "analyzePerResourceMs", "analyzeStackMs", ... }`
 * — start-up of the pack process, the Analyze phase (one call per resource, pipelined as in
 * `runPolicies`) in total and per resource, and the single AnalyzeStack call, all from one run.
 * The stack repeats the shape of one environment (file system, mount targets, NFS-only security
 * group and rule, access point, policies, bucket with versioning, public-access block, lifecycle
 * and policy, task role and policy, task definition, service) with unknown IDs, as in a preview;
 * each repetition is compliant with the mandatory rules, so the figures measure full evaluation.
 */
import * as path from "path";

import { RecordedResource, UNKNOWN_SENTINEL as U, startPolicyPack } from "../tools/analyzer/client";

const TOTAL = 10_000;

function syntheticStack(total: number): RecordedResource[] {
    const resources: RecordedResource[] = [];
    const urn = (type: string, name: string) => `urn:pulumi:bench::fargate-efs-s3::${type}::${name}`;
    const doc = (s: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: s });
    const tls = { Effect: "Deny", Principal: "*", Action: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
    const UNIT = 19; // resources per environment below
    for (let i = 0; resources.length + UNIT <= total; i++) {
        // Property dependencies are looked up among the last few resources only, to keep generation linear.
        const recent = () => resources.slice(-20);
        const dep = (name: string) => recent().find((r) => r.name === name)!.urn;
        const addNear = (type: string, name: string, inputs: Record<string, unknown>, deps: Record<string, string[]> = {}) => {
            const propertyDependencies = Object.fromEntries(Object.entries(deps).map(([k, names]) => [k, names.map(dep)]));
            resources.push({
                urn: urn(type, name),
                type,
                name,
                custom: true,
                inputs,
                outputs: { ...inputs, id: U, arn: U },
                dependencies: [...new Set(Object.values(propertyDependencies).flat())],
                propertyDependencies,
            });
        };
        const n = (role: string) => `env${i}-${role}`;
        addNear("aws:ec2/securityGroup:SecurityGroup", n("tasks-sg"), { vpcId: "vpc-1" });
        addNear("aws:ec2/securityGroup:SecurityGroup", n("efs-sg"), { vpcId: "vpc-1" });
        addNear(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            n("nfs"),
            { securityGroupId: U, referencedSecurityGroupId: U, ipProtocol: "tcp", fromPort: 2049, toPort: 2049 },
            { securityGroupId: [n("efs-sg")], referencedSecurityGroupId: [n("tasks-sg")] },
        );
        addNear("aws:efs/fileSystem:FileSystem", n("fs"), { encrypted: true });
        for (const az of ["a", "b"]) {
            addNear("aws:efs/mountTarget:MountTarget", n(`mt-${az}`), { fileSystemId: U, subnetId: `subnet-${az}`, securityGroups: [U] }, { fileSystemId: [n("fs")], securityGroups: [n("efs-sg")] });
        }
        addNear("aws:efs/accessPoint:AccessPoint", n("ap"), { fileSystemId: U, rootDirectory: { path: "/app" } }, { fileSystemId: [n("fs")] });
        addNear("aws:efs/fileSystemPolicy:FileSystemPolicy", n("fs-policy"), { fileSystemId: U, policy: doc([tls]) }, { fileSystemId: [n("fs")] });
        addNear("aws:s3/bucket:Bucket", n("bucket"), {});
        addNear("aws:s3/bucketVersioning:BucketVersioning", n("versioning"), { bucket: U, versioningConfiguration: { status: "Enabled" } }, { bucket: [n("bucket")] });
        addNear(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            n("pab"),
            { bucket: U, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { bucket: [n("bucket")] },
        );
        addNear(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            n("lifecycle"),
            { bucket: U, rules: [{ id: "glacier", status: "Enabled", transitions: [{ days: 30, storageClass: "GLACIER" }] }] },
            { bucket: [n("bucket")] },
        );
        addNear("aws:s3/bucketPolicy:BucketPolicy", n("bucket-policy"), { bucket: U, policy: doc([tls]) }, { bucket: [n("bucket")] });
        addNear("aws:iam/role:Role", n("task-role"), { assumeRolePolicy: doc([]) });
        addNear("aws:iam/rolePolicy:RolePolicy", n("task-policy"), { role: U, policy: doc([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }]) }, { role: [n("task-role")] });
        addNear(
            "aws:ecs/taskDefinition:TaskDefinition",
            n("task"),
            {
                family: n("task"),
                taskRoleArn: U,
                volumes: [{ name: "data", efsVolumeConfiguration: { fileSystemId: U, transitEncryption: "ENABLED", authorizationConfig: { accessPointId: U, iam: "ENABLED" } } }],
            },
            { taskRoleArn: [n("task-role")] },
        );
        addNear("aws:ecs/service:Service", n("service"), { launchType: "FARGATE", platformVersion: "1.4.0", taskDefinition: U }, { taskDefinition: [n("task")] });
        addNear("aws:cloudwatch/logGroup:LogGroup", n("logs"), { retentionInDays: 30 });
    }
    // Fill up with resources no rule looks at.
    for (let i = 0; resources.length < total; i++) {
        resources.push({ urn: urn("aws:cloudwatch/logGroup:LogGroup", `filler-${i}`), type: "aws:cloudwatch/logGroup:LogGroup", name: `filler-${i}`, custom: true, inputs: {}, outputs: { id: U }, dependencies: [], propertyDependencies: {} });
    }
    return resources;
}

async function main() {
    const resources = syntheticStack(TOTAL);
    const t0 = process.hrtime.bigint();
    const pack = await startPolicyPack(path.join(__dirname, "..", "policies"), { stack: "bench" });
    const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
    const startMs = ms(t0);
    try {
        await pack.configure({});
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const concurrency = 32;
        let next = 0;
        let analyzeDiagnostics = 0;
        const t1 = process.hrtime.bigint();
        await Promise.all(
            Array.from({ length: concurrency }, async () => {
                while (next < resources.length) {
                    analyzeDiagnostics += (await pack.analyze(resources[next++], byUrn)).length;
                }
            }),
        );
        const analyzeAllMs = ms(t1);
        const t2 = process.hrtime.bigint();
        const stackDiagnostics = (await pack.analyzeStack(resources)).length;
        const analyzeStackMs = ms(t2);
        const diagnostics = analyzeDiagnostics + stackDiagnostics;
        console.log(
            JSON.stringify({
                bench: "policy",
                resources: resources.length,
                startMs: Math.round(startMs),
                analyzeAllMs: Math.round(analyzeAllMs),
                analyzePerResourceMs: Number((analyzeAllMs / resources.length).toFixed(3)),
                analyzeStackMs: Math.round(analyzeStackMs),
                concurrency,
                diagnostics,
            }),
        );
    } finally {
        await pack.close();
    }
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
