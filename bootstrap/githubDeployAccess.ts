import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { throwIfProblems } from "../components/validation";
import { deployPolicies, DeployPart, deploySubjects, GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, githubTrustPolicy, previewPolicy, previewSubjects } from "./deployPolicy";
import { BootstrapSettings, validateBootstrapSettings } from "./settings";

/**
 * One hour: what aws-actions/configure-aws-credentials asks for by default (`role-duration-seconds`, 3600) and IAM's
 * own default; a deploy that runs longer fails its next call instead of holding credentials for a day.
 */
export const MAX_SESSION_SECONDS = 3600;

export interface GithubDeployAccessArgs extends BootstrapSettings {
    /** The main project's name, for the names the deploy role may touch. Defaults to "fargate-efs-s3". */
    readonly project?: string;
}

/**
 * What a new account needs before the workflows in .github/workflows can run: GitHub's OIDC provider (unless the
 * account has it), the deploy role `up.yml` assumes (AWS_DEPLOY_ROLE_ARN) and, optionally, the read-only role
 * `preview.yml` assumes (AWS_PREVIEW_ROLE_ARN). See bootstrap/deployPolicy.ts for the trust and the scope.
 */
export class GithubDeployAccess extends pulumi.ComponentResource {
    public readonly oidcProviderArn: pulumi.Output<string>;
    public readonly deployRoleArn: pulumi.Output<string>;
    /** Undefined without `previewRole`. */
    public readonly previewRoleArn: pulumi.Output<string> | undefined;

    constructor(name: string, args: GithubDeployAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:bootstrap:GithubDeployAccess", name, {}, opts);

        throwIfProblems(`GithubDeployAccess "${name}"`, validateBootstrapSettings(args));
        const project = args.project ?? "fargate-efs-s3";
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        // The caller's ARN names the partition (arn:<partition>:iam::…), as components/logEncryption.ts reads it.
        const partition = identity.arn.apply((arn) => arn.split(":")[1]);

        const providerArn = args.oidcProviderArn ?? createGithubOidcProvider(name, this).arn;
        const deployRole = createGithubRole(`${name}-deploy-role`, providerArn, deploySubjects(args.githubRepository, args.deployEnvironments, args.deployBranches), `pulumi up of ${project}: .github/workflows/up.yml`, this);
        const documents = pulumi.all([partition, identity.accountId]).apply(([p, account]) => deployPolicies({ partition: p, account, regions: args.deployRegions, project, contentDelivery: args.contentDelivery }));
        for (const part of ["network", "storage", "compute", "messaging", "identity", "analytics"] as const satisfies readonly DeployPart[]) {
            const policy = new aws.iam.Policy(`${name}-deploy-${part}`, { description: `What pulumi up of ${project} needs: ${part}`, policy: documents.apply((d) => JSON.stringify(d[part])) }, { parent: this });
            new aws.iam.RolePolicyAttachment(`${name}-deploy-${part}`, { role: deployRole.name, policyArn: policy.arn }, { parent: this });
        }

        let previewRole: aws.iam.Role | undefined;
        if (args.previewRole) {
            previewRole = createGithubRole(`${name}-preview-role`, providerArn, previewSubjects(args.githubRepository), `pulumi preview of ${project} on pull requests: .github/workflows/preview.yml`, this);
            new aws.iam.RolePolicy(`${name}-preview-read`, { role: previewRole.name, policy: JSON.stringify(previewPolicy({ regions: args.deployRegions })) }, { parent: this });
        }

        this.oidcProviderArn = pulumi.output(providerArn);
        this.deployRoleArn = deployRole.arn;
        this.previewRoleArn = previewRole?.arn;
        this.registerOutputs({ oidcProviderArn: this.oidcProviderArn, deployRoleArn: this.deployRoleArn, previewRoleArn: this.previewRoleArn });
    }
}

/**
 * GitHub's OIDC provider, audience sts.amazonaws.com. No thumbprint: IAM verifies GitHub's JWKS endpoint against its
 * library of trusted root CAs ("These OIDC IdPs include Auth0, GitHub, GitLab, Google, and those that use an Amazon S3
 * bucket to host a JSON Web Key Set (JWKS) endpoint", IAM API reference, UpdateOpenIDConnectProviderThumbprint,
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html), and the
 * provider's `thumbprintLists` is optional.
 */
function createGithubOidcProvider(name: string, parent: pulumi.Resource): aws.iam.OpenIdConnectProvider {
    return new aws.iam.OpenIdConnectProvider(`${name}-github-oidc`, { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE] }, { parent });
}

function createGithubRole(name: string, providerArn: pulumi.Input<string>, subjects: string[], description: string, parent: pulumi.Resource): aws.iam.Role {
    return new aws.iam.Role(
        name,
        { description, maxSessionDuration: MAX_SESSION_SECONDS, assumeRolePolicy: pulumi.output(providerArn).apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))) },
        { parent },
    );
}
