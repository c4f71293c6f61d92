import * as assert from "assert";

import { PolicyConfigError, runPolicies } from "../../scripts/analyzerClient";
import { compliantStack } from "./fixtures";
import { check, pack } from "./harness";

const MANDATORY = ["ecs-taskdefinition-efs-transit-encryption", "ec2-securitygroup-efs-nfs-only", "s3-bucket-versioning-enabled"];

/** A stack that breaks one mandatory and one advisory rule. */
function brokenStack() {
    return compliantStack()
        .change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended"))
        .change("data", (i) => (i.encrypted = false));
}

describe("policy pack over the analyzer interface", () => {
    it("describes every rule with its default level through GetAnalyzerInfo", async () => {
        const info = await (await pack()).getAnalyzerInfo();
        assert.strictEqual(info.name, "fargate-efs-s3");
        assert.match(info.version, /^\d+\.\d+\.\d+$/);
        assert.ok(info.supportsConfig);
        for (const p of info.policies) {
            assert.match(p.name, /^(ecs|ec2|efs|s3|iam)-[a-z0-9]+-[a-z0-9-]+$/, p.name);
            assert.strictEqual(p.enforcementLevel, MANDATORY.includes(p.name) ? "mandatory" : "advisory", p.name);
        }
        assert.strictEqual(info.policies.length, 12);
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
