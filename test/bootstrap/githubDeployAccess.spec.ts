/**
 * The bootstrap stack's component under the program's mocks (as an update, so every document is known): the roles that
 * .github/workflows assume trust only GitHub's provider, for one repository's named environments (deploy) or its pull
 * requests (preview), with aud sts.amazonaws.com; the provider has no thumbprint; and the repository's own policy pack
 * finds nothing mandatory to refuse in it.
 * https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
 */
import * as assert from "assert";
import { GithubDeployAccess, MAX_SESSION_SECONDS } from "../../bootstrap/githubDeployAccess";
import { BootstrapSettings } from "../../bootstrap/settings";
import { check, describeAll } from "../policies/harness";
import { MockRecord, RecordedResource, registrationsSettled, useMocks } from "../mocks";

const SETTINGS: BootstrapSettings = {
    githubRepository: "octo-org/octo-repo",
    deployEnvironments: ["dev", "prod"],
    deployBranches: [],
    previewRole: true,
    deployRegions: ["us-east-1"],
    contentDelivery: false,
};
const T = { role: "aws:iam/role:Role", provider: "aws:iam/openIdConnectProvider:OpenIdConnectProvider", policy: "aws:iam/policy:Policy", attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment", rolePolicy: "aws:iam/rolePolicy:RolePolicy" };

async function build(settings: BootstrapSettings = SETTINGS): Promise<MockRecord> {
    const record = await useMocks({ stack: "bootstrap" });
    new GithubDeployAccess("github", settings);
    await registrationsSettled();
    return record;
}
const ofType = (record: MockRecord, type: string) => record.resources.filter((r) => r.type === type);
const named = (record: MockRecord, type: string, name: string): RecordedResource => {
    const found = ofType(record, type).filter((r) => r.name === name);
    assert.strictEqual(found.length, 1, `one ${type} named ${name}; found ${ofType(record, type).map((r) => r.name).join(", ") || "none"}`);
    return found[0];
};
const trustOf = (role: RecordedResource) => JSON.parse(role.inputs.assumeRolePolicy as string);

describe("bootstrap: GitHub deploy access (mocks)", function () {
    this.timeout(120_000);
    let record: MockRecord;
    before(async () => {
        record = await build();
    });

    it("creates GitHub's OIDC provider for audience sts.amazonaws.com, without a thumbprint", () => {
        const provider = named(record, T.provider, "github-github-oidc");
        assert.strictEqual(provider.inputs.url, "https://token.actions.githubusercontent.com");
        assert.deepStrictEqual(provider.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.strictEqual(provider.inputs.thumbprintLists, undefined);
    });

    it("the deploy role trusts only that provider, aud sts.amazonaws.com, and exactly the repository's dev and prod environments", () => {
        const provider = named(record, T.provider, "github-github-oidc");
        const trust = trustOf(named(record, T.role, "github-deploy-role"));
        assert.strictEqual(trust.Statement.length, 1);
        const [s] = trust.Statement;
        assert.strictEqual(s.Effect, "Allow");
        assert.strictEqual(s.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepStrictEqual(s.Principal, { Federated: provider.outputs.arn });
        assert.deepStrictEqual(Object.keys(s.Condition), ["StringEquals"], "exact matches only: no StringLike");
        assert.deepStrictEqual(s.Condition.StringEquals, {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": ["repo:octo-org/octo-repo:environment:dev", "repo:octo-org/octo-repo:environment:prod"],
        });
    });

    it("the preview role trusts only the repository's pull requests, aud sts.amazonaws.com, and may only look up what a preview reads", () => {
        const preview = named(record, T.role, "github-preview-role");
        assert.deepStrictEqual(trustOf(preview).Statement[0].Condition, {
            StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:pull_request" },
        });
        const read = JSON.parse(named(record, T.rolePolicy, "github-preview-read").inputs.policy as string);
        const actions = read.Statement.flatMap((s: any) => s.Action);
        assert.ok(actions.every((a: string) => /^(ec2:Describe|ecr:GetAuthorizationToken$|kms:DescribeKey$)/.test(a)), `read-only lookups: ${actions}`);
    });

    it("holds sessions to one hour", () => {
        for (const role of ofType(record, T.role)) {
            assert.strictEqual(role.inputs.maxSessionDuration, MAX_SESSION_SECONDS, role.name);
        }
        assert.strictEqual(MAX_SESSION_SECONDS, 3600);
    });

    it("attaches the six deploy policies to the deploy role, and to no other", () => {
        const deployRole = named(record, T.role, "github-deploy-role");
        const attachments = ofType(record, T.attachment);
        assert.deepStrictEqual(attachments.map((a) => a.name).sort(), ["analytics", "compute", "identity", "messaging", "network", "storage"].map((p) => `github-deploy-${p}`));
        for (const a of attachments) {
            assert.deepStrictEqual(a.propertyDependencies.role, [deployRole.urn], a.name);
        }
    });

    it("keeps every deploy policy under IAM's 6,144 characters for a managed policy (whitespace not counted)", () => {
        for (const p of ofType(record, T.policy)) {
            const size = (p.inputs.policy as string).replace(/\s/g, "").length;
            assert.ok(size <= 6144, `${p.name}: ${size} characters`);
        }
    });

    it("with an existing provider, creates none and trusts that one", async () => {
        const existing = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
        const again = await build({ ...SETTINGS, oidcProviderArn: existing, previewRole: false });
        assert.deepStrictEqual(ofType(again, T.provider), []);
        assert.deepStrictEqual(ofType(again, T.role).map((r) => r.name), ["github-deploy-role"]);
        assert.deepStrictEqual(trustOf(ofType(again, T.role)[0]).Statement[0].Principal, { Federated: existing });
    });

    it("refuses a wildcard repository before creating anything", async () => {
        const again = await useMocks({ stack: "bootstrap" });
        assert.throws(() => new GithubDeployAccess("github", { ...SETTINGS, githubRepository: "octo-org/*" }), /githubRepository: must be <owner>\/<name>/);
        await registrationsSettled();
        assert.deepStrictEqual(again.resources.filter((r) => r.custom), []);
    });

    it("the repository's policy pack reports no mandatory violation on it", async () => {
        const diagnostics = await check(record.resources);
        const mandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory");
        assert.deepStrictEqual(mandatory, [], describeAll(mandatory));
        const wildcards = diagnostics.filter((d) => d.policy === "iam-policy-no-wildcard-actions");
        assert.deepStrictEqual(wildcards, [], describeAll(wildcards));
    });
});

describe("bootstrap: the stack's config as Pulumi writes it from Pulumi.yaml's declared defaults", () => {
    it("deployRegions [] (its declared default) means the stack's own aws:region, not no region at all", () => {
        const { bootstrapDefaults } = require("../../bootstrap/settings") as typeof import("../../bootstrap/settings");
        const raw = { githubRepository: "acme/uploads", deployEnvironments: ["dev", "prod"], deployBranches: [], previewRole: true, oidcProviderArn: "", contentDelivery: false };
        assert.deepStrictEqual(bootstrapDefaults({ ...raw, deployRegions: [], region: "eu-west-1" }).deployRegions, ["eu-west-1"]);
        assert.deepStrictEqual(bootstrapDefaults({ ...raw, deployRegions: ["us-east-1", "us-west-2"], region: "eu-west-1" }).deployRegions, ["us-east-1", "us-west-2"]);
        assert.strictEqual(bootstrapDefaults({ ...raw, region: "eu-west-1" }).oidcProviderArn, undefined);
    });

    it("every key Pulumi.yaml declares has a default, so a new stack needs only githubRepository and aws:region", () => {
        const { parse } = require("yaml") as typeof import("yaml");
        const project = parse(require("fs").readFileSync(require("path").join(__dirname, "..", "..", "bootstrap", "Pulumi.yaml"), "utf8"));
        const missing = Object.entries<any>(project.config).filter(([key, d]) => key !== "githubRepository" && !("default" in d)).map(([key]) => key);
        assert.deepStrictEqual(missing, [], "declared without a default: pulumi preview refuses a stack that does not set them");
    });
});
