import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, list, plainObject, show } from "../lib/values";

const OLD_PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1"];

/**
 * cloudfront-distribution-origin-tls — every custom origin (`customOriginConfig`) is reached over HTTPS only
 * (`originProtocolPolicy: "https-only"`) with TLS 1.2 (`originSslProtocols` without SSLv3, TLSv1, TLSv1.1). S3 origins
 * reached through OAC are signed HTTPS requests and pass. Controls: CT.CLOUDFRONT.PR.8, CT.CLOUDFRONT.PR.11,
 * Security Hub CloudFront.9, CloudFront.10.
 *
 * Why: the leg from the edge to the origin crosses the internet. Severity: medium (advisory).
 * Unknowns: unknown origins, protocol policy or protocols are a violation.
 * See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-https-cloudfront-to-custom-origin.html
 */
export const requireOriginTls: ResourceValidationPolicy = {
    name: "cloudfront-distribution-origin-tls",
    description: "CloudFront custom origins must be reached over HTTPS with TLS 1.2 (CT.CLOUDFRONT.PR.8, PR.11, CloudFront.9, CloudFront.10; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.cloudfrontDistribution, (args, reportViolation) => {
        const origins = list(plainObject(args.props).origins);
        if (isUnknown(origins)) {
            reportViolation(`CloudFront distribution "${args.name}": its origins are unknown during preview, so their protocols cannot be proven. Set origins literally.`);
            return;
        }
        const problems: string[] = [];
        origins.forEach((o, i) => {
            const custom = get(o, "customOriginConfig");
            if (custom === undefined || custom === null) {
                return;
            }
            const where = `origin ${show(get(o, "originId") ?? i)}`;
            const policy = get(custom, "originProtocolPolicy");
            if (policy !== "https-only") {
                problems.push(`${where} has originProtocolPolicy ${show(policy)}`);
            }
            const protocols = list(get(custom, "originSslProtocols"));
            const old = isUnknown(protocols) ? ["(unknown during preview)"] : protocols.filter((p) => typeof p !== "string" || OLD_PROTOCOLS.includes(p)).map((p) => show(p));
            if (old.length > 0) {
                problems.push(`${where} allows ${old.join(", ")}`);
            }
        });
        if (problems.length > 0) {
            reportViolation(`CloudFront distribution "${args.name}" must reach custom origins over TLS 1.2, but ${problems.join("; ")}. Set originProtocolPolicy: "https-only" and originSslProtocols: ["TLSv1.2"].`);
        }
    }),
};
