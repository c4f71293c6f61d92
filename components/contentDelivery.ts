import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket } from "./archiveBucket";
import { Problem, throwIfProblems } from "./validation";

/** What is served by default: the processed thumbnails, never the originals. The app's default too (app/src/http/cdn.ts). */
export const DEFAULT_SERVED_PREFIXES: readonly string[] = ["uploads/*/thumbnails/*"];

/**
 * AWS's managed CachingOptimized policy: long TTLs (1 day default, a year max), no cookies, headers or query strings
 * in the key, gzip and brotli. Right for these objects: a key names one upload's bytes and never changes.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
 */
export const CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6";

/** With a certificate (and so aliases), viewers get TLS 1.2 or newer. */
export const MINIMUM_PROTOCOL_VERSION = "TLSv1.2_2021";

/**
 * What CloudFront enforces on its default *.cloudfront.net certificate, rendered as it is so that the configuration
 * claims nothing CloudFront does not do (and does not drift on refresh). CloudFront API reference,
 * ViewerCertificate.MinimumProtocolVersion: "If the distribution uses the CloudFront domain name such as
 * d111111abcdef8.cloudfront.net (you set CloudFrontDefaultCertificate to true), CloudFront automatically sets the
 * security policy to TLSv1 regardless of the value that you set here."
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html
 * TLS 1.2 for viewers needs `aliases` and `certificateArn`.
 */
export const DEFAULT_CERTIFICATE_PROTOCOL_VERSION = "TLSv1";

export interface ContentDeliveryArgs {
    /** The archive bucket; it admits this distribution in its own policy (never public, never an OAI). */
    readonly bucket: ArchiveBucket;
    /** Key patterns served (bucket-policy wildcards). Defaults to {@link DEFAULT_SERVED_PREFIXES}. */
    readonly servedPrefixes?: readonly string[];
    /**
     * Custom domain names. Require `certificateArn`; with both, viewers need TLS 1.2 or newer (`TLSv1.2_2021`).
     * Defaults to none: the *.cloudfront.net name, on which CloudFront accepts TLS 1.0 and newer whatever is asked.
     */
    readonly aliases?: readonly string[];
    /** An ACM certificate in us-east-1 covering `aliases` (CloudFront reads certificates there only). Defaults to none. */
    readonly certificateArn?: string;
    /** A WAF web ACL ARN (scope CLOUDFRONT, us-east-1) to attach. Defaults to none. */
    readonly webAclArn?: string;
    /** Edge locations used. Defaults to PriceClass_100 (North America and Europe: the cheapest). */
    readonly priceClass?: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
}

const US_EAST_1_ACM = /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/;
const WAF_CLOUDFRONT_ACL = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/.+$/;

export function validateContentDeliveryArgs(args: Omit<ContentDeliveryArgs, "bucket">): Problem[] {
    const problems: Problem[] = [];
    const prefixes = args.servedPrefixes ?? DEFAULT_SERVED_PREFIXES;
    if (prefixes.length === 0 || prefixes.some((p) => p.startsWith("/") || !p.includes("/") || !/^[A-Za-z0-9!_.*'()\/-]+$/.test(p))) {
        problems.push({ property: "servedPrefixes", reason: `must be key patterns such as "uploads/*/thumbnails/*"; got ${JSON.stringify(prefixes)}` });
    }
    if (args.certificateArn !== undefined && !US_EAST_1_ACM.test(args.certificateArn)) {
        problems.push({ property: "certificateArn", reason: `must be an ACM certificate ARN in us-east-1 (CloudFront reads certificates only there); got ${JSON.stringify(args.certificateArn)}` });
    }
    if ((args.aliases?.length ?? 0) > 0 && args.certificateArn === undefined) {
        problems.push({ property: "aliases", reason: "need certificateArn: CloudFront serves a custom domain only with a certificate that covers it" });
    }
    // CloudFront API reference, ViewerCertificate: "If the distribution doesn't use Aliases (also known as alternate domain
    // names or CNAMEs)—that is, if the distribution uses the CloudFront domain name such as d111111abcdef8.cloudfront.net—set
    // CloudFrontDefaultCertificate to true and leave all other fields empty."
    // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ViewerCertificate.html
    // Without an alias, viewers (and the app's CDN_BASE_URL) reach *.cloudfront.net, where TLSv1 applies: a certificate's
    // TLSv1.2_2021 would claim what no viewer of this distribution gets.
    if (args.certificateArn !== undefined && (args.aliases?.length ?? 0) === 0) {
        problems.push({
            property: "certificateArn",
            reason: "needs aliases: the certificate and its TLS 1.2 policy apply only to the custom domain names it covers; without one, viewers use *.cloudfront.net on CloudFront's default certificate (TLSv1). Add aliases the certificate covers, or leave certificateArn unset",
        });
    }
    if (args.webAclArn !== undefined && !WAF_CLOUDFRONT_ACL.test(args.webAclArn)) {
        problems.push({ property: "webAclArn", reason: `must be a WAFv2 web ACL ARN with scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>); got ${JSON.stringify(args.webAclArn)}` });
    }
    return problems;
}

/**
 * CloudFront in front of the archive bucket for some key patterns, through origin access control (SigV4, always
 * signed): the bucket stays private and admits only this distribution, only GetObject, only on those patterns.
 * HTTPS only (plain HTTP is redirected). No access logs: legacy logging needs bucket ACLs, which the archive's
 * BucketOwnerEnforced ownership disables, and standard logging v2 is billed per GB delivered.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 */
export class ContentDelivery extends pulumi.ComponentResource {
    /** `https://<domain>`: the alias when there is one, else the distribution's own name. What the app's CDN_BASE_URL is. */
    public readonly baseUrl: pulumi.Output<string>;
    public readonly distributionId: pulumi.Output<string>;
    public readonly distributionArn: pulumi.Output<string>;

    constructor(name: string, args: ContentDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:delivery:ContentDelivery", name, {}, opts);
        throwIfProblems(`ContentDelivery "${name}"`, validateContentDeliveryArgs(args));
        const servedPrefixes = args.servedPrefixes ?? DEFAULT_SERVED_PREFIXES;

        const oac = new aws.cloudfront.OriginAccessControl(
            `${name}-oac`,
            { description: "The archive bucket, reached only by this distribution", originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
            { parent: this },
        );

        const originId = "archive";
        const distribution = new aws.cloudfront.Distribution(
            `${name}-distribution`,
            {
                enabled: true,
                isIpv6Enabled: true,
                comment: "Processed content from the archive bucket",
                priceClass: args.priceClass ?? "PriceClass_100",
                aliases: args.aliases ? [...args.aliases] : undefined,
                webAclId: args.webAclArn,
                origins: [{ originId, domainName: args.bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
                defaultCacheBehavior: {
                    targetOriginId: originId,
                    viewerProtocolPolicy: "redirect-to-https",
                    allowedMethods: ["GET", "HEAD"],
                    cachedMethods: ["GET", "HEAD"],
                    compress: true,
                    cachePolicyId: CACHING_OPTIMIZED_POLICY_ID,
                },
                restrictions: { geoRestriction: { restrictionType: "none" } },
                viewerCertificate: args.certificateArn
                    ? { acmCertificateArn: args.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: MINIMUM_PROTOCOL_VERSION }
                    : { cloudfrontDefaultCertificate: true, minimumProtocolVersion: DEFAULT_CERTIFICATE_PROTOCOL_VERSION },
            },
            { parent: this },
        );

        args.bucket.admitCloudFront(distribution.arn, servedPrefixes);

        this.baseUrl = args.aliases?.[0] ? pulumi.output(`https://${args.aliases[0]}`) : pulumi.interpolate`https://${distribution.domainName}`;
        this.distributionId = distribution.id;
        this.distributionArn = distribution.arn;
        this.registerOutputs({ baseUrl: this.baseUrl, distributionId: this.distributionId, distributionArn: this.distributionArn });
    }
}
