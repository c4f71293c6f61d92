import { U, compliantStack } from "./fixtures";
import { expectNoViolation, expectOneViolation } from "./harness";

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
});

describe("ecs-service-fargate-platform-version", () => {
    const P = "ecs-service-fargate-platform-version";
    it("passes a Fargate service on 1.4.0, on LATEST and with the version unset", async () => {
        await expectNoViolation(P, compliantStack().resources);
        await expectNoViolation(P, compliantStack().change("app-service", (i) => (i.platformVersion = "LATEST")).resources);
        await expectNoViolation(P, compliantStack().change("app-service", (i) => delete i.platformVersion).resources);
    });
    it("catches a Fargate service on 1.3.0", () =>
        expectOneViolation(P, compliantStack().change("app-service", (i) => (i.platformVersion = "1.3.0")).resources, "app-service", /"app-service".*1.4.0 or later.*"1.3.0"/));
    it("catches a service on a Fargate capacity provider", () =>
        expectOneViolation(
            P,
            compliantStack().change("app-service", (i) => {
                delete i.launchType;
                i.capacityProviderStrategies = [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
                i.platformVersion = "1.3.0";
            }).resources,
            "app-service",
            /"1.3.0"/,
        ));
    it("ignores services that do not run on Fargate", () =>
        expectNoViolation(P, compliantStack().change("app-service", (i) => Object.assign(i, { launchType: "EC2", platformVersion: "1.3.0" })).resources));
    it("treats a platform version unknown during preview as a violation", () =>
        expectOneViolation(P, compliantStack().change("app-service", (i) => (i.platformVersion = U)).resources, "app-service", /unknown during preview/));
    it("takes its minimum version from the policy config", async () => {
        const config = { [P]: { minimumVersion: "1.5.0" } };
        await expectOneViolation(P, compliantStack().resources, "app-service", /1.5.0 or later.*"1.4.0"/, { policyConfig: config });
    });
});
