/**
 * Issue 20: the two controls the program was short of. ALB access logs (CT.ELASTICLOADBALANCING.PR.6/PR.10, ELB.5) go to
 * a bucket the load balancer owns, which ELB's log delivery may write to; the services' log groups (CT.CLOUDWATCH.PR.3)
 * are encrypted with one rotated customer managed key that CloudWatch Logs of the account and region may use.
 */
import * as assert from "assert";
import * as path from "path";
import { ACCESS_LOG_EXPIRATION_DAYS, ELB_LOG_DELIVERY_SERVICE, elbLogDeliveryPrincipal } from "../../components/accessLogBucket";
import { loadStackConfigFromFile } from "../../tools/stackConfigFile";
import { estimateMonthlyCost } from "../../tools/cost/model";
import { LIST_PRICES } from "../../tools/cost/prices";
import { costInputFromStack } from "../../tools/preview/costInput";
import { allOfType, deps, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const T = {
    alb: "aws:lb/loadBalancer:LoadBalancer",
    bucket: "aws:s3/bucket:Bucket",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    key: "aws:kms/key:Key",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;

const ACCOUNT = "123456789012";
const run = (stack: "dev" | "prod", overrides: Record<string, string> = {}): Promise<StackRun> =>
    stackRun({ stack, overrides: { ...(stack === "prod" ? PROD_UPDATE_OVERRIDES : {}), ...overrides } });

describe("ALB access logs (CT.ELASTICLOADBALANCING.PR.6/PR.10, ELB.5)", () => {
    for (const [stack, retain] of [["dev", false], ["prod", true]] as const) {
        describe(`${stack} stack (mocks)`, () => {
            let r: StackRun;
            before(async () => {
                r = await run(stack);
            });
            const logBucket = () => oneOfType(r, T.bucket, "app-access-logs");
            const onLogBucket = (type: string, name: string) => {
                const found = oneOfType(r, type, name);
                assert.deepStrictEqual(deps(found, "bucket"), [logBucket().urn], `${name} is on the access-log bucket`);
                return found.inputs as any;
            };

            it("the load balancer delivers its access logs to a bucket of its own, once that bucket's policy is in place", () => {
                const alb = oneOfType(r, T.alb, "app-alb");
                assert.deepStrictEqual(alb.inputs.accessLogs, { bucket: logBucket().outputs.bucket, enabled: true });
                assert.deepStrictEqual(deps(alb, "accessLogs"), [logBucket().urn]);
                assert.ok(alb.dependencies.includes(oneOfType(r, T.bucketPolicy, "app-access-logs-policy").urn), "waits for the bucket policy");
                assert.notStrictEqual(logBucket().urn, oneOfType(r, T.bucket, "archive-bucket").urn);
            });
            it("the bucket is versioned, SSE-S3 (the only encryption ALB delivery supports), non-public, without ACLs", () => {
                assert.deepStrictEqual(onLogBucket(T.versioning, "app-access-logs-versioning").versioningConfiguration, { status: "Enabled" });
                assert.deepStrictEqual(onLogBucket(T.encryption, "app-access-logs-encryption").rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
                const pab = onLogBucket(T.publicAccess, "app-access-logs-public-access-block");
                for (const k of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.strictEqual(pab[k], true, k);
                assert.deepStrictEqual(onLogBucket(T.ownership, "app-access-logs-ownership").rule, { objectOwnership: "BucketOwnerEnforced" });
            });
            it("its policy denies non-TLS requests and allows only the region's ELB log delivery to put objects under AWSLogs/<this account>/", () => {
                const arn = logBucket().outputs.arn as string;
                const statements = json(onLogBucket(T.bucketPolicy, "app-access-logs-policy").policy).Statement as any[];
                assert.deepStrictEqual(statements.map((s) => s.Effect), ["Deny", "Allow"]);
                assert.deepStrictEqual(statements[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
                assert.deepStrictEqual(statements[0].Resource, [arn, `${arn}/*`]);
                const allow = statements[1];
                // us-east-1 opened before August 2022: its Elastic Load Balancing account writes the logs.
                assert.deepStrictEqual(allow.Principal, { AWS: "arn:aws:iam::127311923021:root" });
                assert.strictEqual(allow.Action, "s3:PutObject");
                assert.strictEqual(allow.Resource, `${arn}/AWSLogs/${ACCOUNT}/*`);
            });
            it(`moves logs to GLACIER after 90 days and expires them after ${ACCESS_LOG_EXPIRATION_DAYS}, old versions a day later`, () => {
                const [rule, ...rest] = onLogBucket(T.lifecycle, "app-access-logs-lifecycle").rules;
                assert.strictEqual(rest.length, 0);
                assert.strictEqual(rule.status, "Enabled");
                assert.deepStrictEqual(rule.transitions, [{ days: 90, storageClass: "GLACIER" }]);
                assert.deepStrictEqual(rule.expiration, { days: 365 });
                assert.deepStrictEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 1 });
            });
            it(`${retain ? "retains" : "deletes"} the log bucket with the stack (deletionProtection ${retain})`, () => {
                assert.strictEqual(r.retainedOnDelete.has(logBucket().urn), retain);
                assert.strictEqual(logBucket().inputs.forceDestroy, !retain);
            });
        });
    }

    it("picks the documented delivery principal by region: the ELB account before August 2022, the service principal since", () => {
        assert.deepStrictEqual(elbLogDeliveryPrincipal("aws", "eu-west-1"), { AWS: "arn:aws:iam::156460612806:root" });
        assert.deepStrictEqual(elbLogDeliveryPrincipal("aws-us-gov", "us-gov-west-1"), { AWS: "arn:aws-us-gov:iam::048591011584:root" });
        for (const region of ["ap-south-2", "eu-central-2", "me-central-1", "il-central-1", "ca-west-1", "ap-southeast-5", "mx-central-1"]) {
            assert.deepStrictEqual(elbLogDeliveryPrincipal("aws", region), { Service: ELB_LOG_DELIVERY_SERVICE }, region);
        }
    });
});

describe("Log-group encryption (CT.CLOUDWATCH.PR.3)", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: one rotated key, owned by the web service, encrypts every service log group; CloudWatch Logs of this account and region may use it`, async () => {
            const r = await run(stack);
            const key = oneOfType(r, T.key, "app-logs-key");
            assert.strictEqual(key.parent, oneOfType(r, "fargate-efs-s3:compute:FargateService", "app").urn);
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            // Deleted with the stack, like the log groups it encrypts (neither is retained).
            assert.strictEqual(r.retainedOnDelete.has(key.urn), false);
            const groups = allOfType(r, T.logGroup).filter((g) => g.name !== "app-exec-sessions");
            assert.deepStrictEqual(groups.map((g) => g.name).sort(), stack === "prod" ? ["app-logs", "worker-logs"] : ["app-logs"]);
            for (const g of groups) {
                assert.strictEqual(g.inputs.kmsKeyId, key.outputs.arn, g.name);
                assert.deepStrictEqual(deps(g, "kmsKeyId"), [key.urn], g.name);
            }
            const statements = json(key.inputs.policy).Statement as any[];
            assert.deepStrictEqual(statements.map((s) => s.Sid), ["AccountAdministers", "CloudWatchLogsEncrypts"]);
            assert.deepStrictEqual(statements[0].Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
            const logs = statements[1];
            assert.deepStrictEqual(logs.Principal, { Service: "logs.us-east-1.amazonaws.com" });
            assert.deepStrictEqual(logs.Condition, { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:*` } });
            assert.ok(!logs.Action.includes("kms:*") && logs.Action.includes("kms:GenerateDataKey*"));
        });
    }

    it("the task execution roles get no KMS permission (CloudWatch Logs encrypts, not the awslogs driver)", async () => {
        const r = await run("prod");
        const roles = allOfType(r, T.role).filter((x) => x.name.endsWith("-execution-role"));
        assert.ok(roles.length >= 2, "the web and worker execution roles");
        for (const role of roles) {
            const onRole = (type: string) => allOfType(r, type).filter((p) => deps(p, "role").includes(role.urn));
            assert.deepStrictEqual(onRole(T.rolePolicy).map((p) => p.name), [], `${role.name}: no inline policy`);
            assert.deepStrictEqual(
                onRole("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((p) => p.inputs.policyArn),
                ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"],
                `${role.name}: the AWS managed execution policy only (no kms:* actions in it)`,
            );
        }
    });
});

describe("Cost lines of the logging controls (issue 20)", () => {
    it("prices the log-group key and the access-log PUTs, and counts as topic keys only keys a topic is encrypted with", async () => {
        const dev = await run("dev");
        const config = loadStackConfigFromFile(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"));
        const input = costInputFromStack(config, dev.resources);
        assert.deepStrictEqual([input.logGroupKeys, input.loadBalancerAccessLogs, input.monitoring?.topicKeys], [1, true, 1]);
        const lines = estimateMonthlyCost(input, LIST_PRICES).lines;
        assert.strictEqual(lines.find((l) => l.item === "KMS key of the log groups")?.usd, 1);
        // One log file per ALB node (2 AZs) every 5 minutes: 2 × 12 × 730 PUTs.
        assert.strictEqual(lines.find((l) => l.item === "ALB access log PUT requests")?.quantity, (2 * 12 * 730) / 1000);
        const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const byArn = await run("dev", { "fargate-efs-s3:monitoring": JSON.stringify({ topicKmsKeyId: keyArn }) });
        assert.strictEqual(costInputFromStack(config, byArn.resources).monitoring?.topicKeys, 0, "a key passed by ARN is not the stack's");
    });
});
