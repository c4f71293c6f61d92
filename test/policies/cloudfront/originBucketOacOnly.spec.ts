import { U } from "../fixtures";
import { check, describeAll, expectNoViolation, expectOneViolation } from "../harness";
import { cdnStack, cloudFrontAllow, DIST_ARN } from "./cdnStack";

const policyWith = (...statements: unknown[]) => (i: any) => {
    const doc = JSON.parse(i.policy);
    doc.Statement = [doc.Statement[0], ...statements];
    i.policy = JSON.stringify(doc);
};

describe("cloudfront-origin-bucket-oac-only (mandatory)", () => {
    const P = "cloudfront-origin-bucket-oac-only";
    const M = { level: "mandatory" as const, fix: /OriginAccessControl.*AWS:SourceArn/ };
    it("passes a private bucket reached through SigV4 OAC, admitted by SourceArn", () => expectNoViolation(P, cdnStack().resources));

    it("catches an admission without an AWS:SourceArn condition", () =>
        expectOneViolation(P, cdnStack().change("archive-policy", policyWith(cloudFrontAllow({ Condition: undefined }))).resources, "archive", /without an exact AWS:SourceArn/, M));
    it("catches a SourceArn that is a wildcard (any distribution)", () =>
        expectOneViolation(
            P,
            cdnStack().change("archive-policy", policyWith(cloudFrontAllow({ Condition: { StringLike: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*" } } }))).resources,
            "archive",
            /without an exact AWS:SourceArn/,
            M,
        ));
    it("catches an ArnEquals SourceArn with a wildcard (ArnEquals globs, so it admits every distribution)", () =>
        expectOneViolation(
            P,
            cdnStack().change("archive-policy", policyWith(cloudFrontAllow({ Condition: { ArnEquals: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/*" } } }))).resources,
            "archive",
            /without an exact AWS:SourceArn/,
            M,
        ));
    it('catches an Allow for Principal "*" beside the admission (a public bucket)', () =>
        expectOneViolation(P, cdnStack().change("archive-policy", policyWith(cloudFrontAllow(), { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::archive-1234/*" })).resources, "archive", /allows Principal "\*"/, M));
    it("catches a public access block that lets public policies in", () =>
        expectOneViolation(P, cdnStack().change("archive-public-access", (i) => (i.restrictPublicBuckets = false)).resources, "archive", /restrictPublicBuckets false/, M));
    it("catches an origin reached through a legacy origin access identity instead of OAC", () =>
        expectOneViolation(
            P,
            cdnStack().change("cdn-distribution", (i) => (i.origins = [{ originId: "archive", domainName: U, s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/E1" } }])).resources,
            "cdn-distribution",
            /legacy origin access identity.*no originAccessControlId/,
            M,
        ));
    it("catches an origin access identity resource in the stack", () =>
        expectOneViolation(P, cdnStack().add("aws:cloudfront/originAccessIdentity:OriginAccessIdentity", "cdn-oai", { inputs: { comment: "legacy" } }).resources, "cdn-oai", /legacy way/, M));
    it("catches an OAC that does not always sign", () =>
        expectOneViolation(P, cdnStack().change("cdn-oac", (i) => (i.signingBehavior = "no-override")).resources, "cdn-distribution", /signingBehavior "no-override", not "always"/, M));
    it("treats a bucket policy document unknown during preview as unproven when it is built from other values than the bucket and its distribution", () =>
        expectOneViolation(
            P,
            cdnStack().add("aws:iam/role:Role", "other", { inputs: { assumeRolePolicy: "{}" } }).change("archive-policy", (i) => (i.policy = U)).resources.map((r) =>
                r.name === "archive-policy" ? { ...r, propertyDependencies: { ...r.propertyDependencies, policy: [r.propertyDependencies.bucket[0], r.urn.replace(/aws:s3\/bucketPolicy:BucketPolicy::archive-policy$/, "aws:iam/role:Role::other")] } } : r,
            ),
            "archive",
            /unknown during preview and built from values other than this bucket/,
            M,
        ));
    it("lets an unknown document through the preview only when built from the bucket and its distribution and public policies are blocked", async () => {
        const withDeps = (s: ReturnType<typeof cdnStack>) =>
            s.change("archive-policy", (i) => (i.policy = U)).resources.map((r) => (r.name === "archive-policy" ? { ...r, propertyDependencies: { ...r.propertyDependencies, policy: [s.urn("archive"), s.urn("cdn-distribution")] } } : r));
        await expectNoViolation(P, withDeps(cdnStack()));
        await expectOneViolation(P, withDeps(cdnStack().change("archive-public-access", (i) => (i.blockPublicPolicy = false))), "archive", /public policies are not blocked/, M);
    });
    it("treats an OAC signing setting unknown during preview as a violation", () =>
        expectOneViolation(P, cdnStack().change("cdn-oac", (i) => (i.signingBehavior = U)).resources, "cdn-distribution", /unknown during preview/, M));
    it("(control) the SourceArn in the compliant fixture is an exact distribution ARN", () => {
        if (DIST_ARN.includes("*")) throw new Error("the fixture must admit one distribution");
    });
});

describe("cloudfront rules over the program itself (cdn on, a mocked update)", function () {
    this.timeout(120_000);
    it("the program's CDN passes the mandatory OAC rule; the advisory TLS rule flags only the default *.cloudfront.net certificate", async () => {
        const { recordStack } = await import("../../../tools/stackRun");
        const { resources } = await recordStack({ stack: "dev", overrides: { "fargate-efs-s3:cdn": JSON.stringify({ enabled: true }) } });
        const ds = await check(resources);
        const mandatory = ds.filter((d) => d.enforcementLevel === "mandatory");
        if (mandatory.length > 0) throw new Error(describeAll(mandatory));
        const tls = ds.filter((d) => d.policy === "cloudfront-distribution-https-tls12");
        if (tls.length !== 1 || !/default \*\.cloudfront\.net certificate/.test(tls[0].message) || /viewerProtocolPolicy/.test(tls[0].message)) throw new Error(describeAll(tls));
        const withCert = await recordStack({ stack: "dev", overrides: { "fargate-efs-s3:cdn": JSON.stringify({ enabled: true, aliases: ["cdn.example.org"], certificateArn: "arn:aws:acm:us-east-1:210987654321:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80", webAclArn: "arn:aws:wafv2:us-east-1:210987654321:global/webacl/cdn/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" }) } });
        const tls2 = (await check(withCert.resources)).filter((d) => d.policy.startsWith("cloudfront-"));
        if (tls2.length > 0) throw new Error(describeAll(tls2));
    });
});
