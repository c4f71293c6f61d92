/**
 * The bootstrap stack: from an empty account to the roles the deploy workflows assume (README, "From a new account to
 * the first deploy"). Run once per account, by an administrator, from this directory.
 */
import * as pulumi from "@pulumi/pulumi";
import { GithubDeployAccess } from "./githubDeployAccess";
import { bootstrapDefaults } from "./settings";

const config = new pulumi.Config();
const settings = bootstrapDefaults({
    githubRepository: config.get("githubRepository"),
    deployEnvironments: config.getObject<string[]>("deployEnvironments"),
    deployBranches: config.getObject<string[]>("deployBranches"),
    previewRole: config.getBoolean("previewRole"),
    oidcProviderArn: config.get("oidcProviderArn"),
    deployRegions: config.getObject<string[]>("deployRegions"),
    contentDelivery: config.getBoolean("contentDelivery"),
    region: new pulumi.Config("aws").require("region"),
});
const access = new GithubDeployAccess("github", settings);

/** The repository variables of .github/workflows: AWS_DEPLOY_ROLE_ARN and AWS_PREVIEW_ROLE_ARN. */
export const deployRoleArn = access.deployRoleArn;
export const previewRoleArn = access.previewRoleArn;
export const oidcProviderArn = access.oidcProviderArn;
