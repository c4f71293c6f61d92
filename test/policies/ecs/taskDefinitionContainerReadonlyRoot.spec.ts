import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-container-readonly-root (CT.ECS.PR.6, ECS.5)", () => {
    const P = "ecs-taskdefinition-container-readonly-root";
    it("passes containers with a read-only root file system", () => expectNoViolation(P, controlsStack().resources));
    it("catches readonlyRootFilesystem: false, as advisory", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), readonlyRootFilesystem: false }).resources, "app-task", /container "app" has readonlyRootFilesystem false/, { level: "advisory" }));
    it("catches readonlyRootFilesystem left unset", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), readonlyRootFilesystem: undefined }).resources, "app-task", /readonlyRootFilesystem \(not set\)/));
    it("reports containerDefinitions unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources, "app-task", /unknown during preview/));
});
