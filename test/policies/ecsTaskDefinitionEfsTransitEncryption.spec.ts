import * as assert from "assert";

import { secret } from "../../tools/analyzer/client";
import { U, compliantStack, efsVolume } from "./fixtures";
import { describeAll, violationsOf } from "./harness";

const POLICY = "ecs-taskdefinition-efs-transit-encryption";

describe(POLICY, () => {
    it("passes a task definition whose every EFS volume is encrypted in transit", async () => {
        const ds = await violationsOf(POLICY, compliantStack().resources);
        assert.deepStrictEqual(ds, [], describeAll(ds));
    });

    it("catches transit encryption DISABLED on the second EFS volume, naming that volume", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[1].efsVolumeConfiguration.transitEncryption = "DISABLED"));
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        assert.strictEqual(ds[0].urn, stack.urn("app-task"));
        assert.match(ds[0].message, /EFS volume "logs"/);
        assert.match(ds[0].message, /"DISABLED"/);
        assert.match(ds[0].message, /Set efsVolumeConfiguration.transitEncryption to the literal "ENABLED"/);
    });

    it("catches an EFS volume that leaves transitEncryption unset (ECS defaults to DISABLED)", async () => {
        const stack = compliantStack().change("app-task", (i) => delete i.volumes[0].efsVolumeConfiguration.transitEncryption);
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.match(ds[0].message, /EFS volume "data".*not set/);
    });

    it("reports every unencrypted EFS volume, not only the first", async () => {
        const stack = compliantStack().change("app-task", (i) => {
            i.volumes = [efsVolume("a", { transitEncryption: "DISABLED" }), efsVolume("b"), efsVolume("c", { transitEncryption: "DISABLED" })];
        });
        const ds = await violationsOf(POLICY, stack.resources);
        assert.deepStrictEqual(
            ds.map((d) => /EFS volume "(\w)"/.exec(d.message)?.[1]),
            ["a", "c"],
            describeAll(ds),
        );
    });

    it("treats a transitEncryption unknown during preview as a mandatory violation, not a silent pass", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[1].efsVolumeConfiguration.transitEncryption = U));
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        assert.match(ds[0].message, /"logs".*unknown during preview/);
    });

    it("treats volumes unknown during preview as a mandatory violation", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes = U));
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.strictEqual(ds[0].enforcementLevel, "mandatory");
        assert.match(ds[0].message, /volumes of task definition "app-task" are unknown during preview/);
    });

    it("treats an efsVolumeConfiguration unknown during preview as a mandatory violation", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration = U));
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.match(ds[0].message, /efsVolumeConfiguration of volume "data".*unknown during preview/);
    });

    it("names a volume by position when its name is unknown", async () => {
        const stack = compliantStack().change("app-task", (i) => {
            i.volumes[1].name = U;
            i.volumes[1].efsVolumeConfiguration.transitEncryption = "DISABLED";
        });
        const ds = await violationsOf(POLICY, stack.resources);
        assert.strictEqual(ds.length, 1, describeAll(ds));
        assert.match(ds[0].message, /volumes\[1\]/);
    });

    it("reads a secret transitEncryption through its secret wrapper", async () => {
        const ok = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = secret("ENABLED")));
        assert.deepStrictEqual(await violationsOf(POLICY, ok.resources), []);
        const bad = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = secret("DISABLED")));
        assert.strictEqual((await violationsOf(POLICY, bad.resources)).length, 1);
    });

    it("can be lowered to advisory or disabled through the policy-pack config", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = "DISABLED"));
        const advisory = await violationsOf(POLICY, stack.resources, { [POLICY]: "advisory" });
        assert.deepStrictEqual(advisory.map((d) => d.enforcementLevel), ["advisory"]);
        assert.deepStrictEqual(await violationsOf(POLICY, stack.resources, { all: "disabled" }), []);
    });
});
