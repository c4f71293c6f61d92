import { StackValidationPolicy } from "@pulumi/policy";

import { parsePolicyDocument } from "../lib/iamDocument";
import { types } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { get, isUnknown, list, show } from "../lib/values";

const PUBLIC_ACCESS_BLOCK = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
const CLOUDFRONT = "Service:cloudfront.amazonaws.com";

/** What is wrong with one S3 origin of a distribution: OAC, never OAI, signed always with SigV4. */
function originProblems(index: StackIndex, dist: StackNode, origin: unknown): string[] {
    const problems: string[] = [];
    const oai = get(get(origin as never, "s3OriginConfig"), "originAccessIdentity");
    if (isUnknown(oai)) {
        problems.push("its s3OriginConfig.originAccessIdentity is unknown during preview, so it cannot be proven to use no origin access identity");
    } else if (typeof oai === "string" && oai !== "") {
        problems.push(`it uses the legacy origin access identity ${show(oai)}`);
    }
    const oacId = get(origin as never, "originAccessControlId");
    if (oacId === undefined || oacId === "" || oacId === null) {
        problems.push("it has no originAccessControlId");
        return problems;
    }
    const oacs = dist.deps("origins").map((u) => index.get(u)).filter((n): n is StackNode => n?.type === types.cloudfrontOriginAccessControl);
    if (isUnknown(oacId) && oacs.length === 0) {
        problems.push("its originAccessControlId is unknown during preview and comes from no origin access control in this stack");
    }
    for (const oac of oacs) {
        const want: Record<string, string> = { originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" };
        for (const [k, v] of Object.entries(want)) {
            const got = oac.props[k];
            if (got !== v) problems.push(`its origin access control "${oac.name}" has ${k} ${isUnknown(got) ? "unknown during preview" : show(got)}, not "${v}"`);
        }
    }
    return problems;
}

/** What is wrong with the origin bucket itself: public access not fully blocked, or a policy that admits more than CloudFront by SourceArn. */
function bucketProblems(index: StackIndex, bucket: StackNode, originOf: ReadonlyMap<string, ReadonlySet<string>>): string[] {
    const problems: string[] = [];
    const blocks = index.referrers(bucket, [types.s3PublicAccessBlock], "bucket", ["bucket", "id"]);
    if (blocks.length === 0) problems.push("no public access block refers to it");
    for (const b of blocks) {
        for (const k of PUBLIC_ACCESS_BLOCK) {
            if (b.props[k] !== true) problems.push(`its public access block "${b.name}" has ${k} ${isUnknown(b.props[k]) ? "unknown during preview" : show(b.props[k])}, not true`);
        }
    }
    for (const p of index.referrers(bucket, [types.s3BucketPolicy], "bucket", ["bucket", "id"])) {
        const doc = parsePolicyDocument(p.props.policy);
        if (doc.kind === "unknown") {
            // Explained like the EFS rule's unknown CIDR: a document that names the distribution's ARN is unknown in
            // the first preview whatever it says. It passes only when every value it is built from comes from this
            // bucket or a distribution that has it as origin, and S3 itself refuses public policies (checked above).
            const sources = p.deps("policy");
            const explained = sources.length > 0 && sources.every((u) => u === bucket.urn || originOf.get(u)?.has(bucket.urn));
            const publicBlocked = blocks.length > 0 && blocks.every((b) => b.props.blockPublicPolicy === true && b.props.restrictPublicBuckets === true);
            if (!explained || !publicBlocked) {
                problems.push(`the document of bucket policy "${p.name}" is unknown during preview${explained ? " and public policies are not blocked" : " and built from values other than this bucket and its distributions"}, so its CloudFront statements cannot be proven`);
            }
            continue;
        }
        if (doc.kind === "invalid") {
            problems.push(`bucket policy "${p.name}" cannot be read: ${doc.reason}`);
            continue;
        }
        for (const s of doc.statements.filter((x) => x.effect === "Allow")) {
            const label = `statement ${s.sid ? `"${s.sid}" ` : ""}of bucket policy "${p.name}"`;
            if (s.principals.includes("*")) problems.push(`${label} allows Principal "*"`);
            if (s.principals.includes(CLOUDFRONT)) {
                const arn = ["StringEquals", "ArnEquals"].map((op) => s.condition[op]?.["AWS:SourceArn"]).find((v) => v !== undefined);
                if (typeof arn !== "string" || arn.includes("*") || arn.includes("?")) {
                    problems.push(`${label} admits cloudfront.amazonaws.com without an exact AWS:SourceArn condition (StringEquals to one distribution)`);
                }
            }
        }
    }
    return problems;
}

/**
 * cloudfront-origin-bucket-oac-only — an S3 bucket that is a CloudFront origin is reached only through origin access
 * control: every origin pointing at it has an originAccessControlId from an OAC that signs always with SigV4, no
 * origin access identity exists in the stack, the bucket blocks every kind of public access, and its policy allows
 * no Principal "*" and admits cloudfront.amazonaws.com only with `AWS:SourceArn` equal to one distribution.
 *
 * Why: without the SourceArn condition any CloudFront distribution, in any account, can read the bucket through its
 * own OAC; an OAI is the legacy mechanism (no SSE-KMS, no SigV4); a public bucket bypasses CloudFront entirely.
 * Severity: critical (mandatory).
 * Joins: a distribution's origins refer to the bucket and the OAC by the property dependencies of `origins`.
 * Unknowns: like the other mandatory rules, a value this needs that a preview cannot know (an OAC setting, a
 * public-access flag, an OAI) is a violation ("cannot be proven during preview"). The one exception, explained by
 * property dependencies as the EFS security-group rule explains an unknown CIDR: the bucket policy's document, which
 * names the distribution's ARN and so is unknown in any preview that creates the distribution, passes the preview when
 * every value it is built from comes from this bucket or its distributions and the bucket blocks public policies
 * (S3 then refuses a policy that is public); AnalyzeStack after the update checks the document itself.
 * See https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
 */
export const requireOacOnlyOrigins: StackValidationPolicy = {
    name: "cloudfront-origin-bucket-oac-only",
    description: "An S3 bucket that is a CloudFront origin is reached only through origin access control with an AWS:SourceArn condition.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const fix =
            `Use an aws.cloudfront.OriginAccessControl (originAccessControlOriginType "s3", signingBehavior "always", signingProtocol "sigv4") on the origin, ` +
            `block all public access on the bucket, and admit the distribution in the bucket policy with Principal { Service: "cloudfront.amazonaws.com" }, ` +
            `Action "s3:GetObject" and Condition { StringEquals: { "AWS:SourceArn": <distribution arn> } }.`;
        for (const oai of index.ofType(types.cloudfrontOriginAccessIdentity)) {
            reportViolation(`CloudFront origin access identity "${oai.name}" is the legacy way to reach an S3 origin. ${fix}`, oai.urn);
        }
        const checkedBuckets = new Set<string>();
        const originOf = new Map<string, Set<string>>(
            index.ofType(types.cloudfrontDistribution).map((d) => [d.urn, new Set(d.deps("origins"))]),
        );
        for (const dist of index.ofType(types.cloudfrontDistribution)) {
            const buckets = dist.deps("origins").map((u) => index.get(u)).filter((n): n is StackNode => !!n && (types.s3Buckets as readonly string[]).includes(n.type));
            if (buckets.length === 0) continue;
            const origins = list(dist.props.origins);
            const originList = isUnknown(origins) ? [] : origins;
            const problems = isUnknown(origins) ? ["its origins are unknown during preview"] : originList.flatMap((o) => originProblems(index, dist, o));
            if (problems.length > 0) {
                reportViolation(`CloudFront distribution "${dist.name}" has S3 origin ${buckets.map((b) => `"${b.name}"`).join(", ")}, but ${problems.join("; ")}. ${fix}`, dist.urn);
            }
            for (const bucket of buckets.filter((b) => !checkedBuckets.has(b.urn))) {
                checkedBuckets.add(bucket.urn);
                const bp = bucketProblems(index, bucket, originOf);
                if (bp.length > 0) reportViolation(`S3 bucket "${bucket.name}" is the origin of CloudFront distribution "${dist.name}", but ${bp.join("; ")}. ${fix}`, bucket.urn);
            }
        }
    },
};
