/**
 * One source of defaults (issue 9): a key the stack config leaves out reaches the program as undefined, and the
 * resource carries the component's own default. The literals are pinned here: change a default in a component's
 * defaults function and these fail, which is the point (the program builds what the component says).
 */
import * as assert from "assert";
import { json, oneOfType, stackRun } from "../mocks";

describe("program: a default lives in its component only", () => {
    // dev sets none of these keys (Pulumi.dev.yaml).
    const dev = () => stackRun({ stack: "dev" });

    it("no efsThroughputMode/efsTransitionToIaDays: the file system is elastic and moves files to IA after 30 days (fileSystemDefaults)", async () => {
        const fs = oneOfType(await dev(), "aws:efs/fileSystem:FileSystem").inputs as any;
        assert.strictEqual(fs.throughputMode, "elastic");
        assert.strictEqual(fs.performanceMode, "generalPurpose");
        assert.deepStrictEqual(fs.lifecyclePolicies[0], { transitionToIa: "AFTER_30_DAYS" });
    });
    it("no accessPointPermissions: the access point's directory is created 0750 (DEFAULT_ACCESS_POINT_PERMISSIONS)", async () => {
        const ap = oneOfType(await dev(), "aws:efs/accessPoint:AccessPoint").inputs as any;
        assert.strictEqual(ap.rootDirectory.creationInfo.permissions, "0750");
    });
    it("no cpuTargetPercent: CPU target tracking holds 60% (serviceDefaults)", async () => {
        const policy = oneOfType(await dev(), "aws:appautoscaling/policy:Policy", "app-cpu-scaling").inputs as any;
        assert.strictEqual(policy.targetTrackingScalingPolicyConfiguration.targetValue, 60);
    });
    it("no containerPort/archivePrefix/drainSchedule: port 8080, prefix uploads/, an hourly drain (serviceDefaults)", async () => {
        const run = await dev();
        const container = json<any[]>(oneOfType(run, "aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions)[0];
        const env = Object.fromEntries((container.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
        assert.deepStrictEqual(container.portMappings, [{ containerPort: 8080, protocol: "tcp" }]);
        assert.strictEqual(env.ARCHIVE_PREFIX, "uploads/");
        assert.strictEqual(oneOfType(run, "aws:scheduler/schedule:Schedule").inputs.scheduleExpression, "rate(1 hour)");
    });
    it("no vpcCidr: the VPC is 10.0.0.0/16 (networkDefaults)", async () => {
        const vpc = oneOfType(await dev(), "awsx:ec2:Vpc").inputs as any;
        assert.strictEqual(vpc.cidrBlock, "10.0.0.0/16");
    });
    it("no archiveLifecycle: the bucket moves objects to GLACIER after 90 days (archiveBucketDefaults)", async () => {
        const lc = oneOfType(await dev(), "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "archive-lifecycle").inputs as any;
        const current = (lc.rules as any[]).flatMap((r) => r.transitions ?? []);
        assert.deepStrictEqual(current, [{ days: 90, storageClass: "GLACIER" }]);
    });
});
