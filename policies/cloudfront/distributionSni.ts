import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * cloudfront-distribution-sni — a distribution with a custom certificate serves HTTPS with SNI
 * (`viewerCertificate.sslSupportMethod: "sni-only"`), not dedicated IPs (`vip`). A distribution on the default
 * certificate is left to cloudfront-distribution-https-tls12. Controls: CT.CLOUDFRONT.PR.7, Security Hub CloudFront.8.
 *
 * Why: `vip` costs $600 a month per distribution and serves clients that cannot send SNI, i.e. very old TLS stacks.
 * Severity: low (advisory). Unknowns: an unknown method with a custom certificate is a violation.
 * See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-https-dedicated-ip-or-sni.html
 */
export const requireDistributionSni: ResourceValidationPolicy = {
    name: "cloudfront-distribution-sni",
    description: "CloudFront distributions with a custom certificate must use SNI (CT.CLOUDFRONT.PR.7, CloudFront.8; severity low).",
    enforcementLevel: "advisory",
    severity: "low",
    validateResource: forType(types.cloudfrontDistribution, (args, reportViolation) => {
        const cert = plainObject(args.props).viewerCertificate;
        if (get(cert, "acmCertificateArn") === undefined && get(cert, "iamCertificateId") === undefined) {
            return;
        }
        const method = get(cert, "sslSupportMethod");
        if (method === "sni-only") {
            return;
        }
        reportViolation(`CloudFront distribution "${args.name}" must serve its custom certificate with SNI, but viewerCertificate.sslSupportMethod ${why(method)}. Set sslSupportMethod: "sni-only".`);
    }),
};
