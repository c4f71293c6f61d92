import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-container-non-privileged (CT.ECS.PR.11, ECS.4)", () => {
    const P = "ecs-taskdefinition-container-non-privileged";
    it("passes containers that are not privileged", () => expectNoViolation(P, controlsStack().resources));
    it("passes privileged: false", () => expectNoViolation(P, withContainers(controlsStack(), { ...appContainer(), privileged: false }).resources));
    it("catches privileged: true, as advisory", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), privileged: true }).resources, "app-task", /container "app" sets privileged: true/, { level: "advisory" }));
    it("reports containerDefinitions unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources, "app-task", /unknown during preview/));
});
