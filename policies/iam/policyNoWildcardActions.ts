import { ResourceValidationPolicy } from "@pulumi/policy";

import { Statement, parsePolicyDocument } from "../lib/iamDocument";
import { forType, types } from "../lib/policy";
import { Plain, get, isUnknown, list, plainObject } from "../lib/values";

/** What is wrong with one Allow statement: `*` or `service:*` actions, or NotAction. */
function wildcardProblems(s: Statement): string[] {
    if (s.effect !== "Allow") {
        return [];
    }
    if (s.notAction) {
        return [`allows NotAction ${JSON.stringify(s.actions)} (every other action)`];
    }
    const full = s.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
    if (full.length === 0) {
        return [];
    }
    const onEverything = !s.notResource && s.resources.includes("*");
    return [`allows ${full.join(", ")}${full.includes("*") && onEverything ? ` on Resource "*" (administrator access)` : ""}`];
}

/** The documents a resource carries: its own `policy`, or a role's inline policies. */
function documentsOf(type: string, props: Record<string, Plain>): { where: string; doc: Plain | undefined }[] {
    if (type === types.iamRole) {
        const inline = list(props.inlinePolicies);
        // Unknown inline policies: the input is optional and computed, so a role the program gave none shows it unknown.
        return isUnknown(inline) ? [] : inline.map((p, i) => ({ where: `inlinePolicies[${i}] (${String(get(p, "name") ?? "unnamed")})`, doc: get(p, "policy") }));
    }
    return [{ where: "policy", doc: props.policy }];
}

/**
 * iam-policy-no-wildcard-actions — no IAM policy this stack writes allows `*`, a whole service (`s3:*`,
 * `kms:*`, …) or `NotAction`: role, user and group inline policies (`aws.iam.RolePolicy`, `UserPolicy`,
 * `GroupPolicy`, a role's `inlinePolicies`) and customer managed policies (`aws.iam.Policy`).
 * Controls: CT.IAM.PR.1 and CT.IAM.PR.2 (`*` on `*`), CT.IAM.PR.3 and CT.IAM.PR.5 (service wildcards), Security Hub
 * IAM.1, IAM.21.
 *
 * Why: every grant here names its actions (the owners' grants); a wildcard hands future actions too.
 * Severity: high (advisory: the documents name resource ARNs, so a preview of a new stack cannot see them; a
 * mandatory rule would stop every such preview — AnalyzeStack after the update sees the real documents).
 * Unknowns: an unknown document is reported as unproven; a document that does not parse is a violation.
 * See https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege
 */
export const forbidWildcardActions: ResourceValidationPolicy = {
    name: "iam-policy-no-wildcard-actions",
    description: "IAM policies must not allow *, service:* or NotAction (CT.IAM.PR.1, PR.2, PR.3, PR.5, IAM.1, IAM.21; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType([types.iamRolePolicy, types.iamUserPolicy, types.iamGroupPolicy, types.iamPolicy, types.iamRole], (args, reportViolation) => {
        const props = plainObject(args.props);
        const problems: string[] = [];
        for (const { where, doc } of documentsOf(args.type, props)) {
            const parsed = parsePolicyDocument(doc);
            if (parsed.kind === "unknown") {
                problems.push(`its ${where} document is unknown during preview, so it cannot be proven (the update's stack check sees it)`);
            } else if (parsed.kind === "invalid") {
                problems.push(`its ${where} is invalid: ${parsed.reason}`);
            } else {
                for (const s of parsed.statements) {
                    for (const p of wildcardProblems(s)) {
                        problems.push(`${where}${s.sid ? ` statement "${s.sid}"` : ""} ${p}`);
                    }
                }
            }
        }
        if (problems.length > 0) {
            reportViolation(`IAM policy on "${args.name}" must name its actions, but ${problems.join("; ")}. List the actions the principal needs, on the resources it needs them on.`);
        }
    }),
};
