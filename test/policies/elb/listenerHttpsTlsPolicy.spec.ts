import { U } from "../fixtures";
import { controlsStack } from "../controlsFixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("elb-listener-https-tls-policy (CT.ELASTICLOADBALANCING.PR.2, PR.9, ELB.17)", () => {
    const P = "elb-listener-https-tls-policy";
    it("passes an HTTPS listener with an ACM certificate and a TLS 1.3/1.2 policy", () => expectNoViolation(P, controlsStack().resources));
    it("catches an old policy, naming it, as advisory", () =>
        expectOneViolation(P, controlsStack().change("https", (i) => (i.sslPolicy = "ELBSecurityPolicy-2016-08")).resources, "https", /sslPolicy is "ELBSecurityPolicy-2016-08"/, { level: "advisory" }));
    it("catches a listener without sslPolicy (the API's default accepts TLS 1.0)", () =>
        expectOneViolation(P, controlsStack().change("https", (i) => delete i.sslPolicy).resources, "https", /accepts TLS 1.0/));
    it("catches an IAM server certificate", () =>
        expectOneViolation(P, controlsStack().change("https", (i) => (i.certificateArn = "arn:aws:iam::123456789012:server-certificate/app")).resources, "https", /not an ACM certificate/));
    it("treats an unknown policy as a violation", () => expectOneViolation(P, controlsStack().change("https", (i) => (i.sslPolicy = U)).resources, "https", /unknown during preview/));
    it("takes allowedSslPolicies from the pack config", () =>
        expectOneViolation(P, controlsStack().resources, "https", /not one of ELBSecurityPolicy-TLS13-1-3-2021-06/, { policyConfig: { [P]: { allowedSslPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] } } }));
    it("ignores plain-HTTP listeners", () => expectNoViolation(P, controlsStack().remove("https").resources));
});
