import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-service-no-public-ip (CT.ECS.PR.9, ECS.2)", () => {
    const P = "ecs-service-no-public-ip";
    it("passes assignPublicIp: false", () => expectNoViolation(P, controlsStack().resources));
    it("passes a service without networkConfiguration.assignPublicIp", () => expectNoViolation(P, controlsStack().change("app-service", (i) => delete i.networkConfiguration.assignPublicIp).resources));
    it("catches assignPublicIp: true, as mandatory", () =>
        expectOneViolation(P, controlsStack().change("app-service", (i) => (i.networkConfiguration.assignPublicIp = true)).resources, "app-service", /assignPublicIp is true/, { level: "mandatory" }));
    it("treats an unknown assignPublicIp as a violation", () =>
        expectOneViolation(P, controlsStack().change("app-service", (i) => (i.networkConfiguration.assignPublicIp = U)).resources, "app-service", /unknown during preview/));
});
