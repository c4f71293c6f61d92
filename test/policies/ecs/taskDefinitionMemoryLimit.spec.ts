import { U } from "../fixtures";
import { appContainer, controlsStack, withContainers } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("ecs-taskdefinition-memory-limit (CT.ECS.PR.7)", () => {
    const P = "ecs-taskdefinition-memory-limit";
    it("passes a Fargate task definition with a task-level memory", () => expectNoViolation(P, controlsStack().resources));
    it("passes a Fargate task definition even while its containers are unknown", () => expectNoViolation(P, controlsStack().change("app-task", (i) => (i.containerDefinitions = U)).resources));
    it("catches a Fargate task definition without memory, as advisory", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => delete i.memory).resources, "app-task", /runs on Fargate and must set its memory, but memory is not set/, { level: "advisory" }));
    it("treats an unknown task memory as unproven", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.memory = U)).resources, "app-task", /unknown during preview/));
    it("catches an EC2 task definition whose container has no memory hard limit", () =>
        expectOneViolation(P, controlsStack().change("app-task", (i) => (i.requiresCompatibilities = ["EC2"])).resources, "app-task", /container "app" sets no memory hard limit/));
    it("passes an EC2 task definition whose containers set memory", () =>
        expectNoViolation(P, withContainers(controlsStack().change("app-task", (i) => (i.requiresCompatibilities = ["EC2"])), { ...appContainer(), memory: 512 }).resources));
});
