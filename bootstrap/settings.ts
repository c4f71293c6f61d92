/**
 * The bootstrap stack's settings: which repository, which GitHub environments and branches may deploy, and where.
 * Pure: read once from the stack config, every problem reported at once, tested without mocks.
 */
import { Problem } from "../components/validation";

export interface BootstrapSettings {
    /** `owner/name` of the GitHub repository whose workflows may assume the roles; no wildcard. */
    readonly githubRepository: string;
    /**
     * GitHub environments whose jobs may assume the deploy role (`repo:<owner>/<name>:environment:<env>`, the `sub` of a
     * job that names an `environment:`, as both jobs of .github/workflows/up.yml do). Defaults to dev and prod.
     */
    readonly deployEnvironments: readonly string[];
    /**
     * Branches whose jobs without an environment may assume the deploy role (`repo:<owner>/<name>:ref:refs/heads/<branch>`).
     * Defaults to none: a job that deploys names its environment, so its reviewers are the gate.
     */
    readonly deployBranches: readonly string[];
    /** A read-only role for the pull-request preview (`repo:<owner>/<name>:pull_request`, AWS_PREVIEW_ROLE_ARN). Defaults to true. */
    readonly previewRole: boolean;
    /**
     * The account's existing GitHub OIDC provider (IAM allows one per issuer URL and account). Defaults to none: the
     * stack creates it.
     */
    readonly oidcProviderArn?: string;
    /** Regions the deploy role may act in: the stacks' `aws:region`, and an EFS replica's region. Defaults to the bootstrap stack's region. */
    readonly deployRegions: readonly string[];
    /** Allow the CloudFront distribution of `cdn.enabled`. Defaults to false. */
    readonly contentDelivery: boolean;
}

/** The project's config namespace (bootstrap/Pulumi.yaml `name`). */
export const BOOTSTRAP_PROJECT = "fargate-efs-s3-bootstrap";

const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
/** What GitHub allows in an environment or branch name that is also safe in a StringEquals value: no wildcard, no colon. */
const PLAIN_NAME = /^[A-Za-z0-9._/-]{1,255}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** Every problem with the settings, each naming its key. */
export function validateBootstrapSettings(s: BootstrapSettings): Problem[] {
    const problems: Problem[] = [];
    if (!REPOSITORY.test(s.githubRepository) || s.githubRepository.split("/")[1] === "." || s.githubRepository.split("/")[1] === "..") {
        problems.push({ property: "githubRepository", reason: `must be <owner>/<name> of one GitHub repository, without wildcards; got ${JSON.stringify(s.githubRepository)}` });
    }
    if (s.deployEnvironments.length + s.deployBranches.length === 0) {
        problems.push({ property: "deployEnvironments", reason: "with deployBranches empty too, no workflow could assume the deploy role; name at least one environment (dev, prod)" });
    }
    for (const [key, names] of [["deployEnvironments", s.deployEnvironments], ["deployBranches", s.deployBranches]] as const) {
        names.forEach((n, i) => {
            if (typeof n !== "string" || !PLAIN_NAME.test(n)) {
                problems.push({ property: `${key}[${i}]`, reason: `must be a plain name (letters, digits, . _ / -; no * or ?, which StringEquals would not expand anyway); got ${JSON.stringify(n)}` });
            }
        });
    }
    if (s.deployRegions.length === 0) {
        problems.push({ property: "deployRegions", reason: "must name at least one region" });
    }
    s.deployRegions.forEach((r, i) => {
        if (typeof r !== "string" || !REGION.test(r)) {
            problems.push({ property: `deployRegions[${i}]`, reason: `must be an AWS region such as us-east-1; got ${JSON.stringify(r)}` });
        }
    });
    if (s.oidcProviderArn !== undefined && !OIDC_PROVIDER_ARN.test(s.oidcProviderArn)) {
        problems.push({ property: "oidcProviderArn", reason: `must be the ARN of the account's token.actions.githubusercontent.com provider (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com), or unset to create it; got ${JSON.stringify(s.oidcProviderArn)}` });
    }
    return problems;
}

/** Settings from the raw config values (`undefined` where unset), defaults applied. */
export function bootstrapDefaults(raw: {
    githubRepository?: string;
    deployEnvironments?: string[];
    deployBranches?: string[];
    previewRole?: boolean;
    oidcProviderArn?: string;
    deployRegions?: string[];
    contentDelivery?: boolean;
    region: string;
}): BootstrapSettings {
    return {
        githubRepository: raw.githubRepository ?? "",
        deployEnvironments: raw.deployEnvironments ?? ["dev", "prod"],
        deployBranches: raw.deployBranches ?? [],
        previewRole: raw.previewRole ?? true,
        oidcProviderArn: raw.oidcProviderArn || undefined,
        // Pulumi.yaml declares [] as the default (a declared key needs one): empty is "this stack's region".
        deployRegions: raw.deployRegions?.length ? raw.deployRegions : [raw.region],
        contentDelivery: raw.contentDelivery ?? false,
    };
}
