import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-awsvpc (CT.ECS.PR.4, CT.ECS.PR.8)", () => {
    const P = "ecs-taskdefinition-awsvpc";
    it("passes networkMode awsvpc", () => expectNoViolation(P, controlsStack().resources));
    for (const mode of ["host", "bridge", "none"]) {
        it(`catches networkMode ${mode}, as mandatory`, () =>
            expectOneViolation(P, controlsStack().change("app-task", (i) => (i.networkMode = mode)).resources, "app-task", new RegExp(`networkMode is "${mode}".*Set networkMode: "awsvpc"`), { level: "mandatory" }));
    }
    it("catches networkMode left unset", () => expectOneViolation(P, controlsStack().change("app-task", (i) => delete i.networkMode).resources, "app-task", /defaults to bridge/));
    it("treats an unknown network mode as a violation", () => expectOneViolation(P, controlsStack().change("app-task", (i) => (i.networkMode = U)).resources, "app-task", /unknown during preview/));
});
