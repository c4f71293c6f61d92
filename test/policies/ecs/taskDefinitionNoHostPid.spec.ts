import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-no-host-pid (CT.ECS.PR.10, ECS.3)", () => {
    const P = "ecs-taskdefinition-no-host-pid";
    it("passes a task definition without pidMode", () => expectNoViolation(P, controlsStack().resources));
    it("passes pidMode task", () => expectNoViolation(P, controlsStack().change("app-task", (i) => (i.pidMode = "task")).resources));
    it("catches pidMode host, as mandatory", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.pidMode = "host")).resources, "app-task", /pidMode is "host"/, { level: "mandatory" }));
    it("treats an unknown pidMode as a violation", () => expectOneViolation(P, controlsStack().change("app-task", (i) => (i.pidMode = U)).resources, "app-task", /unknown during preview/));
});
