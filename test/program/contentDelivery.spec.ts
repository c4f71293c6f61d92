/**
 * Issue 11: CloudFront in front of the archive bucket (config `cdn`), off in dev and prod. The bucket stays private and
 * admits only this distribution through origin access control: principal cloudfront.amazonaws.com, AWS:SourceArn equal
 * to the distribution, s3:GetObject only, on the served patterns only. HTTPS only, TLS 1.2+ with a certificate (TLSv1,
 * what CloudFront enforces, on its default one), CachingOptimized.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 */
import * as assert from "assert";
import { DEFAULT_CDN_SERVED_PREFIXES } from "../../app/src/http/cdn";
import { DEFAULT_SERVED_PREFIXES } from "../../components";
import { ConfigError, parseStackConfig } from "../../config";
import { allOfType, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun } from "../mocks";

const T = {
    distribution: "aws:cloudfront/distribution:Distribution",
    oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
    oai: "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
    bucket: "aws:s3/bucket:Bucket",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
};
const CERT = "arn:aws:acm:us-east-1:210987654321:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80";
const WAF = "arn:aws:wafv2:us-east-1:210987654321:global/webacl/edge/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";
const CDN_ON = { "fargate-efs-s3:cdn": JSON.stringify({ enabled: true }) };

describe("program: content delivery through CloudFront with origin access control (cdn)", function () {
    this.timeout(120_000);
    const withCdn = () => stackRun({ stack: "dev", overrides: CDN_ON });

    it("is off in dev and prod: no distribution, and the bucket policy allows nothing", async () => {
        for (const run of [await stackRun({ stack: "dev" }), await stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES })]) {
            assert.strictEqual(allOfType(run, T.distribution).length, 0);
            assert.ok(!json(oneOfType(run, T.bucketPolicy, "archive-policy").inputs.policy).Statement.some((s: any) => s.Effect === "Allow"));
        }
    });

    it("signs every origin request with SigV4 through an S3 origin access control, never an origin access identity", async () => {
        const run = await withCdn();
        const oac = oneOfType(run, T.oac);
        assert.deepStrictEqual([oac.inputs.originAccessControlOriginType, oac.inputs.signingBehavior, oac.inputs.signingProtocol], ["s3", "always", "sigv4"]);
        assert.strictEqual(allOfType(run, T.oai).length, 0);
        const d = oneOfType(run, T.distribution).inputs as any;
        assert.strictEqual(d.origins.length, 1);
        assert.strictEqual(d.origins[0].originAccessControlId, oac.outputs.id ?? `${oac.name}-id`);
        assert.strictEqual(d.origins[0].s3OriginConfig, undefined, "no OAI origin config");
        assert.strictEqual(d.origins[0].domainName, oneOfType(run, T.bucket, "archive-bucket").outputs.bucketRegionalDomainName);
    });

    it("redirects HTTP to HTTPS, claims on the default certificate only the TLSv1 policy CloudFront enforces there, caches with the managed CachingOptimized policy, GET and HEAD only", async () => {
        const d = oneOfType(await withCdn(), T.distribution).inputs as any;
        assert.strictEqual(d.defaultCacheBehavior.viewerProtocolPolicy, "redirect-to-https");
        assert.strictEqual(d.defaultCacheBehavior.cachePolicyId, "658327ea-f89d-4fab-a63d-7e88639e58f6");
        assert.deepStrictEqual(d.defaultCacheBehavior.allowedMethods, ["GET", "HEAD"]);
        // CloudFront sets TLSv1 on the default certificate whatever is asked (API_ViewerCertificate); TLS 1.2 needs a certificate (below).
        assert.deepStrictEqual(d.viewerCertificate, { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1" });
    });

    it("the bucket policy admits cloudfront.amazonaws.com for this distribution only (AWS:SourceArn), GetObject only, on the thumbnails only", async () => {
        const run = await withCdn();
        const dist = oneOfType(run, T.distribution);
        const bucketArn = oneOfType(run, T.bucket, "archive-bucket").outputs.arn;
        const allows = json(oneOfType(run, T.bucketPolicy, "archive-policy").inputs.policy).Statement.filter((s: any) => s.Effect === "Allow");
        assert.deepStrictEqual(allows, [
            {
                Sid: "AllowCloudFrontOac0",
                Effect: "Allow",
                Principal: { Service: "cloudfront.amazonaws.com" },
                Action: "s3:GetObject",
                Resource: [`${bucketArn}/uploads/*/thumbnails/*`],
                Condition: { StringEquals: { "AWS:SourceArn": dist.outputs.arn } },
            },
        ]);
        assert.match(String(dist.outputs.arn), /^arn:aws:cloudfront:.*:distribution\//);
        assert.strictEqual(oneOfType(run, T.pab, "archive-public-access-block").inputs.restrictPublicBuckets, true, "the bucket stays non-public");
    });

    it("the app gets CDN_BASE_URL and the same served patterns; program and app agree on the default", async () => {
        assert.deepStrictEqual([...DEFAULT_SERVED_PREFIXES], DEFAULT_CDN_SERVED_PREFIXES);
        const td = oneOfType(await withCdn(), T.taskDefinition, "app-task");
        const env = Object.fromEntries(json<any[]>(td.inputs.containerDefinitions)[0].environment.map((e: any) => [e.name, e.value]));
        assert.match(env.CDN_BASE_URL, /^https:\/\/[^/]+$/);
        assert.strictEqual(env.CDN_SERVED_PREFIXES, "uploads/*/thumbnails/*");
    });

    it("optional alias, us-east-1 certificate and WAF web ACL are passed through; the alias becomes the app's CDN_BASE_URL", async () => {
        const cdn = { enabled: true, aliases: ["cdn.example.org"], certificateArn: CERT, webAclArn: WAF, servedPrefixes: ["uploads/*/thumbnails/*", "uploads/*/public/*"] };
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:cdn": JSON.stringify(cdn) } });
        const d = oneOfType(run, T.distribution).inputs as any;
        assert.deepStrictEqual([d.aliases, d.webAclId], [["cdn.example.org"], WAF]);
        assert.deepStrictEqual(d.viewerCertificate, { acmCertificateArn: CERT, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" });
        const allow = json(oneOfType(run, T.bucketPolicy, "archive-policy").inputs.policy).Statement.find((s: any) => s.Effect === "Allow");
        assert.strictEqual(allow.Resource.length, 2);
        const env = json<any[]>(oneOfType(run, T.taskDefinition, "app-task").inputs.containerDefinitions)[0].environment;
        assert.deepStrictEqual(env.find((e: any) => e.name === "CDN_BASE_URL").value, "https://cdn.example.org");
    });

    it("what the CDN serves is never frozen: with the CDN on, current versions move to GLACIER_IR (GetObject reads it), never GLACIER or DEEP_ARCHIVE; without it, the GLACIER default stays", async () => {
        const currentTransitions = (run: Awaited<ReturnType<typeof withCdn>>) =>
            (oneOfType(run, T.lifecycle, "archive-lifecycle").inputs as any).rules.filter((r: any) => r.status === "Enabled").flatMap((r: any) => r.transitions ?? []);
        assert.deepStrictEqual(currentTransitions(await withCdn()), [{ days: 90, storageClass: "GLACIER_IR" }]);
        assert.deepStrictEqual(currentTransitions(await stackRun({ stack: "dev" })), [{ days: 90, storageClass: "GLACIER" }]);
    });
});

describe("config: cdn", () => {
    const BASE = { "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true" };
    const keys = (o: Record<string, string>) => {
        try {
            parseStackConfig({ ...BASE, ...o });
            return [];
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.problems.map((p) => `${p.key}: ${p.reason}`);
        }
    };
    it("refuses a CDN in front of a KMS-encrypted archive, naming cdn.enabled and archiveKmsKeyArn", () => {
        const p = keys({ ...CDN_ON, "fargate-efs-s3:archiveKmsKeyArn": "arn:aws:kms:us-east-1:210987654321:key/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" });
        assert.strictEqual(p.length, 1, p.join("\n"));
        assert.match(p[0], /^fargate-efs-s3:cdn\.enabled: .*archiveKmsKeyArn/);
    });
    it("refuses a certificate outside us-east-1, aliases without a certificate, a certificate without aliases, and a regional WAF ACL, each by name", () => {
        const bad = (c: object) => keys({ "fargate-efs-s3:cdn": JSON.stringify({ enabled: true, ...c }) }).map((l) => l.split(":")[1]);
        assert.deepStrictEqual(bad({ aliases: ["cdn.example.org"], certificateArn: CERT.replace("us-east-1", "eu-west-1") }), ["cdn.certificateArn"]);
        assert.deepStrictEqual(bad({ aliases: ["cdn.example.org"] }), ["cdn.aliases"]);
        assert.deepStrictEqual(bad({ certificateArn: CERT }), ["cdn.certificateArn"], "a certificate without aliases: viewers would get *.cloudfront.net and TLSv1, not the certificate's TLS 1.2");
        assert.deepStrictEqual(bad({ webAclArn: WAF.replace("global", "regional") }), ["cdn.webAclArn"]);
        assert.deepStrictEqual(bad({ servedPrefixes: ["/uploads/*"] }), ["cdn.servedPrefixes"]);
        assert.deepStrictEqual(bad({}), [], "(control) the defaults are accepted");
    });
    it("refuses a GLACIER or DEEP_ARCHIVE transition of current versions with the CDN on, naming archiveLifecycle.transitions[i].storageClass and cdn.enabled", () => {
        const lifecycle = (transitions: object[]) => ({ "fargate-efs-s3:archiveLifecycle": JSON.stringify({ transitions }) });
        const p = keys({ ...CDN_ON, ...lifecycle([{ days: 30, storageClass: "STANDARD_IA" }, { days: 120, storageClass: "GLACIER" }, { days: 400, storageClass: "DEEP_ARCHIVE" }]) });
        assert.deepStrictEqual(p.map((l) => l.split(": ")[0]), ["fargate-efs-s3:archiveLifecycle.transitions[1].storageClass", "fargate-efs-s3:archiveLifecycle.transitions[2].storageClass"]);
        assert.match(p[0], /GLACIER while cdn\.enabled is true.*InvalidObjectState.*GLACIER_IR/);
        assert.deepStrictEqual(keys({ ...CDN_ON, ...lifecycle([{ days: 90, storageClass: "GLACIER_IR" }]) }), [], "(control) GLACIER_IR is readable");
        assert.deepStrictEqual(keys(lifecycle([{ days: 90, storageClass: "GLACIER" }])), [], "(control) GLACIER without the CDN");
    });
});
