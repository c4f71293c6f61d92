import { U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";
import { cdnStack } from "./cdnStack";

const WEB_ACL = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/1";

describe("cloudfront-distribution-waf (CloudFront.6)", () => {
    const P = "cloudfront-distribution-waf";
    it("passes a distribution with a web ACL", () => expectNoViolation(P, cdnStack().change("cdn-distribution", (i) => (i.webAclId = WEB_ACL)).resources));
    it("passes a web ACL id that comes from a WAF resource (unknown)", () => expectNoViolation(P, cdnStack().change("cdn-distribution", (i) => (i.webAclId = U)).resources));
    it("catches a distribution without a web ACL, naming the stack setting, as advisory", () =>
        expectOneViolation(P, cdnStack().resources, "cdn-distribution", /webAclId is not set.*cdn.webAclArn/, { level: "advisory" }));
});
