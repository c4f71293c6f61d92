import { StackValidationPolicy } from "@pulumi/policy";

import { Statement, parsePolicyDocument } from "../lib/iamDocument";
import { types, whenStackHas } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { Plain, get, isUnknown, list } from "../lib/values";

const SERVICES = ["s3", "elasticfilesystem"];

/** AWS managed policies that grant S3 or EFS actions on every resource. */
const BROAD_MANAGED_POLICIES = [
    "AdministratorAccess",
    "PowerUserAccess",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonElasticFileSystemFullAccess",
    "AmazonElasticFileSystemClientFullAccess",
    "AmazonElasticFileSystemClientReadWriteAccess",
    "AmazonElasticFileSystemClientReadOnlyAccess",
];

/** What is too broad about an Allow statement, or undefined. */
export function broadGrant(s: Statement): string | undefined {
    if (s.effect !== "Allow") {
        return undefined;
    }
    if (s.notAction) {
        return `it allows every action except ${s.actions.join(", ")} (NotAction)`;
    }
    const wildcard = s.actions.find((a) => a === "*" || SERVICES.some((svc) => a.toLowerCase() === `${svc}:*`));
    if (wildcard) {
        return `it allows "${wildcard}"`;
    }
    const onService = s.actions.filter((a) => SERVICES.includes(a.split(":")[0].toLowerCase()));
    if (onService.length > 0 && (s.resources.includes("*") || s.notResource)) {
        return `it allows ${onService.join(", ")} on ${s.notResource ? "every resource but some (NotResource)" : 'Resource "*"'}`;
    }
    return undefined;
}

/**
 * iam-role-task-least-privilege — no ECS task role is granted `s3:*`, `elasticfilesystem:*` (or
 * `*`), or S3/EFS actions on `Resource: "*"`: in its RolePolicies, inline policies, attached
 * customer-managed policies, or broad AWS managed policies (e.g. AmazonS3FullAccess).
 *
 * Why: the task role is what a compromised container can use; it needs a few object actions on
 * one bucket prefix and a client mount on one file system. Severity: high (advisory by default).
 * Joins: task definition → role by the property dependency of `taskRoleArn`, or by ARN; policy →
 * role by the property dependency of `role`, or by name.
 * Unknowns: a policy document unknown during preview is reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
 */
export const forbidBroadTaskRoleGrants: StackValidationPolicy = {
    name: "iam-role-task-least-privilege",
    description: 'ECS task roles must not be granted s3:*, elasticfilesystem:* or S3/EFS actions on Resource "*".',
    enforcementLevel: "advisory",
    severity: "high",
    validateStack: whenStackHas(types.ecsTaskDefinition, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const roles = new Map<string, StackNode>();
        for (const td of index.ofType(types.ecsTaskDefinition)) {
            for (const role of index.referencedBy(td, "taskRoleArn", [types.iamRole], ["arn"]).targets) {
                roles.set(role.urn, role);
            }
        }
        const fix = `Grant only the actions the task uses, on the bucket's ARN (or a prefix of it) and the file system's ARN.`;
        for (const role of roles.values()) {
            const documents: { source: string; urn: string; doc: Plain | undefined }[] = [];
            for (const rp of index.referrers(role, [types.iamRolePolicy], "role", ["name", "id"])) {
                documents.push({ source: `role policy "${rp.name}"`, urn: rp.urn, doc: rp.props.policy });
            }
            // inlinePolicies and managedPolicyArns are optional and computed: unknown in a preview when
            // the program leaves them out (fine), or when built from other resources' outputs (unproven).
            for (const property of ["inlinePolicies", "managedPolicyArns"]) {
                if (isUnknown(role.props[property]) && role.deps(property).length > 0) {
                    reportViolation(`Task role "${role.name}": its ${property} are unknown during preview, so they cannot be proven free of broad S3 or EFS grants until applied. ${fix}`, role.urn);
                }
            }
            const inline = list(role.props.inlinePolicies);
            (isUnknown(inline) ? [] : inline).forEach((p, i) => {
                const name = get(p, "name");
                documents.push({ source: `inline policy ${typeof name === "string" ? `"${name}"` : `#${i}`}`, urn: role.urn, doc: get(p, "policy") });
            });
            const managed: { arn: Plain | undefined; urn: string; via: StackNode | undefined }[] = [];
            const arns = list(role.props.managedPolicyArns);
            (isUnknown(arns) ? [] : arns).forEach((arn) => managed.push({ arn, urn: role.urn, via: undefined }));
            for (const att of index.referrers(role, [types.iamRolePolicyAttachment], "role", ["name", "id"])) {
                managed.push({ arn: att.props.policyArn, urn: att.urn, via: att });
            }
            for (const m of managed) {
                const name = typeof m.arn === "string" ? m.arn.split("/").pop() ?? "" : "";
                if (typeof m.arn === "string" && m.arn.includes(":aws:policy/") && BROAD_MANAGED_POLICIES.includes(name)) {
                    reportViolation(`Task role "${role.name}" must not have broad S3 or EFS access, but it has the AWS managed policy ${name}. ${fix}`, m.urn);
                }
                const customer = m.via
                    ? index.referencedBy(m.via, "policyArn", [types.iamPolicy], ["arn"]).targets
                    : [];
                for (const p of customer) {
                    documents.push({ source: `policy "${p.name}"`, urn: m.urn, doc: p.props.policy });
                }
            }
            for (const d of documents) {
                const parsed = parsePolicyDocument(d.doc);
                if (parsed.kind === "unknown") {
                    reportViolation(`Task role "${role.name}": the document of ${d.source} is unknown during preview, so it cannot be proven free of broad S3 or EFS grants until it is applied. ${fix}`, d.urn);
                } else if (parsed.kind === "invalid") {
                    reportViolation(`Task role "${role.name}": ${d.source} cannot be read: ${parsed.reason}.`, d.urn);
                } else {
                    for (const s of parsed.statements) {
                        const why = broadGrant(s);
                        if (why) {
                            reportViolation(`Task role "${role.name}" must not have broad S3 or EFS access, but in ${d.source}${s.sid ? ` statement "${s.sid}"` : ""} ${why}. ${fix}`, d.urn);
                        }
                    }
                }
            }
        }
    }),
};
