import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { isUnknown, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecr-repository-tag-immutability — a private ECR repository's tags are immutable (`imageTagMutability`
 * `IMMUTABLE` or `IMMUTABLE_WITH_EXCLUSION`). Controls: CT.ECR.PR.3, Security Hub ECR.2.
 *
 * Why: a mutable tag can be repointed at another image. Severity: medium (advisory: this stack's task definitions
 * pin the image by digest, `repo@sha256:…`, so a moved tag never changes what runs — the documented choice).
 * Unknowns: unknown is a violation.
 * See https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
 */
export const requireTagImmutability: ResourceValidationPolicy = {
    name: "ecr-repository-tag-immutability",
    description: "ECR repositories must have immutable tags (CT.ECR.PR.3, ECR.2; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateResource: forType(types.ecrRepository, (args, reportViolation) => {
        const mutability = plainObject(args.props).imageTagMutability;
        if (!isUnknown(mutability) && typeof mutability === "string" && mutability.startsWith("IMMUTABLE")) {
            return;
        }
        reportViolation(`ECR repository "${args.name}" must have immutable tags, but imageTagMutability ${why(mutability, "is not set (defaults to MUTABLE)")}. Set imageTagMutability: "IMMUTABLE" (and push each build under a new tag), or pin images by digest and accept this advisory.`);
    }),
};
