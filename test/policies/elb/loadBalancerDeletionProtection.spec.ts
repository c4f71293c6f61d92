import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-loadbalancer-deletion-protection (CT.ELASTICLOADBALANCING.PR.5, ELB.6)", () => {
    const P = "elb-loadbalancer-deletion-protection";
    it("passes enableDeletionProtection: true", () => expectNoViolation(P, controlsStack().resources));
    it("catches enableDeletionProtection: false, naming the stack setting, as advisory", () =>
        expectOneViolation(P, controlsStack().change("alb", (i) => (i.enableDeletionProtection = false)).resources, "alb", /enableDeletionProtection is false.*deletionProtection: true/, { level: "advisory" }));
    it("catches it left unset", () => expectOneViolation(P, controlsStack().change("alb", (i) => delete i.enableDeletionProtection).resources, "alb", /defaults to false/));
    it("treats an unknown value as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.enableDeletionProtection = U)).resources, "alb", /unknown during preview/));
});
