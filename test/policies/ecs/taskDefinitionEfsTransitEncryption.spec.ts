import * as assert from "assert";

import { secret } from "../../../tools/analyzer/client";
import { U, compliantStack, efsVolume } from "../fixtures";
import { describeAll, expectNoViolation, expectOneViolation, violationsOf } from "../harness";

const POLICY = "ecs-taskdefinition-efs-transit-encryption";
/** Violations of this rule are mandatory and state how to fix them. */
const MANDATORY_WITH_FIX = { level: "mandatory", fix: /Set efsVolumeConfiguration.transitEncryption to the literal "ENABLED"/ } as const;

describe(POLICY, () => {
    it("passes a task definition whose every EFS volume is encrypted in transit", async () => {
        await expectNoViolation(POLICY, compliantStack().resources);
    });

    it("catches transit encryption DISABLED on the second EFS volume, naming that volume", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[1].efsVolumeConfiguration.transitEncryption = "DISABLED"));
        await expectOneViolation(POLICY, stack.resources, "app-task", /EFS volume "logs".*"DISABLED"/, MANDATORY_WITH_FIX);
    });

    it("catches an EFS volume that leaves transitEncryption unset (ECS defaults to DISABLED)", async () => {
        const stack = compliantStack().change("app-task", (i) => delete i.volumes[0].efsVolumeConfiguration.transitEncryption);
        await expectOneViolation(POLICY, stack.resources, "app-task", /EFS volume "data".*not set/, MANDATORY_WITH_FIX);
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
        await expectOneViolation(POLICY, stack.resources, "app-task", /"logs".*unknown during preview/, { level: "mandatory" });
    });

    it("treats volumes unknown during preview as a mandatory violation", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes = U));
        await expectOneViolation(POLICY, stack.resources, "app-task", /volumes of task definition "app-task" are unknown during preview/, { level: "mandatory" });
    });

    it("treats an efsVolumeConfiguration unknown during preview as a mandatory violation", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration = U));
        await expectOneViolation(POLICY, stack.resources, "app-task", /efsVolumeConfiguration of volume "data".*unknown during preview/, { level: "mandatory" });
    });

    it("names a volume by position when its name is unknown", async () => {
        const stack = compliantStack().change("app-task", (i) => {
            i.volumes[1].name = U;
            i.volumes[1].efsVolumeConfiguration.transitEncryption = "DISABLED";
        });
        await expectOneViolation(POLICY, stack.resources, "app-task", /volumes\[1\]/);
    });

    it("reads a secret transitEncryption through its secret wrapper", async () => {
        const ok = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = secret("ENABLED")));
        await expectNoViolation(POLICY, ok.resources);
        const bad = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = secret("DISABLED")));
        await expectOneViolation(POLICY, bad.resources, "app-task", /"DISABLED"/);
    });

    it("can be lowered to advisory or disabled through the policy-pack config", async () => {
        const stack = compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.transitEncryption = "DISABLED"));
        const advisory = await violationsOf(POLICY, stack.resources, { [POLICY]: "advisory" });
        assert.deepStrictEqual(advisory.map((d) => d.enforcementLevel), ["advisory"]);
        await expectNoViolation(POLICY, stack.resources, { all: "disabled" });
    });
    it("ignores a resource of another type with the same volume shape", async () => {
        const stack = compliantStack().add("aws:batch/jobDefinition:JobDefinition", "batch-job", { inputs: { volumes: [efsVolume("x", { transitEncryption: "DISABLED" })] } });
        await expectNoViolation(POLICY, stack.resources);
    });
});
