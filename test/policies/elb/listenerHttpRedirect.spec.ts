import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-listener-http-redirect (CT.ELASTICLOADBALANCING.PR.1, PR.9, ELB.1)", () => {
    const P = "elb-listener-http-redirect";
    it("passes an HTTP listener that redirects to HTTPS, and ignores the HTTPS listener", () => expectNoViolation(P, controlsStack().resources));
    it("catches an HTTP listener that forwards, as advisory", () =>
        expectOneViolation(P, controlsStack().change("http-redirect", (i) => (i.defaultActions = [{ type: "forward", targetGroupArn: U }])).resources, "http-redirect", /default actions are \["forward"\]/, { level: "advisory" }));
    it("catches a redirect to HTTP", () =>
        expectOneViolation(P, controlsStack().change("http-redirect", (i) => (i.defaultActions[0].redirect.protocol = "HTTP")).resources, "http-redirect", /must redirect it to HTTPS/));
    it("catches an HTTP listener whose protocol is left to the default", () =>
        expectOneViolation(P, controlsStack().change("http-redirect", (i) => { delete i.protocol; i.defaultActions = [{ type: "forward" }]; }).resources, "http-redirect", /serves plain HTTP/));
    it("treats unknown default actions as a violation", () =>
        expectOneViolation(P, controlsStack().change("http-redirect", (i) => (i.defaultActions = U)).resources, "http-redirect", /default actions are unknown during preview/));
    it("treats an unknown protocol as a violation", () =>
        expectOneViolation(P, controlsStack().change("https", (i) => (i.protocol = U)).resources, "https", /protocol is unknown during preview/));
});
