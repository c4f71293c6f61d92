import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-loadbalancer-access-logs (CT.ELASTICLOADBALANCING.PR.6, PR.10, ELB.5)", () => {
    const P = "elb-loadbalancer-access-logs";
    it("passes access logs enabled to a bucket (unknown name from the bucket resource)", () => expectNoViolation(P, controlsStack().resources));
    it("catches a load balancer without accessLogs, as advisory", () =>
        expectOneViolation(P, controlsStack().change("alb", (i) => delete i.accessLogs).resources, "alb", /accessLogs.enabled is not set/, { level: "advisory" }));
    it("catches accessLogs.enabled: false", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.accessLogs.enabled = false)).resources, "alb", /accessLogs.enabled is false/));
    it("catches enabled logs without a bucket", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.accessLogs.bucket = "")).resources, "alb", /accessLogs.bucket is ""/));
    it("treats an unknown enabled flag as a violation", () => expectOneViolation(P, controlsStack().change("alb", (i) => (i.accessLogs.enabled = U)).resources, "alb", /unknown during preview/));
});
