import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-container-non-root (CT.ECS.PR.3, CT.ECS.PR.8)", () => {
    const P = "ecs-taskdefinition-container-non-root";
    it("passes containers that run as a non-root UID", () => expectNoViolation(P, controlsStack().resources));
    it("catches a container without user, naming it, as advisory", () =>
        expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), user: undefined }).resources, "app-task", /container "app" sets no user/, { level: "advisory" }));
    for (const user of ["root", "0", "0:0", "root:app", "000:1000"]) {
        it(`catches user ${JSON.stringify(user)}`, () => expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), user }).resources, "app-task", /runs as/));
    }
    it("checks every container, not only the first", () =>
        expectOneViolation(P, withContainers(controlsStack(), appContainer(), { ...appContainer(), name: "sidecar", user: "0" }).resources, "app-task", /container "sidecar" runs as "0"/));
    it("reports containerDefinitions unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources, "app-task", /unknown during preview/));
    it("reports definitions rendered around an unknown value as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = `[{"name":"app","user":"${U}"}]`)).resources, "app-task", /unknown during preview/));
    it("reports containerDefinitions that do not parse", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = "[{")).resources, "app-task", /not valid JSON/));
});
