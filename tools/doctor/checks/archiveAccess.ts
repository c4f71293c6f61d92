/** The article's "Access Denied on S3" checklist, asked of IAM itself rather than read off the policies. */
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { Facts, need, ok, problem, Verdict } from "../facts";

/** What the app does under its prefix: archive (PutObject) and serve archived content by presigned GET. */
export const ARCHIVE_ACTIONS = ["s3:PutObject", "s3:GetObject"] as const;

/** The app's default when the task sets no `ARCHIVE_PREFIX` (ARCHITECTURE.md, the app contract). */
const DEFAULT_ARCHIVE_PREFIX = "uploads/";

/** The prefix the app archives under, as the task definition tells it. */
export function archivePrefixOf(td: TaskDefinition): string {
    for (const c of td.containerDefinitions ?? []) {
        const value = c.environment?.find((e) => e.name === "ARCHIVE_PREFIX")?.value;
        if (value !== undefined) return value;
    }
    return DEFAULT_ARCHIVE_PREFIX;
}

/** An object key no real upload has (ids are UUIDs), so that the simulated resource is under the prefix only. */
export function probeObjectArn(roleArn: string, bucket: string, prefix: string): string {
    const partition = /^arn:([^:]+):/.exec(roleArn)?.[1] ?? "aws";
    return `arn:${partition}:s3:::${bucket}/${prefix}doctor-probe`;
}

/**
 * IAM's policy simulator evaluates the task role's identity policies (and permissions boundary) for the archive
 * actions on an object under the prefix; it does not include the bucket policy, which in this stack only denies
 * requests without TLS. https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html
 */
export function checkArchiveAccess(f: Pick<Facts, "outputs" | "archiveSimulation">): Verdict {
    const sim = need(f.archiveSimulation);
    const denied = ARCHIVE_ACTIONS.map((action) => ({ action, result: sim.results.find((r) => r.EvalActionName === action) })).filter(
        ({ result }) => result?.EvalDecision !== "allowed",
    );
    if (denied.length === 0) return ok(`${sim.roleArn} may ${ARCHIVE_ACTIONS.join(" and ")} ${sim.resource}`);
    const explicit = denied.flatMap(({ result }) => (result?.EvalDecision === "explicitDeny" ? (result.MatchedStatements ?? []).map((s) => s.SourcePolicyId ?? "a policy") : []));
    const prefixArn = sim.resource.replace(/doctor-probe$/, "*");
    return problem(
        `${sim.roleArn}: ${denied.map(({ action, result }) => `${action} is ${result?.EvalDecision ?? "not evaluated"}`).join(", ")} on ${sim.resource}`,
        explicit.length > 0
            ? `remove the Deny in ${[...new Set(explicit)].join(", ")} that matches ${prefixArn}`
            : `allow ${denied.map((d) => d.action).join(" and ")} on ${prefixArn} in the task role's policy (FargateService's archive-access policy does; the role must be the task definition's taskRoleArn)`,
    );
}
