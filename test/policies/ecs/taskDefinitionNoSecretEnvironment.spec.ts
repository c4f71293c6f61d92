import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-no-secret-environment (CT.ECS.PR.12, ECS.8)", () => {
    const P = "ecs-taskdefinition-no-secret-environment";
    it("passes containers whose environment holds no credentials", () => expectNoViolation(P, controlsStack().resources));
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"]) {
        it(`catches ${name} in environment, as advisory`, () =>
            expectOneViolation(P, withContainers(controlsStack(), { ...appContainer(), environment: [{ name: "BUCKET", value: "b" }, { name, value: "x" }] }).resources, "app-task", new RegExp(`container "app" sets ${name}`), { level: "advisory" }));
    }
    it("reports containerDefinitions unknown during preview as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources, "app-task", /unknown during preview/));
});
