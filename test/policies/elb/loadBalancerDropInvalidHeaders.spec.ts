import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-loadbalancer-drop-invalid-headers (CT.ELASTICLOADBALANCING.PR.4, ELB.4)", () => {
    const P = "elb-loadbalancer-drop-invalid-headers";
    it("passes dropInvalidHeaderFields: true", () => expectNoViolation(P, controlsStack().resources));
    it("catches dropInvalidHeaderFields: false, as mandatory", () =>
        expectOneViolation(P, controlsStack().change("alb", (i) => (i.dropInvalidHeaderFields = false)).resources, "alb", /dropInvalidHeaderFields is false/, { level: "mandatory" }));
    it("catches it left unset (AWS defaults to false)", () => expectOneViolation(P, controlsStack().change("alb", (i) => delete i.dropInvalidHeaderFields).resources, "alb", /defaults to false/));
    it("treats an unknown value as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.dropInvalidHeaderFields = U)).resources, "alb", /unknown during preview/));
    it("ignores a network load balancer", () =>
        expectNoViolation(P, controlsStack().change("alb", (i) => { i.loadBalancerType = "network"; delete i.dropInvalidHeaderFields; }).resources));
    it("treats an unknown load balancer type as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.loadBalancerType = U)).resources, "alb", /loadBalancerType is unknown during preview/));
});
