import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * cloudfront-distribution-waf — a CloudFront distribution is associated with an AWS WAF web ACL (`webAclId`).
 * Controls: Security Hub CloudFront.6 (no Control Tower proactive control).
 *
 * Why: the distribution serves archived objects to the internet; a web ACL rate-limits and filters before a request
 * costs an S3 GET. Severity: medium (advisory: the stack setting `cdn.webAclArn` is a choice — a web ACL costs
 * $5/month plus requests). Unknowns: an unknown web ACL id counts as set (it comes from a WAF resource).
 * See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-web-awswaf.html
 */
export const requireDistributionWaf: ResourceValidationPolicy = {
    name: "cloudfront-distribution-waf",
    description: "CloudFront distributions should be associated with a WAF web ACL (CloudFront.6; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.cloudfrontDistribution, (args, reportViolation) => {
        const acl = plainObject(args.props).webAclId;
        if (isUnknown(acl) || (typeof acl === "string" && acl !== "")) {
            return;
        }
        reportViolation(`CloudFront distribution "${args.name}" should be protected by AWS WAF, but webAclId ${why(acl)}. Set the stack config cdn.webAclArn to a WAFv2 web ACL with scope CLOUDFRONT.`);
    }),
};
