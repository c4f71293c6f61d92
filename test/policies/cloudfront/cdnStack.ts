/** The compliant fixture with CloudFront in front of the archive bucket through OAC, as the ContentDelivery component builds it. */
import { compliantStack, denyInsecureTransport, Stack, U } from "../fixtures";

export const DIST_ARN = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE1";

export const cloudFrontAllow = (extra: Record<string, unknown> = {}) => ({
    Sid: "AllowCloudFrontOac0",
    Effect: "Allow",
    Principal: { Service: "cloudfront.amazonaws.com" },
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::archive-1234/uploads/*/thumbnails/*",
    Condition: { StringEquals: { "AWS:SourceArn": DIST_ARN } },
    ...extra,
});

/** The archive's lifecycle with the CDN on: current versions to GLACIER_IR, which GetObject (so CloudFront) reads. */
export const CDN_LIFECYCLE_RULES = [
    { id: "archive-current-versions", status: "Enabled", filter: {}, transitions: [{ days: 90, storageClass: "GLACIER_IR" }] },
    { id: "archive-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionTransitions: [{ noncurrentDays: 30, storageClass: "GLACIER" }] },
];

export function cdnStack(): Stack {
    return compliantStack()
        .change("archive-lifecycle", (i) => {
            i.rules = structuredClone(CDN_LIFECYCLE_RULES);
        })
        .change("archive-policy", (i) => {
            i.policy = JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("arn:aws:s3:::archive-1234/*"), cloudFrontAllow()] });
        })
        .add("aws:cloudfront/originAccessControl:OriginAccessControl", "cdn-oac", {
            inputs: { originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
        })
        .add("aws:cloudfront/distribution:Distribution", "cdn-distribution", {
            inputs: {
                enabled: true,
                origins: [{ originId: "archive", domainName: U, originAccessControlId: U }],
                defaultCacheBehavior: { targetOriginId: "archive", viewerProtocolPolicy: "redirect-to-https", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] },
                viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
                restrictions: { geoRestriction: { restrictionType: "none" } },
            },
            deps: { origins: ["archive", "cdn-oac"] },
        });
}
