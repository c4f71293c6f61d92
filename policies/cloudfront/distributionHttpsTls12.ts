import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { get, isUnknown, list, show } from "../lib/values";

const HTTPS_ONLY = ["redirect-to-https", "https-only"];
/**
 * Security policies of TLS 1.2 from the 2021 policy on, or TLS 1.3: what Security Hub's CloudFront.15 accepts
 * (`TLSv1.2_2021`, `TLSv1.2_2025`, `TLSv1.3_2025`;
 * https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html#cloudfront-15) and later ones of
 * the same families. `TLSv1.2_2018` and `TLSv1.2_2019` keep ciphers the 2021 policy dropped.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html
 */
const RECOMMENDED_TLS = (policy: string): boolean => {
    const m = /^TLSv1\.(2|3)_(\d{4})$/.exec(policy);
    return m !== null && (m[1] === "3" || Number(m[2]) >= 2021);
};

/**
 * cloudfront-distribution-https-tls12 — every CloudFront distribution redirects or refuses plain HTTP in every cache
 * behavior, and serves viewers TLS 1.2 or newer: a custom certificate with the `TLSv1.2_2021` security policy or a
 * later one (CT.CLOUDFRONT.PR.9, CloudFront.15).
 * The default *.cloudfront.net certificate does not count: CloudFront applies TLSv1 to it whatever the setting says.
 *
 * Why: content served over plain HTTP or TLS 1.0/1.1 can be read or altered on the way. Severity: medium (advisory).
 * Unknowns: an unknown protocol policy or certificate setting is reported as unproven.
 * See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-web-values-specify.html#DownloadDistValues-security-policy
 */
export const requireHttpsTls12Distributions: StackValidationPolicy = {
    name: "cloudfront-distribution-https-tls12",
    description: "CloudFront distributions redirect or refuse plain HTTP and serve a custom certificate with TLSv1.2_2021 or a later security policy (CT.CLOUDFRONT.PR.3, PR.6, PR.9, CloudFront.3, CloudFront.7, CloudFront.15; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.cloudfrontDistribution, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const dist of index.ofType(types.cloudfrontDistribution)) {
            const problems: string[] = [];
            const ordered = list(dist.props.orderedCacheBehaviors);
            const behaviors: [string, unknown][] = [["defaultCacheBehavior", dist.props.defaultCacheBehavior], ...(isUnknown(ordered) ? [] : ordered.map((b, i): [string, unknown] => [`orderedCacheBehaviors[${i}]`, b]))];
            if (isUnknown(ordered)) problems.push("orderedCacheBehaviors is unknown during preview");
            for (const [where, b] of behaviors) {
                const policy = get(b as never, "viewerProtocolPolicy");
                if (typeof policy !== "string" || !HTTPS_ONLY.includes(policy)) {
                    problems.push(`${where}.viewerProtocolPolicy is ${isUnknown(policy) ? "unknown during preview" : show(policy)}, not redirect-to-https or https-only`);
                }
            }
            const cert = dist.props.viewerCertificate;
            const minimum = get(cert, "minimumProtocolVersion");
            if (get(cert, "cloudfrontDefaultCertificate") === true) {
                problems.push("it uses the default *.cloudfront.net certificate, which CloudFront serves with TLSv1 whatever minimumProtocolVersion says (set aliases and an ACM certificate)");
            } else if (typeof minimum !== "string" || !RECOMMENDED_TLS(minimum)) {
                problems.push(`viewerCertificate.minimumProtocolVersion is ${isUnknown(minimum) ? "unknown during preview" : show(minimum)}, not TLSv1.2_2021 or newer`);
            }
            if (problems.length > 0) {
                reportViolation(`CloudFront distribution "${dist.name}" must serve HTTPS only with TLS 1.2 or newer, but ${problems.join("; ")}.`, dist.urn);
            }
        }
    }),
};
