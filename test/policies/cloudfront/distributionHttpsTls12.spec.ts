import { U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";
import { cdnStack } from "./cdnStack";

describe("cloudfront-distribution-https-tls12 (advisory)", () => {
    const P = "cloudfront-distribution-https-tls12";
    const A = { level: "advisory" as const };
    it("passes a distribution that redirects HTTP and serves TLSv1.2_2021 on its own certificate", () => expectNoViolation(P, cdnStack().resources));
    it("catches allow-all (plain HTTP served)", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.defaultCacheBehavior.viewerProtocolPolicy = "allow-all")).resources, "cdn-distribution", /defaultCacheBehavior.viewerProtocolPolicy is "allow-all"/, A));
    it("catches an ordered cache behavior that allows plain HTTP", () =>
        expectOneViolation(
            P,
            cdnStack().change("cdn-distribution", (i) => (i.orderedCacheBehaviors = [{ pathPattern: "/x/*", targetOriginId: "archive", viewerProtocolPolicy: "allow-all" }])).resources,
            "cdn-distribution",
            /orderedCacheBehaviors\[0\]/,
            A,
        ));
    it("catches TLSv1.2_2019 and TLSv1.2_2018 (TLS 1.2, but older than CloudFront.15's recommended policies)", async () => {
        for (const old of ["TLSv1.2_2019", "TLSv1.2_2018"]) {
            await expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate.minimumProtocolVersion = old)).resources, "cdn-distribution", new RegExp(`minimumProtocolVersion is "${old}", not TLSv1.2_2021 or newer`), A);
        }
    });
    it("passes TLSv1.2_2025 and TLSv1.3_2025 (CloudFront.15's other recommended policies)", async () => {
        for (const policy of ["TLSv1.2_2025", "TLSv1.3_2025"]) await expectNoViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate.minimumProtocolVersion = policy)).resources);
    });
    it("catches a TLS 1.0 security policy", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate.minimumProtocolVersion = "TLSv1")).resources, "cdn-distribution", /minimumProtocolVersion is "TLSv1"/, A));
    it("catches the default *.cloudfront.net certificate (TLSv1 whatever the setting)", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.viewerCertificate = { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" })).resources, "cdn-distribution", /default \*\.cloudfront\.net certificate/, A));
    it("treats a protocol policy unknown during preview as unproven", () =>
        expectOneViolation(P, cdnStack().change("cdn-distribution", (i) => (i.defaultCacheBehavior.viewerProtocolPolicy = U)).resources, "cdn-distribution", /unknown during preview/, A));
});
