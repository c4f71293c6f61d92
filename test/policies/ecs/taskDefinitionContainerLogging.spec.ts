import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-container-logging (CT.ECS.PR.5, ECS.9)", () => {
    const P = "ecs-taskdefinition-container-logging";
    it("passes containers with an awslogs configuration", () => expectNoViolation(P, controlsStack().resources));
    it("catches a container without logConfiguration, as advisory", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), logConfiguration: undefined }).resources, "app-task", /container "app" has no logConfiguration.logDriver/, { level: "advisory" }));
    it("catches a logConfiguration without a driver", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), logConfiguration: { options: {} } }).resources, "app-task", /no logConfiguration.logDriver/));
    it("reports containerDefinitions unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources, "app-task", /unknown during preview/));
});
