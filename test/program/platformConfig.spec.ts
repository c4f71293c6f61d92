/**
 * Issue 22's config keys, validated without mocks: each problem names its key and the fix, and every problem is
 * reported at once, before anything is registered. AWS's constraints each case stands for are cited in
 * components/capacity.ts, components/execAccess.ts and components/fileSystemArgs.ts.
 */
import * as assert from "assert";
import { ConfigError, parseStackConfig } from "../../config";

const NS = "fargate-efs-s3";
const BASE = { "aws:region": "us-east-1", [`${NS}:allowPlainHttp`]: "true" };
const US_EAST_1 = { availabilityZones: ["us-east-1a", "us-east-1b", "us-east-1c"] };

function problemsOf(overrides: Record<string, string>): { key: string; reason: string }[] {
    try {
        parseStackConfig({ ...BASE, ...overrides }, US_EAST_1);
    } catch (err) {
        assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
        return [...(err as ConfigError).problems];
    }
    assert.fail("expected the config to be rejected");
}
function rejects(overrides: Record<string, string>, key: string, reason: RegExp) {
    const problems = problemsOf(overrides);
    const named = problems.filter((p) => p.key === `${NS}:${key}`);
    assert.strictEqual(named.length, 1, `expected ${key} to be named once, got ${JSON.stringify(problems)}`);
    assert.match(named[0].reason, reason);
}
const obj = (key: string, value: unknown) => ({ [`${NS}:${key}`]: JSON.stringify(value) });

describe("stack config: cpuArchitecture and capacityProviders", () => {
    it("accepts none of them (the components' defaults apply) and both architectures", () => {
        assert.deepStrictEqual(parseStackConfig(BASE, US_EAST_1).placement, { cpuArchitecture: undefined, exec: undefined });
        assert.strictEqual(parseStackConfig({ ...BASE, [`${NS}:cpuArchitecture`]: "X86_64" }, US_EAST_1).placement.cpuArchitecture, "X86_64");
    });
    it("refuses an architecture Fargate does not name that way", () => rejects({ [`${NS}:cpuArchitecture`]: "arm64" }, "cpuArchitecture", /one of ARM64, X86_64; got "arm64"/));
    it("refuses a capacity provider other than FARGATE and FARGATE_SPOT, naming the tier and the item", () =>
        rejects(obj("capacityProviders", { worker: [{ capacityProvider: "EC2", weight: 1 }] }), "capacityProviders.worker[0].capacityProvider", /FARGATE or FARGATE_SPOT/));
    it("refuses a base on two providers", () =>
        rejects(obj("capacityProviders", { web: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 1, weight: 1 }] }), "capacityProviders.web", /only one capacity provider in a strategy can have a base/));
    it("refuses a strategy whose weights are all zero", () => rejects(obj("capacityProviders", { worker: [{ capacityProvider: "FARGATE", base: 1 }] }), "capacityProviders.worker", /weight above 0/));
    it("refuses a weight above 1,000 and a provider named twice", () => {
        rejects(obj("capacityProviders", { web: [{ capacityProvider: "FARGATE", weight: 1001 }] }), "capacityProviders.web[0].weight", /0 to 1000/);
        rejects(obj("capacityProviders", { web: [{ capacityProvider: "FARGATE", weight: 1 }, { capacityProvider: "FARGATE", weight: 2 }] }), "capacityProviders.web[1].capacityProvider", /more than once/);
    });
    it("refuses an unknown tier", () => rejects(obj("capacityProviders", { batch: [] }), "capacityProviders.batch", /use web, worker, drain/));
    it("accepts the drain and the worker on Spot with ARM64 (FARGATE_SPOT runs ARM64 on platform 1.4.0) and with X86_64", () => {
        const onSpot = obj("capacityProviders", { drain: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }], worker: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }] });
        for (const architecture of ["ARM64", "X86_64"]) {
            assert.doesNotThrow(() => parseStackConfig({ ...BASE, ...onSpot, [`${NS}:cpuArchitecture`]: architecture }, US_EAST_1), architecture);
        }
    });
    it("refuses the load-balanced web tier on FARGATE_SPOT without the named opt-out, and accepts it with allowWebOnSpot: true", () => {
        const web = [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", weight: 1 }];
        rejects(obj("capacityProviders", { web }), "capacityProviders.web", /FARGATE_SPOT.*allowWebOnSpot: true/);
        rejects(obj("capacityProviders", { web, allowWebOnSpot: false }), "capacityProviders.web", /allowWebOnSpot: true/);
        rejects(obj("capacityProviders", { allowWebOnSpot: "yes" }), "capacityProviders.allowWebOnSpot", /true or false/);
        const config = parseStackConfig({ ...BASE, ...obj("capacityProviders", { web, allowWebOnSpot: true }) }, US_EAST_1);
        assert.deepStrictEqual(config.service.capacityProviderStrategy, web);
        assert.strictEqual(config.service.allowWebOnSpot, true);
    });
});

describe("stack config: exec", () => {
    it("refuses exec without a boolean enabled, and a logging destination it does not know", () => {
        rejects(obj("exec", { enabled: "yes" }), "exec.enabled", /true or false/);
        rejects(obj("exec", { enabled: true, logging: "syslog" }), "exec.logging", /cloudwatch, s3, none/);
        rejects(obj("exec", { enabled: true, shell: "bash" }), "exec.shell", /use enabled, logging/);
    });
    it("accepts exec on with each logging destination", () => {
        for (const logging of ["cloudwatch", "s3", "none"]) {
            assert.deepStrictEqual(parseStackConfig({ ...BASE, ...obj("exec", { enabled: true, logging }) }, US_EAST_1).placement.exec, { enabled: true, logging });
        }
    });
});

describe("stack config: efsTransitionToArchiveDays and efsReplication", () => {
    it("refuses an Archive age EFS does not offer", () => rejects({ [`${NS}:efsTransitionToArchiveDays`]: "45" }, "efsTransitionToArchiveDays", /one of 1, 7, 14, 30, 60, 90, 180, 270, 365; got 45/));
    it("refuses Archive no later than IA (files reach Archive only through IA)", () =>
        rejects({ [`${NS}:efsTransitionToArchiveDays`]: "30", [`${NS}:efsTransitionToIaDays`]: "30" }, "efsTransitionToArchiveDays", /later than transitionToIaDays \(30\).*Use one of 60, 90/));
    it("refuses Archive on a file system that is not elastic", () =>
        rejects({ [`${NS}:efsTransitionToArchiveDays`]: "90", [`${NS}:efsThroughputMode`]: "bursting" }, "efsTransitionToArchiveDays", /throughputMode "elastic".*bursting\/generalPurpose/));
    it("refuses a replica in the stack's own region, a region that is not one, and a key from another region", () => {
        rejects(obj("efsReplication", { region: "us-east-1" }), "efsReplication.region", /another region than the stack's own \(us-east-1\)/);
        rejects(obj("efsReplication", { region: "mars" }), "efsReplication.region", /AWS region name/);
        rejects(obj("efsReplication", { region: "us-west-2", kmsKeyArn: "arn:aws:kms:eu-west-1:210987654321:key/2c1b7a4e-0d8f-4e6a-9b3c-5f7e1d2a4b6c" }), "efsReplication.kmsKeyArn", /in the replica's region us-west-2.*eu-west-1/);
        rejects(obj("efsReplication", { region: "us-west-2", overwrite: true }), "efsReplication.overwrite", /use region, kmsKeyArn/);
    });
    it("refuses a replica in another partition (an account lives in one) and a key ARN of another partition", () => {
        rejects(obj("efsReplication", { region: "cn-north-1" }), "efsReplication.region", /stack's partition \(aws\).*cn-north-1 is in aws-cn/);
        rejects(obj("efsReplication", { region: "us-gov-west-1" }), "efsReplication.region", /aws-us-gov/);
        rejects(obj("efsReplication", { region: "us-west-2", kmsKeyArn: "arn:aws-cn:kms:us-west-2:210987654321:key/2c1b7a4e-0d8f-4e6a-9b3c-5f7e1d2a4b6c" }), "efsReplication.kmsKeyArn", /aws partition.*arn:aws-cn/);
        assert.doesNotThrow(() => parseStackConfig({ ...BASE, ...obj("efsReplication", { region: "eu-west-1", kmsKeyArn: "arn:aws:kms:eu-west-1:210987654321:key/2c1b7a4e-0d8f-4e6a-9b3c-5f7e1d2a4b6c" }) }, US_EAST_1));
    });
    it("refuses an Archive share above the IA share it is part of", () =>
        rejects(obj("usage", { efsInfrequentAccessPercent: 10, efsArchivePercent: 20 }), "usage.efsArchivePercent", /must not exceed usage.efsInfrequentAccessPercent \(10\)/));
    it("reports every problem of these keys at once", () => {
        const keys = problemsOf({
            [`${NS}:cpuArchitecture`]: "sparc",
            ...obj("exec", { enabled: 1 }),
            [`${NS}:efsTransitionToArchiveDays`]: "2",
            ...obj("efsReplication", { region: "us-east-1" }),
            ...obj("capacityProviders", { worker: [{ capacityProvider: "SPOT" }] }),
        }).map((p) => p.key.replace(`${NS}:`, ""));
        for (const key of ["cpuArchitecture", "exec.enabled", "efsTransitionToArchiveDays", "efsReplication.region", "capacityProviders.worker[0].capacityProvider"]) {
            assert.ok(keys.includes(key), `${key} in ${keys.join(", ")}`);
        }
    });
});
