import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("cloudwatch-metricalarm-actions (CT.CLOUDWATCH.PR.1, PR.4)", () => {
    const P = "cloudwatch-metricalarm-actions";
    it("passes an alarm that notifies a topic", () => expectNoViolation(P, controlsStack().resources));
    it("catches an alarm without alarmActions, as advisory", () =>
        expectOneViolation(P, controlsStack().change("tasks-running", (i) => delete i.alarmActions).resources, "tasks-running", /alarmActions is empty/, { level: "advisory" }));
    it("catches actionsEnabled: false", () =>
        expectOneViolation(P, controlsStack().change("tasks-running", (i) => (i.actionsEnabled = false)).resources, "tasks-running", /actionsEnabled is false/));
    it("treats an unknown action list as a violation", () =>
        expectOneViolation(P, controlsStack().change("tasks-running", (i) => (i.alarmActions = U)).resources, "tasks-running", /alarmActions is unknown during preview/));
});
