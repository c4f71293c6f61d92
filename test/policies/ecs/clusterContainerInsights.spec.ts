import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-cluster-container-insights (CT.ECS.PR.2, ECS.12)", () => {
    const P = "ecs-cluster-container-insights";
    it("passes containerInsights enabled", () => expectNoViolation(P, controlsStack().resources));
    it("passes containerInsights enhanced", () => expectNoViolation(P, controlsStack().change("cluster", (i) => (i.settings[0].value = "enhanced")).resources));
    it("catches containerInsights disabled, as advisory", () =>
        expectOneViolation(P, controlsStack().change("cluster", (i) => (i.settings[0].value = "disabled")).resources, "cluster", /containerInsights setting is "disabled"/, { level: "advisory" }));
    it("catches a cluster without the setting", () => expectOneViolation(P, controlsStack().change("cluster", (i) => delete i.settings).resources, "cluster", /is not set/));
    it("treats an unknown setting as unproven", () => expectOneViolation(P, controlsStack().change("cluster", (i) => (i.settings = U)).resources, "cluster", /unknown during preview/));
});
