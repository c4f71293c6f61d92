import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

import { PolicyConfigError, runPolicies, startPolicyPack } from "../../tools/analyzer/client";
import { compliantStack, U } from "../policies/fixtures";
import { check, pack } from "../policies/harness";

const MANDATORY = [
    "ecs-taskdefinition-efs-transit-encryption",
    "ec2-securitygroup-efs-nfs-only",
    "s3-bucket-versioning-enabled",
    "cloudfront-origin-bucket-oac-only",
    // From the AWS proactive controls (docs/controls.md).
    "ecs-taskdefinition-awsvpc",
    "ecs-taskdefinition-no-host-pid",
    "ecs-service-no-public-ip",
    "elb-loadbalancer-drop-invalid-headers",
    "elb-loadbalancer-desync-mitigation",
    "ec2-securitygroup-open-ingress-web-only",
    "sqs-queue-encrypted-redrive-tls-only",
    "sns-topic-alarm-key-admits-cloudwatch",
    "cloudfront-origin-served-paths-readable",
];

/** A stack that breaks one mandatory and one advisory rule. */
function brokenStack() {
    return compliantStack()
        .change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"))
        .change("data", (i) => (i.encrypted = false));
}

/** A stack that breaks every rule of the pack once. */
function brokenForEveryRule() {
    return compliantStack()
        .change("app-task", (i) => {
            i.volumes[0].efsVolumeConfiguration.transitEncryption = "DISABLED";
            i.volumes[1].efsVolumeConfiguration.authorizationConfig.iam = "DISABLED";
        })
        .change("efs-nfs-from-tasks", (i) => (i.ipProtocol = "-1"))
        .change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"))
        .change("data", (i) => (i.encrypted = false))
        .change("app-service", (i) => (i.platformVersion = "1.3.0"))
        .change("archive-public-access", (i) => (i.blockPublicAcls = false))
        .remove("archive-lifecycle")
        .remove("archive-policy")
        .remove("data-policy")
        .remove("data-connections")
        .change("data-ap", (i) => (i.rootDirectory.path = "/"))
        .change("task-role-data", (i) => (i.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] })))
        .change("alarms", (i) => (i.kmsMasterKeyId = "alias/aws/sns"))
        .add("aws:cloudwatch/metricAlarm:MetricAlarm", "app-5xx", {
            inputs: { namespace: "AWS/ApplicationELB", metricName: "HTTPCode_Target_5XX_Count", statistic: "Sum", period: 60, evaluationPeriods: 5, comparisonOperator: "GreaterThanThreshold", threshold: 5, alarmActions: [U] },
            deps: { alarmActions: ["alarms"] },
        })
        .add("aws:cloudfront/originAccessIdentity:OriginAccessIdentity", "cdn-oai", { inputs: { comment: "legacy" } })
        .add("aws:cloudfront/distribution:Distribution", "cdn", {
            inputs: {
                defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" },
                viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/1", sslSupportMethod: "vip", minimumProtocolVersion: "TLSv1" },
                origins: [{ originId: "api", domainName: "api.example.org", customOriginConfig: { originProtocolPolicy: "http-only", originSslProtocols: ["TLSv1"] } }],
            },
        })
        // The rules from the AWS proactive controls (docs/controls.md), each broken once.
        .change("app-task", (i) => {
            i.networkMode = "bridge";
            i.pidMode = "host";
            delete i.memory;
        })
        .change("app-service", (i) => (i.networkConfiguration = { assignPublicIp: true }))
        .change("data-ap", (i) => delete i.posixUser)
        .add("aws:ecs/cluster:Cluster", "cluster", { inputs: { settings: [{ name: "containerInsights", value: "disabled" }] } })
        .add("aws:lb/loadBalancer:LoadBalancer", "alb", { inputs: { loadBalancerType: "application", dropInvalidHeaderFields: false, desyncMitigationMode: "monitor", enableDeletionProtection: true } })
        .add("aws:lb/listener:Listener", "http", { inputs: { loadBalancerArn: U, protocol: "HTTP", port: 80, defaultActions: [{ type: "forward" }] }, deps: { loadBalancerArn: ["alb"] } })
        .add("aws:lb/listener:Listener", "https", { inputs: { loadBalancerArn: U, protocol: "HTTPS", port: 443, sslPolicy: "ELBSecurityPolicy-2016-08" }, deps: { loadBalancerArn: ["alb"] } })
        .add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ssh-from-anywhere", { inputs: { securityGroupId: U, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 22, toPort: 22 }, deps: { securityGroupId: ["tasks-sg"] } })
        .add("aws:cloudwatch/logGroup:LogGroup", "logs", { inputs: { retentionInDays: 1 } })
        .add("aws:cloudwatch/metricAlarm:MetricAlarm", "silent", { inputs: { namespace: "AWS/ECS", metricName: "RunningTaskCount" } })
        .add("aws:kms/key:Key", "unrotated", { inputs: { enableKeyRotation: false } })
        .add("aws:kms/key:Key", "rsa-2048", { inputs: { customerMasterKeySpec: "RSA_2048", keyUsage: "ENCRYPT_DECRYPT" } })
        .add("aws:ecr/repository:Repository", "repo", { inputs: { imageTagMutability: "MUTABLE" } })
        .add("aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration", "archive-tiering", {
            inputs: { bucket: "archive-1234", name: "all", status: "Enabled", tierings: [{ accessTier: "DEEP_ARCHIVE_ACCESS", days: 180 }] },
            deps: { bucket: ["archive"] },
        })
        .add("aws:cloudfront/distribution:Distribution", "cdn-archive", {
            inputs: { origins: [{ originId: "archive", domainName: "archive-1234.s3.eu-west-1.amazonaws.com" }], defaultCacheBehavior: { viewerProtocolPolicy: "allow-all" }, viewerCertificate: { cloudfrontDefaultCertificate: true } },
            deps: { origins: ["archive"] },
        })
        // Issue 22: exec on in a cluster outside the stack (unlogged, as far as the stack shows), and a prod-like
        // stack (deletion protection, on the load balancer above) whose file system has neither backup nor replica.
        .change("app-service", (i) => Object.assign(i, { enableExecuteCommand: true, cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/elsewhere" }))
        .add("aws:sqs/queue:Queue", "work-queue", { inputs: { sqsManagedSseEnabled: false } })
        // The load balancer above is protected (issue 22 needs one); this one breaks the deletion-protection rule.
        .add("aws:lb/loadBalancer:LoadBalancer", "alb-unprotected", { inputs: { loadBalancerType: "application", dropInvalidHeaderFields: true } });
}

describe("policy pack over the analyzer interface", () => {
    it("describes every rule with its default level through GetAnalyzerInfo", async () => {
        const info = await (await pack()).getAnalyzerInfo();
        assert.strictEqual(info.name, "fargate-efs-s3");
        assert.match(info.version, /^\d+\.\d+\.\d+$/);
        assert.ok(info.supportsConfig);
        for (const p of info.policies) {
            assert.match(p.name, /^(ecs|ec2|efs|s3|iam|cloudfront|elb|cloudwatch|kms|ecr|sqs|sns)-[a-z0-9]+-[a-z0-9-]+$/, p.name);
            assert.strictEqual(p.enforcementLevel, MANDATORY.includes(p.name) ? "mandatory" : "advisory", p.name);
        }
        assert.strictEqual(info.policies.length, 53);
    });

    it('raises every rule to mandatory with { "all": "mandatory" }', async () => {
        const ds = await check(brokenStack().resources, { all: "mandatory" });
        const encrypted = ds.find((d) => d.policy === "efs-filesystem-encrypted");
        assert.strictEqual(encrypted?.enforcementLevel, "mandatory");
    });

    it("applies a per-policy level after the all level", async () => {
        const ds = await check(brokenStack().resources, { all: "advisory", "s3-bucket-versioning-enabled": "mandatory" });
        assert.strictEqual(ds.find((d) => d.policy === "s3-bucket-versioning-enabled")?.enforcementLevel, "mandatory");
        assert.strictEqual(ds.find((d) => d.policy === "efs-filesystem-encrypted")?.enforcementLevel, "advisory");
    });

    it("disables a rule with { enforcementLevel: disabled }", async () => {
        const ds = await check(brokenStack().resources, { "s3-bucket-versioning-enabled": { enforcementLevel: "disabled" } });
        assert.ok(!ds.some((d) => d.policy === "s3-bucket-versioning-enabled"));
        assert.ok(ds.some((d) => d.policy === "efs-filesystem-encrypted"));
    });

    it("changes the level of each rule on its own: mandatory, advisory or disabled", async () => {
        const resources = brokenForEveryRule().resources;
        const info = await (await pack()).getAnalyzerInfo();
        const byDefault = await check(resources);
        assert.deepStrictEqual([...new Set(byDefault.map((d) => d.policy))].sort(), info.policies.map((p) => p.name).sort(), "the fixture breaks every rule");
        for (const p of info.policies) {
            for (const level of ["mandatory", "advisory"] as const) {
                const ds = (await check(resources, { [p.name]: level })).filter((d) => d.policy === p.name);
                assert.ok(ds.length > 0 && ds.every((d) => d.enforcementLevel === level), `${p.name} at ${level}`);
            }
            const disabled = await check(resources, { [p.name]: "disabled" });
            assert.ok(!disabled.some((d) => d.policy === p.name), `${p.name} disabled`);
            assert.ok(disabled.length > 0, "the other rules still report");
        }
    });

    it("rejects an invalid config, naming every bad key and value at once", async () => {
        const p = await pack();
        await assert.rejects(
            runPolicies(compliantStack().resources, {
                pack: p,
                policyConfig: {
                    "s3-bucket-lifecycle-glacier": { maxDays: -1 },
                    "ecs-service-fargate-platform-version": { minimumVersion: "one" },
                    "no-such-policy": "mandatory",
                    "efs-filesystem-encrypted": "strict",
                },
            }),
            (e: unknown) => {
                assert.ok(e instanceof PolicyConfigError);
                const where = e.problems.map((x) => `${x.policy}${x.property ? "." + x.property : ""}`).sort();
                assert.deepStrictEqual(where, [
                    "ecs-service-fargate-platform-version.minimumVersion",
                    "efs-filesystem-encrypted",
                    "no-such-policy",
                    "s3-bucket-lifecycle-glacier.maxDays",
                ]);
                return true;
            },
        );
    });

    it("reports a mandatory violation with the policy, level, URN and message the plan prints", async () => {
        const ds = await check(brokenStack().resources);
        const d = ds.find((x) => x.policy === "s3-bucket-versioning-enabled")!;
        assert.deepStrictEqual(
            { policy: d.policy, enforcementLevel: d.enforcementLevel, urn: d.urn },
            { policy: "s3-bucket-versioning-enabled", enforcementLevel: "mandatory", urn: brokenStack().urn("archive-versioning") },
        );
        assert.match(d.message, /archive/);
    });
});

describe("analyzer client start-up", () => {
    it("rejects with the compiler's message when the pack does not type-check, as the CLI would report it", async () => {
        // Inside the repository, so the pack resolves @pulumi/* from the root node_modules.
        const tmp = path.join(__dirname, "..", "..", ".test-tmp");
        fs.mkdirSync(tmp, { recursive: true });
        const dir = fs.mkdtempSync(path.join(tmp, "broken-pack-"));
        try {
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "broken", version: "0.0.1", main: "index.ts" }));
            fs.writeFileSync(path.join(dir, "index.ts"), 'const port: number = "not a number";\n');
            await assert.rejects(startPolicyPack(dir), /exited .*before serving[\s\S]*TS2322/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
