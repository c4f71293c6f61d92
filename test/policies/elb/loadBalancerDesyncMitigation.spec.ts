import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-loadbalancer-desync-mitigation (CT.ELASTICLOADBALANCING.PR.3, ELB.12)", () => {
    const P = "elb-loadbalancer-desync-mitigation";
    it("passes the default (defensive) mode", () => expectNoViolation(P, controlsStack().resources));
    for (const mode of ["defensive", "strictest"]) {
        it(`passes ${mode}`, () => expectNoViolation(P, controlsStack().change("alb", (i) => (i.desyncMitigationMode = mode)).resources));
    }
    it("catches monitor, as mandatory", () =>
        expectOneViolation(P, controlsStack().change("alb", (i) => (i.desyncMitigationMode = "monitor")).resources, "alb", /desyncMitigationMode is "monitor"/, { level: "mandatory" }));
    it("treats an unknown mode as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.desyncMitigationMode = U)).resources, "alb", /unknown during preview/));
    it("treats an unknown load balancer type as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.loadBalancerType = U)).resources, "alb", /loadBalancerType is unknown during preview/));
});
