import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-efs-iam-access-point", () => {
    const P = "ecs-taskdefinition-efs-iam-access-point";
    it("passes EFS volumes that use IAM authorization and an access point", () => expectNoViolation(P, compliantStack().resources));
    it("catches IAM authorization DISABLED on the second volume, naming it", () =>
        expectOneViolation(
            P,
            compliantStack().change("app-task", (i) => (i.volumes[1].efsVolumeConfiguration.authorizationConfig.iam = "DISABLED")).resources,
            "app-task",
            /EFS volume "logs".*IAM authorization is not enabled/,
        ));
    it("catches a volume that mounts no access point", () =>
        expectOneViolation(
            P,
            compliantStack().change("app-task", (i) => delete i.volumes[0].efsVolumeConfiguration.authorizationConfig.accessPointId).resources,
            "app-task",
            /"data".*mounts no access point/,
        ));
    it("accepts an access-point id unknown during preview but not an unknown iam setting", async () => {
        await expectNoViolation(P, compliantStack().resources); // the fixture's access-point ids are unknown
        await expectOneViolation(
            P,
            compliantStack().change("app-task", (i) => (i.volumes[0].efsVolumeConfiguration.authorizationConfig.iam = U)).resources,
            "app-task",
            /IAM authorization is unknown during preview/,
        );
    });
    it("ignores a resource of another type with the same volume shape", () =>
        expectNoViolation(
            P,
            compliantStack().add("aws:batch/jobDefinition:JobDefinition", "batch-job", {
                inputs: { volumes: [{ name: "x", efsVolumeConfiguration: { fileSystemId: "fs-1", transitEncryption: "ENABLED", authorizationConfig: { iam: "DISABLED" } } }] },
            }).resources,
        ));
});
