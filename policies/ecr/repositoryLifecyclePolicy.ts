import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { isUnknown } from "../lib/values";

/**
 * ecr-repository-lifecycle-policy — every ECR repository has an `aws.ecr.LifecyclePolicy` referring to it.
 * Controls: CT.ECR.PR.1, Security Hub ECR.3.
 *
 * Why: every build pushes an image; without a lifecycle policy the repository grows (and is billed) forever, and
 * old vulnerable images stay pullable. Severity: medium (advisory). Joins: the policy's `repository` property
 * dependency, or its value equal to an existing repository's name. Unknowns: an unknown policy document counts
 * (it is the policy's text, not whether one exists).
 * See https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html
 */
export const requireEcrLifecyclePolicy: StackValidationPolicy = {
    name: "ecr-repository-lifecycle-policy",
    description: "ECR repositories must have a lifecycle policy (CT.ECR.PR.1, ECR.3; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.ecrRepository, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const repo of index.ofType(types.ecrRepository)) {
            const policies = index.referrers(repo, [types.ecrLifecyclePolicy], "repository", ["name", "id"]);
            const usable = policies.filter((p) => isUnknown(p.props.policy) || (typeof p.props.policy === "string" && p.props.policy !== ""));
            if (usable.length === 0) {
                reportViolation(`ECR repository "${repo.name}" must have a lifecycle policy, but no aws.ecr.LifecyclePolicy with a policy refers to it. Add one that expires untagged images and keeps the last N.`, repo.urn);
            }
        }
    }),
};
