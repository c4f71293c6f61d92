import { U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";
import { cdnStack } from "./cdnStack";

const custom = (config: Record<string, unknown>) => ({ originId: "api", domainName: "api.example.org", customOriginConfig: { httpPort: 80, httpsPort: 443, ...config } });

describe("cloudfront-distribution-origin-tls (CT.CLOUDFRONT.PR.8, PR.11, CloudFront.9, CloudFront.10)", () => {
    const P = "cloudfront-distribution-origin-tls";
    it("passes an S3 origin through OAC", () => expectNoViolation(P, cdnStack().resources));
    it("passes a custom origin over https-only TLSv1.2", () =>
        expectNoViolation(P, cdnStack().change("cdn-distribution", (i) => i.origins.push(custom({ originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] }))).resources));
    it("catches a custom origin reached over HTTP (CT.CLOUDFRONT.PR.8), as advisory", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => i.origins.push(custom({ originProtocolPolicy: "match-viewer", originSslProtocols: ["TLSv1.2"] }))).resources, "cdn-distribution", /origin "api" has originProtocolPolicy "match-viewer"/, { level: "advisory" }));
    it("catches TLSv1.1 to a custom origin (CT.CLOUDFRONT.PR.11)", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => i.origins.push(custom({ originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.1", "TLSv1.2"] }))).resources, "cdn-distribution", /allows "TLSv1.1"/));
    it("treats unknown origins as a violation", () => expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.origins = U)).resources, "cdn-distribution", /unknown during preview/));
});
