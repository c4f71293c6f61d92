/**
 * `npm run bench -- policy`: the policy pack over a synthetic preview of 10,000 resources, through the analyzer
 * interface the CLI uses, against its decode-only floor (bench/decode-floor: the same @pulumi/policy server with
 * one resource and one stack policy that run no rule) in the same run, so that the difference is what this
 * pack's rules cost. Prints one line:
 * `{ "bench": "policy", "resources", "startMs", "analyzeStackMs", "analyzeStackFloorMs", "analyzeStackRulesMs",
 *    "analyzeStackFloorRatio", "analyzeStackCpuFloorRatio", "analyzeAllMs", "analyzeAllFloorMs", ... }` — start-up of the pack as the CLI starts it (ts-node type-checks
 * index.ts), as it would start the transpiled copy (`startCompiledMs`) and as `npm run plan` starts that copy, with
 * plain node (`startDirectMs`); the single AnalyzeStack call (the request is
 * built and encoded beforehand, as the CLI does it in Go; `buildRequestMs` says what that took here), for the
 * stack as a preview sees it and as `pulumi up` sees it at the end (`analyzeStackKnownIds*`: IDs and ARNs known,
 * so the rules also join by value); the Analyze phase
 * (one call per resource, pipelined as in `runPolicies`). Wall times are medians of REPS alternating rounds
 * (floor, pack, floor, pack, …); `*CpuMs` are the pack process's own user+sys time for the same calls, steadier
 * on a loaded machine.
 * The stack repeats the shape of one environment (file system, mount targets, NFS-only security
 * group and rule, backup policy, access point, policies, bucket with versioning, public-access block, lifecycle,
 * encryption, ownership and policy, task role and policy, task definition with its containers, cluster, service,
 * load balancer with its group, rule and two listeners, ECR repository and lifecycle policy, alarm) with unknown IDs,
 * as in a preview;
 * each repetition is compliant with the mandatory rules, so the figures measure full evaluation.
 */
import * as fs from "fs";
import * as path from "path";

import { PolicyPackProcess, RecordedResource, StartOptions, UNKNOWN_SENTINEL as U, analyzeStackRequest, startPolicyPack } from "../tools/analyzer/client";
import { compiledPolicyPack } from "../tools/preview/compiled";

const TOTAL = 10_000;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const CONCURRENCY = 32;
const PACK_DIR = path.join(__dirname, "..", "policies");
const FLOOR_DIR = path.join(__dirname, "decode-floor");

/**
 * `total` resources in repetitions of one environment. With `known`, as AnalyzeStack sees the stack after
 * `pulumi up`: every ID and ARN known, and each reference the referenced resource's ID or ARN (so the rules also
 * join by value, not only by property dependency); otherwise as in a preview, with those values unknown.
 */
export function syntheticStack(total: number, known = false): RecordedResource[] {
    const resources: RecordedResource[] = [];
    const idOf = (name: string) => `${name}-id`;
    const arnOf = (name: string) => `arn:aws:service:eu-west-1:123456789012:${name}`;
    /** The value a property takes from resource `name`: its ID (or ARN), unknown in a preview. */
    const ref = (name: string, key: "id" | "arn" = "id") => (!known ? U : key === "id" ? idOf(name) : arnOf(name));
    const urn = (type: string, name: string) => `urn:pulumi:bench::fargate-efs-s3::${type}::${name}`;
    const doc = (s: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: s });
    const tls = { Effect: "Deny", Principal: "*", Action: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } };
    const UNIT = 30; // resources per environment below
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
                outputs: { ...inputs, id: known ? idOf(name) : U, arn: known ? arnOf(name) : U },
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
            { securityGroupId: ref(n("efs-sg")), referencedSecurityGroupId: ref(n("tasks-sg")), ipProtocol: "tcp", fromPort: 2049, toPort: 2049 },
            { securityGroupId: [n("efs-sg")], referencedSecurityGroupId: [n("tasks-sg")] },
        );
        addNear("aws:efs/fileSystem:FileSystem", n("fs"), { encrypted: true });
        for (const az of ["a", "b"]) {
            addNear("aws:efs/mountTarget:MountTarget", n(`mt-${az}`), { fileSystemId: ref(n("fs")), subnetId: `subnet-${az}`, securityGroups: [ref(n("efs-sg"))] }, { fileSystemId: [n("fs")], securityGroups: [n("efs-sg")] });
        }
        addNear("aws:efs/backupPolicy:BackupPolicy", n("backup"), { fileSystemId: ref(n("fs")), backupPolicy: { status: "ENABLED" } }, { fileSystemId: [n("fs")] });
        addNear("aws:efs/accessPoint:AccessPoint", n("ap"), { fileSystemId: ref(n("fs")), posixUser: { uid: 1000, gid: 1000 }, rootDirectory: { path: "/app" } }, { fileSystemId: [n("fs")] });
        addNear("aws:efs/fileSystemPolicy:FileSystemPolicy", n("fs-policy"), { fileSystemId: ref(n("fs")), policy: doc([tls]) }, { fileSystemId: [n("fs")] });
        addNear("aws:s3/bucket:Bucket", n("bucket"), {});
        addNear("aws:s3/bucketVersioning:BucketVersioning", n("versioning"), { bucket: ref(n("bucket")), versioningConfiguration: { status: "Enabled" } }, { bucket: [n("bucket")] });
        addNear(
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            n("pab"),
            { bucket: ref(n("bucket")), blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { bucket: [n("bucket")] },
        );
        addNear(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            n("lifecycle"),
            { bucket: ref(n("bucket")), rules: [{ id: "glacier", status: "Enabled", transitions: [{ days: 30, storageClass: "GLACIER" }] }] },
            { bucket: [n("bucket")] },
        );
        addNear("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", n("sse"), { bucket: ref(n("bucket")), rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, { bucket: [n("bucket")] });
        addNear("aws:s3/bucketOwnershipControls:BucketOwnershipControls", n("ownership"), { bucket: ref(n("bucket")), rule: { objectOwnership: "BucketOwnerEnforced" } }, { bucket: [n("bucket")] });
        addNear("aws:s3/bucketPolicy:BucketPolicy", n("bucket-policy"), { bucket: ref(n("bucket")), policy: doc([tls]) }, { bucket: [n("bucket")] });
        addNear("aws:iam/role:Role", n("task-role"), { assumeRolePolicy: doc([]) });
        addNear("aws:iam/rolePolicy:RolePolicy", n("task-policy"), { role: ref(n("task-role")), policy: doc([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }]) }, { role: [n("task-role")] });
        addNear(
            "aws:ecs/taskDefinition:TaskDefinition",
            n("task"),
            {
                family: n("task"),
                requiresCompatibilities: ["FARGATE"],
                networkMode: "awsvpc",
                memory: "512",
                containerDefinitions: JSON.stringify([
                    { name: "app", image: "app@sha256:00", user: "1000:1000", readonlyRootFilesystem: true, environment: [{ name: "BUCKET", value: "b" }], logConfiguration: { logDriver: "awslogs", options: {} } },
                ]),
                taskRoleArn: ref(n("task-role"), "arn"),
                volumes: [{ name: "data", efsVolumeConfiguration: { fileSystemId: ref(n("fs")), transitEncryption: "ENABLED", authorizationConfig: { accessPointId: ref(n("ap")), iam: "ENABLED" } } }],
            },
            { taskRoleArn: [n("task-role")] },
        );
        addNear("aws:ecs/cluster:Cluster", n("cluster"), { settings: [{ name: "containerInsights", value: "enabled" }] });
        addNear(
            "aws:ecs/service:Service",
            n("service"),
            { cluster: ref(n("cluster"), "arn"), launchType: "FARGATE", platformVersion: "1.4.0", taskDefinition: ref(n("task"), "arn"), networkConfiguration: { assignPublicIp: false, subnets: ["subnet-a"] } },
            { cluster: [n("cluster")], taskDefinition: [n("task")] },
        );
        addNear("aws:ec2/securityGroup:SecurityGroup", n("alb-sg"), { vpcId: "vpc-1" });
        addNear(
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            n("alb-https"),
            { securityGroupId: ref(n("alb-sg")), cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 },
            { securityGroupId: [n("alb-sg")] },
        );
        addNear("aws:lb/loadBalancer:LoadBalancer", n("alb"), { loadBalancerType: "application", dropInvalidHeaderFields: true, enableDeletionProtection: true, securityGroups: [ref(n("alb-sg"))] }, { securityGroups: [n("alb-sg")] });
        addNear(
            "aws:lb/listener:Listener",
            n("https"),
            { loadBalancerArn: ref(n("alb"), "arn"), protocol: "HTTPS", port: 443, certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/1", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", defaultActions: [{ type: "fixed-response" }] },
            { loadBalancerArn: [n("alb")] },
        );
        addNear(
            "aws:lb/listener:Listener",
            n("http"),
            { loadBalancerArn: ref(n("alb"), "arn"), protocol: "HTTP", port: 80, defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] },
            { loadBalancerArn: [n("alb")] },
        );
        addNear("aws:ecr/repository:Repository", n("repo"), { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } });
        addNear("aws:ecr/lifecyclePolicy:LifecyclePolicy", n("repo-lifecycle"), { repository: ref(n("repo")), policy: "{}" }, { repository: [n("repo")] });
        addNear("aws:cloudwatch/metricAlarm:MetricAlarm", n("alarm"), { namespace: "AWS/ECS", metricName: "RunningTaskCount", alarmActions: ["arn:aws:sns:eu-west-1:123456789012:ops"] });
        addNear("aws:cloudwatch/logGroup:LogGroup", n("logs"), { retentionInDays: 30 });
    }
    // Fill up with resources no rule looks at.
    for (let i = 0; resources.length < total; i++) {
        resources.push({ urn: urn("aws:cloudwatch/logGroup:LogGroup", `filler-${i}`), type: "aws:cloudwatch/logGroup:LogGroup", name: `filler-${i}`, custom: true, inputs: {}, outputs: { id: known ? idOf(`filler-${i}`) : U }, dependencies: [], propertyDependencies: {} });
    }
    return resources;
}

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** User+sys CPU time of a process so far, in ms (Linux /proc; undefined elsewhere). */
function cpuMs(pid: number | undefined): number | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ, 100 on Linux).
        return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
        return undefined;
    }
}

async function timed<T>(pack: PolicyPackProcess, fn: () => Promise<T>): Promise<{ result: T; wallMs: number; cpuMs?: number }> {
    const cpu0 = cpuMs(pack.pid);
    const t = process.hrtime.bigint();
    const result = await fn();
    const wallMs = ms(t);
    const cpu1 = cpuMs(pack.pid);
    return { result, wallMs, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

async function analyzeAll(pack: PolicyPackProcess, resources: RecordedResource[], byUrn: Map<string, RecordedResource>): Promise<number> {
    let next = 0;
    let count = 0;
    await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
            while (next < resources.length) {
                count += (await pack.analyze(resources[next++]!, byUrn)).length;
            }
        }),
    );
    return count;
}

async function startTimed(dir: string, opts: StartOptions = {}): Promise<{ pack: PolicyPackProcess; startMs: number }> {
    const t = process.hrtime.bigint();
    const pack = await startPolicyPack(dir, { stack: "bench", ...opts });
    await pack.getAnalyzerInfo();
    return { pack, startMs: ms(t) };
}

async function main() {
    const resources = syntheticStack(TOTAL);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    // Start-up, one at a time: as the CLI starts the pack, as it would start the transpiled copy, and as
    // `npm run plan` starts that copy (plain node, see StartOptions.launch).
    const cli = await startTimed(PACK_DIR);
    await cli.pack.close();
    const copy = compiledPolicyPack(PACK_DIR);
    const cliCopy = await startTimed(copy);
    await cliCopy.pack.close();
    const { pack, startMs: startDirectMs } = await startTimed(copy, { launch: "direct", preload: [path.join(__dirname, "..", "tools", "preview", "packStacks.js")] });
    const { pack: floor } = await startTimed(FLOOR_DIR);
    try {
        await pack.configure({});
        await floor.configure({});
        const t = process.hrtime.bigint();
        const request = analyzeStackRequest(resources);
        const buildRequestMs = ms(t);
        const requestKnown = analyzeStackRequest(syntheticStack(TOTAL, true));
        type Round = { all: number; allCpu?: number; stack: number; stackCpu?: number; known: number; knownCpu?: number };
        const runs: Record<"pack" | "floor", Round[]> = { pack: [], floor: [] };
        let diagnostics = 0;
        let knownIdsDiagnostics = 0;
        for (let i = 0; i < REPS; i++) {
            for (const [name, p] of [["floor", floor], ["pack", pack]] as const) {
                const all = await timed(p, () => analyzeAll(p, resources, byUrn));
                const stack = await timed(p, () => p.analyzeStack(request));
                const known = await timed(p, () => p.analyzeStack(requestKnown));
                runs[name].push({ all: all.wallMs, allCpu: all.cpuMs, stack: stack.wallMs, stackCpu: stack.cpuMs, known: known.wallMs, knownCpu: known.cpuMs });
                if (name === "pack") {
                    diagnostics = all.result + stack.result.length;
                    knownIdsDiagnostics = known.result.length;
                }
            }
        }
        const med = (name: "pack" | "floor", k: keyof Round) =>
            runs[name].every((r) => r[k] !== undefined) ? Math.round(median(runs[name].map((r) => r[k]!))) : null;
        /** The pack's figure over the floor's, both medians of this run (issue 20: at most 1.5). */
        const ratio = (pack: number | null, floorFigure: number | null) => (pack === null || !floorFigure ? null : Number((pack / floorFigure).toFixed(2)));
        const stackMs = med("pack", "stack")!;
        const stackFloorMs = med("floor", "stack")!;
        console.log(
            JSON.stringify({
                bench: "policy",
                resources: resources.length,
                startMs: Math.round(cli.startMs),
                startCompiledMs: Math.round(cliCopy.startMs),
                startDirectMs: Math.round(startDirectMs),
                analyzeStackMs: stackMs,
                analyzeStackFloorMs: stackFloorMs,
                analyzeStackRulesMs: stackMs - stackFloorMs,
                analyzeStackFloorRatio: ratio(stackMs, stackFloorMs),
                analyzeStackCpuMs: med("pack", "stackCpu"),
                analyzeStackFloorCpuMs: med("floor", "stackCpu"),
                analyzeStackCpuFloorRatio: ratio(med("pack", "stackCpu"), med("floor", "stackCpu")),
                analyzeStackKnownIdsMs: med("pack", "known"),
                analyzeStackKnownIdsFloorMs: med("floor", "known"),
                analyzeStackKnownIdsCpuMs: med("pack", "knownCpu"),
                analyzeStackKnownIdsFloorCpuMs: med("floor", "knownCpu"),
                analyzeAllMs: med("pack", "all"),
                analyzeAllFloorMs: med("floor", "all"),
                analyzeAllCpuMs: med("pack", "allCpu"),
                analyzeAllFloorCpuMs: med("floor", "allCpu"),
                analyzePerResourceMs: Number((med("pack", "all")! / resources.length).toFixed(3)),
                buildRequestMs: Math.round(buildRequestMs),
                concurrency: CONCURRENCY,
                reps: REPS,
                diagnostics,
                knownIdsDiagnostics,
            }),
        );
    } finally {
        await pack.close();
        await floor.close();
    }
}

// Run as a benchmark, not when a spec imports syntheticStack.
if (require.main === module) {
    main().catch((e) => {
        console.error(e);
        process.exit(1);
    });
}
