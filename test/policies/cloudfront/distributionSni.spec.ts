import { U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";
import { cdnStack } from "./cdnStack";

describe("cloudfront-distribution-sni (CT.CLOUDFRONT.PR.7, CloudFront.8)", () => {
    const P = "cloudfront-distribution-sni";
    it("passes a custom certificate served with SNI", () => expectNoViolation(P, cdnStack().resources));
    it("leaves the default certificate to cloudfront-distribution-https-tls12", () =>
        expectNoViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate = { cloudfrontDefaultCertificate: true })).resources));
    it("catches vip, as advisory", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate.sslSupportMethod = "vip")).resources, "cdn-distribution", /sslSupportMethod is "vip"/, { level: "advisory" }));
    it("treats an unknown method as a violation", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate.sslSupportMethod = U)).resources, "cdn-distribution", /unknown during preview/));
});
