/**
 * Stack config validation, without mocks: one case per rule, each asserting that the error names the config key.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { archiveBucketDefaults, fileSystemDefaults, networkDefaults, serviceDefaults } from "../../components";
import { ConfigError, DEFAULT_USAGE, parseStackConfig, placeholderArnReason } from "../../config";
import { flattenStackYaml, loadStackConfigFromFile } from "../../tools/stackConfigFile";

const NS = "fargate-efs-s3";
/** The smallest valid config: a region, and the explicit opt-out from TLS (no certificate here). */
const BASE = { "aws:region": "us-east-1", [`${NS}:allowPlainHttp`]: "true" };
const US_EAST_1 = { availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"] };

function problemsOf(overrides: Record<string, string>, region = US_EAST_1): { key: string; reason: string }[] {
    try {
        parseStackConfig({ ...BASE, ...overrides }, region);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return [...(err as ConfigError).problems];
    }
    assert.fail("expected the config to be rejected");
}

/** Asserts that exactly this key is reported, with a reason matching `reason`. */
function rejects(overrides: Record<string, string>, key: string, reason: RegExp, region = US_EAST_1) {
    const problems = problemsOf(overrides, region);
    const named = problems.filter((p) => p.key === key);
    assert.strictEqual(named.length, 1, `expected ${key} to be named once, got ${JSON.stringify(problems)}`);
    assert.match(named[0].reason, reason);
}

const lifecycle = (value: object) => ({ [`${NS}:archiveLifecycle`]: JSON.stringify(value) });

describe("stack config: defaults", () => {
    it("leaves every setting the stack does not set undefined, for the component's defaults function to fill", () => {
        const c = parseStackConfig(BASE, US_EAST_1);
        assert.strictEqual(c.azCount, 2);
        assert.deepStrictEqual(c.availabilityZones, ["us-east-1a", "us-east-1b"]);
        assert.deepStrictEqual(c.network, { cidrBlock: undefined, natGateways: undefined });
        for (const [section, fields] of Object.entries({ fileSystem: c.fileSystem, archive: c.archive })) {
            for (const [field, value] of Object.entries(fields)) {
                assert.strictEqual(value, undefined, `${section}.${field}`);
            }
        }
        for (const [field, value] of Object.entries(c.service)) {
            if (field === "allowPlainHttp" || field === "environment") continue;
            assert.strictEqual(value, undefined, `service.${field}`);
        }
        assert.deepStrictEqual(c.service.environment, {}, "the app's own defaults apply to MAX_UPLOAD_BYTES and BACKLOG_MAX_BYTES");
        assert.deepStrictEqual(c.accessPoint, { path: "/app", uid: 1000, gid: 1000, permissions: undefined });
        assert.deepStrictEqual(c.usage, DEFAULT_USAGE);
    });
    it("the components' defaults functions give the documented defaults", () => {
        const c = parseStackConfig(BASE, US_EAST_1);
        assert.deepStrictEqual(networkDefaults(c.network), { cidrBlock: "10.0.0.0/16", natGateways: "OnePerAz" });
        assert.deepStrictEqual(fileSystemDefaults(c.fileSystem), { performanceMode: "generalPurpose", throughputMode: "elastic", transitionToIaDays: 30, backup: true, retainOnDelete: true });
        const bucket = archiveBucketDefaults(c.archive);
        assert.deepStrictEqual(bucket.lifecycle.transitions, [{ days: 90, storageClass: "GLACIER" }]);
        assert.strictEqual(bucket.retainOnDelete, true, "data is retained unless a stack opts out");
        const service = serviceDefaults(c.service);
        assert.deepStrictEqual(
            { archivePrefix: service.archivePrefix, cpu: service.cpu, memory: service.memory, desiredCount: service.desiredCount, deletionProtection: service.deletionProtection },
            { archivePrefix: "uploads/", cpu: 256, memory: 512, desiredCount: 1, deletionProtection: true },
        );
    });
    it("accepts the dev and prod stack files", () => {
        for (const stack of ["dev", "prod"]) {
            const c = loadStackConfigFromFile(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`));
            assert.strictEqual(c.region, "us-east-1");
        }
    });
    it("requires TLS unless the stack opts out explicitly", () => {
        rejects({ [`${NS}:allowPlainHttp`]: "false" }, `${NS}:certificateArn`, /allowPlainHttp/);
    });
});

describe("stack config: every problem names its key", () => {
    it("reports a malformed VPC CIDR", () => rejects({ [`${NS}:vpcCidr`]: "10.0.0/16" }, `${NS}:vpcCidr`, /IPv4 CIDR/));
    it("reports a VPC CIDR prefix AWS or the subnets cannot use", () => rejects({ [`${NS}:vpcCidr`]: "10.0.0.0/8" }, `${NS}:vpcCidr`, /\/16 to \/24/));
    it("reports a VPC CIDR with host bits set, and gives the network address", () =>
        rejects({ [`${NS}:vpcCidr`]: "10.0.1.0/16" }, `${NS}:vpcCidr`, /10\.0\.0\.0\/16/));
    it("reports an AZ count below 1", () => rejects({ [`${NS}:azCount`]: "0" }, `${NS}:azCount`, /2 to 6/));
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones
    it("reports one AZ: an Application Load Balancer needs subnets in at least two", () =>
        rejects({ [`${NS}:azCount`]: "1" }, `${NS}:azCount`, /2 to 6 \(an Application Load Balancer needs subnets in at least two AZs.*got 1$/));
    it("reports an AZ count above 6", () => rejects({ [`${NS}:azCount`]: "7" }, `${NS}:azCount`, /2 to 6; got 7/));
    it("reports an AZ count above what the region has", () =>
        rejects({ "aws:region": "us-west-1", [`${NS}:azCount`]: "3" }, `${NS}:azCount`, /us-west-1 has 2 available AZs/, { availabilityZones: ["us-west-1a", "us-west-1c"] }));
    it("reports an unknown NAT strategy", () => rejects({ [`${NS}:natGateways`]: "None" }, `${NS}:natGateways`, /Single, OnePerAz/));
    it("reports more desired tasks than the maximum", () =>
        rejects({ [`${NS}:desiredCount`]: "5", [`${NS}:maxCount`]: "3" }, `${NS}:desiredCount`, /must not exceed maxCount \(3\)/));
    it("reports a minimum above the maximum", () => rejects({ [`${NS}:minCount`]: "4", [`${NS}:maxCount`]: "3", [`${NS}:desiredCount`]: "3" }, `${NS}:minCount`, /maxCount/));
    it("reports an unknown throughput mode", () => rejects({ [`${NS}:efsThroughputMode`]: "turbo" }, `${NS}:efsThroughputMode`, /elastic, bursting, provisioned/));
    it("reports provisioned throughput without MiB/s", () =>
        rejects({ [`${NS}:efsThroughputMode`]: "provisioned" }, `${NS}:efsProvisionedThroughputMibps`, /required/));
    it("reports MiB/s without provisioned throughput", () =>
        rejects({ [`${NS}:efsProvisionedThroughputMibps`]: "100" }, `${NS}:efsProvisionedThroughputMibps`, /only to throughputMode "provisioned"/));
    it("reports provisioned MiB/s above what EFS sells", () =>
        rejects({ [`${NS}:efsThroughputMode`]: "provisioned", [`${NS}:efsProvisionedThroughputMibps`]: "5000" }, `${NS}:efsProvisionedThroughputMibps`, /1 to 3414/));
    it("reports maxIO with elastic throughput", () => rejects({ [`${NS}:efsPerformanceMode`]: "maxIO" }, `${NS}:efsPerformanceMode`, /generalPurpose/));
    it("reports an IA transition age EFS does not offer", () => rejects({ [`${NS}:efsTransitionToIaDays`]: "45" }, `${NS}:efsTransitionToIaDays`, /1, 7, 14, 30/));
    it("reports an access point rooted at /", () => rejects({ [`${NS}:accessPointPath`]: "/" }, `${NS}:accessPointPath`, /must not be "\/"/));
    it("reports a root POSIX uid", () => rejects({ [`${NS}:posixUid`]: "0" }, `${NS}:posixUid`, /0 is root/));
    it("reports non-octal access point permissions", () => rejects({ [`${NS}:accessPointPermissions`]: "rwx" }, `${NS}:accessPointPermissions`, /octal/));
    it("reports a CPU/memory pair Fargate does not offer", () =>
        rejects({ [`${NS}:cpu`]: "256", [`${NS}:memory`]: "4096" }, `${NS}:memory`, /512 to 2048 MiB/));
    it("reports a CPU size Fargate does not offer", () => rejects({ [`${NS}:cpu`]: "300" }, `${NS}:cpu`, /256, 512/));
    it("reports a log retention CloudWatch does not accept", () => rejects({ [`${NS}:logRetentionDays`]: "10" }, `${NS}:logRetentionDays`, /CloudWatch/));
    it("reports a privileged container port", () => rejects({ [`${NS}:containerPort`]: "80" }, `${NS}:containerPort`, /1024 to 65535/));
    it("reports an archive prefix without a trailing slash", () => rejects({ [`${NS}:archivePrefix`]: "uploads" }, `${NS}:archivePrefix`, /ending with "\/"/));
    it("reports a malformed certificate ARN", () => rejects({ [`${NS}:certificateArn`]: "my-cert" }, `${NS}:certificateArn`, /ACM certificate ARN/));
    it("reports a malformed KMS key ARN", () => rejects({ [`${NS}:efsKmsKeyArn`]: "alias/x" }, `${NS}:efsKmsKeyArn`, /KMS key/));
    it("reports an alias ARN for the bucket's key, which the task role's grant would not match", () =>
        rejects({ [`${NS}:archiveKmsKeyArn`]: "arn:aws:kms:us-east-1:123456789012:alias/archive" }, `${NS}:archiveKmsKeyArn`, /not an alias/));
    it("reports a value of the wrong kind once, not again through its default", () =>
        rejects({ [`${NS}:azCount`]: "two" }, `${NS}:azCount`, /whole number; got "two"/));
    it("reports an unknown key and suggests the known one", () => rejects({ [`${NS}:azcount`]: "2" }, `${NS}:azcount`, /did you mean fargate-efs-s3:azCount/));
    it("reports a missing aws:region", () => {
        const problems = problemsOf({ "aws:region": "" });
        assert.ok(problems.some((p) => p.key === "aws:region" && /pulumi config set aws:region/.test(p.reason)));
    });
    it("reports an unknown usage assumption and a negative one", () => {
        rejects({ [`${NS}:usage`]: JSON.stringify({ efsGb: 1 }) }, `${NS}:usage.efsGb`, /not a usage assumption/);
        rejects({ [`${NS}:usage`]: JSON.stringify({ s3StandardGb: -1 }) }, `${NS}:usage.s3StandardGb`, /from 0/);
    });
    it("reports every problem at once", () => {
        const problems = problemsOf({ [`${NS}:azCount`]: "9", [`${NS}:efsThroughputMode`]: "turbo", [`${NS}:cpu`]: "300", [`${NS}:logRetentionDays`]: "10" });
        assert.deepStrictEqual(
            problems.map((p) => p.key).sort(),
            [`${NS}:azCount`, `${NS}:cpu`, `${NS}:efsThroughputMode`, `${NS}:logRetentionDays`].sort(),
        );
    });
});

describe("stack config: the archive lifecycle is checked as S3 checks it", () => {
    const key = (p: string) => `${NS}:archiveLifecycle.${p}`;
    it("reports STANDARD_IA sooner than 30 days", () =>
        rejects(lifecycle({ transitions: [{ days: 10, storageClass: "STANDARD_IA" }] }), key("transitions[0].days"), /30 days or more/));
    it("reports a class that moves back up", () =>
        rejects(lifecycle({ transitions: [{ days: 30, storageClass: "GLACIER" }, { days: 120, storageClass: "STANDARD_IA" }] }), key("transitions[1].storageClass"), /only move down/));
    it("reports transitions whose days do not increase", () =>
        rejects(lifecycle({ transitions: [{ days: 90, storageClass: "GLACIER" }, { days: 60, storageClass: "DEEP_ARCHIVE" }] }), key("transitions[1].days"), /later than the previous/));
    it("reports leaving STANDARD_IA before 30 days there", () =>
        rejects(lifecycle({ transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 45, storageClass: "GLACIER" }] }), key("transitions[1].days"), /stay 30 days in STANDARD_IA/));
    it("reports an unknown storage class", () =>
        rejects(lifecycle({ transitions: [{ days: 90, storageClass: "COLD" }] }), key("transitions[0].storageClass"), /not a transition storage class/));
    it("reports noncurrent expiration before its transition", () =>
        rejects(lifecycle({ noncurrentTransitions: [{ days: 60, storageClass: "GLACIER" }], noncurrentExpirationDays: 30 }), key("noncurrentExpirationDays"), /after the last transition/));
    it("reports current expiration before the last transition", () =>
        rejects(lifecycle({ expirationDays: 30 }), key("expirationDays"), /after the last transition \(GLACIER at 90 days\)/));
    it("reports a multipart abort of less than a day", () =>
        rejects(lifecycle({ abortIncompleteMultipartUploadDays: 0 }), key("abortIncompleteMultipartUploadDays"), /at least 1/));
    it("reports an unknown lifecycle setting", () => rejects(lifecycle({ glacierDays: 90 }), key("glacierDays"), /not a lifecycle setting/));
    it("accepts a full waterfall S3 would accept", () => {
        const c = parseStackConfig(
            {
                ...BASE,
                ...lifecycle({
                    transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 60, storageClass: "GLACIER_IR" }, { days: 180, storageClass: "DEEP_ARCHIVE" }],
                    expirationDays: 3650,
                }),
            },
            US_EAST_1,
        );
        assert.strictEqual(c.archive.lifecycle?.transitions.length, 3);
    });
});

describe("stack config: the drain schedule", () => {
    it("defaults to hourly (the service's default) and can be switched off", () => {
        assert.strictEqual(serviceDefaults(parseStackConfig(BASE, US_EAST_1).service).drainSchedule, "rate(1 hour)");
        assert.strictEqual(parseStackConfig({ ...BASE, [`${NS}:drainSchedule`]: "off" }, US_EAST_1).service.drainSchedule, false);
    });
    it("reports an expression EventBridge Scheduler would reject", () =>
        rejects({ [`${NS}:drainSchedule`]: "every hour" }, `${NS}:drainSchedule`, /rate\(1 hour\)/));
    it("reports a schedule that would start a task every few minutes", () =>
        rejects({ [`${NS}:drainSchedule`]: "rate(2 minutes)" }, `${NS}:drainSchedule`, /5 minutes or more/));
    // https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based
    it("reports a plural unit for 1 and a singular one for more, with the expression to write instead", () => {
        rejects({ [`${NS}:drainSchedule`]: "rate(2 hour)" }, `${NS}:drainSchedule`, /singular unit only for 1 .*write "rate\(2 hours\)"/);
        rejects({ [`${NS}:drainSchedule`]: "rate(1 hours)" }, `${NS}:drainSchedule`, /write "rate\(1 hour\)"/);
        rejects({ [`${NS}:drainSchedule`]: "rate(10 minute)" }, `${NS}:drainSchedule`, /write "rate\(10 minutes\)"/);
        rejects({ [`${NS}:drainSchedule`]: "rate(1 days)" }, `${NS}:drainSchedule`, /write "rate\(1 day\)"/);
    });
    it("accepts the unit that matches the number", () => {
        for (const expression of ["rate(1 hour)", "rate(2 hours)", "rate(1 day)", "rate(7 days)", "rate(15 minutes)"]) {
            assert.strictEqual(parseStackConfig({ ...BASE, [`${NS}:drainSchedule`]: expression }, US_EAST_1).service.drainSchedule, expression);
        }
    });
});

describe("stack config: a placeholder certificate passes a preview and stops an update", () => {
    const PROD = path.join(__dirname, "..", "..", "Pulumi.prod.yaml");
    const withCertificate = (arn: string) => ({ "aws:region": "us-east-1", [`${NS}:certificateArn`]: arn });
    const updateProblems = (arn: string) => {
        try {
            parseStackConfig(withCertificate(arn), US_EAST_1, "update");
        } catch (err) {
            assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
            return [...err.problems];
        }
        return [];
    };

    it("the prod stack file's example certificate is accepted for a preview", () => {
        assert.match(String(loadStackConfigFromFile(PROD).service.certificateArn), /^arn:aws:acm:/);
    });
    it("the same file is refused for an update, naming certificateArn and how to set a real one", () => {
        const raw = flattenStackYaml(fs.readFileSync(PROD, "utf8"));
        assert.throws(
            () => parseStackConfig(raw, US_EAST_1, "update"),
            (err: unknown) =>
                err instanceof ConfigError &&
                err.problems.length === 1 &&
                err.problems[0].key === `${NS}:certificateArn` &&
                /placeholder \(account 123456789012 is an example account\).*pulumi config set certificateArn/.test(err.problems[0].reason),
        );
    });
    for (const [arn, why] of [
        ["arn:aws:acm:us-east-1:000000000000:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80", /account 000000000000/],
        ["arn:aws:acm:us-east-1:111122223333:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80", /account 111122223333/],
        ["arn:aws:acm:us-east-1:210987654321:certificate/00000000-0000-0000-0000-000000000000", /id "00000000-0000-0000-0000-000000000000"/],
        ["arn:aws:acm:us-east-1:210987654321:certificate/12345678-1234-1234-1234-123456789012", /example id/],
        ["arn:aws:acm:us-east-1:210987654321:certificate/example", /id "example"/],
    ] as const) {
        it(`refuses ${arn} for an update`, () => {
            const problems = updateProblems(arn);
            assert.deepStrictEqual(problems.map((p) => p.key), [`${NS}:certificateArn`]);
            assert.match(problems[0].reason, why);
        });
    }
    it("accepts a real-looking certificate for an update", () => {
        assert.deepStrictEqual(updateProblems("arn:aws:acm:us-east-1:210987654321:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80"), []);
    });
    it("placeholderArnReason leaves a real-looking ARN alone", () => {
        assert.strictEqual(placeholderArnReason("arn:aws:acm:eu-west-1:210987654321:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80"), undefined);
    });
});

describe("stack config: the background worker", () => {
    const worker = (value: object) => ({ [`${NS}:worker`]: JSON.stringify(value) });
    it("is off unless the stack turns it on", () => assert.strictEqual(parseStackConfig(BASE, US_EAST_1).worker.enabled, false));
    it("reports a missing enabled flag", () => rejects(worker({ cpu: 256 }), `${NS}:worker.enabled`, /true or false/));
    it("reports a CPU/memory pair Fargate does not offer, under worker.", () => rejects(worker({ enabled: true, cpu: 256, memory: 4096 }), `${NS}:worker.memory`, /512 to 2048 MiB/));
    it("reports a minimum above the maximum", () => rejects(worker({ enabled: true, minCount: 3, maxCount: 2, desiredCount: 2 }), `${NS}:worker.minCount`, /maxCount/));
    it("reports an unknown worker setting", () => rejects(worker({ enabled: true, replicas: 2 }), `${NS}:worker.replicas`, /not a worker setting/));
    it("reports a log retention CloudWatch does not accept", () => rejects(worker({ enabled: true, logRetentionDays: 10 }), `${NS}:worker.logRetentionDays`, /CloudWatch/));
});
