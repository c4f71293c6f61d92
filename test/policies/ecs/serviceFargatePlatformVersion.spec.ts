import { U, compliantStack } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

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
    it("ignores an ECS task set, another type, on Fargate 1.3.0", () =>
        expectNoViolation(P, compliantStack().add("aws:ecs/taskSet:TaskSet", "task-set", { inputs: { launchType: "FARGATE", platformVersion: "1.3.0" } }).resources));
});
