/**
 * cloudfront-origin-served-paths-readable (mandatory): what a distribution serves from its S3 origin is never moved
 * to a class GetObject cannot read (GLACIER, DEEP_ARCHIVE, Intelligent-Tiering archive tiers).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
import { U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";
import { CDN_LIFECYCLE_RULES, cdnStack, cloudFrontAllow } from "./cdnStack";

const P = "cloudfront-origin-served-paths-readable";
const M = { level: "mandatory" as const, fix: /GLACIER_IR/ };
const current = (transitions: unknown[], extra: Record<string, unknown> = {}) => (i: any) => {
    i.rules = structuredClone(CDN_LIFECYCLE_RULES);
    Object.assign(i.rules[0], { transitions, ...extra });
};

describe(`${P} (mandatory)`, () => {
    it("passes an origin whose current versions move to GLACIER_IR only (compliant CDN fixture)", () => expectNoViolation(P, cdnStack().resources));
    it("passes GLACIER for a prefix that excludes the served thumbnails, and GLACIER for noncurrent versions (controls)", () =>
        expectNoViolation(P, cdnStack().change("archive-lifecycle", current([{ days: 90, storageClass: "GLACIER" }], { filter: { prefix: "logs/" } })).resources));

    it("catches current versions of the whole bucket moved to GLACIER (the old default)", () =>
        expectOneViolation(P, cdnStack().change("archive-lifecycle", current([{ days: 90, storageClass: "GLACIER" }])).resources, "archive", /"archive-current-versions".*to GLACIER after 90 days.*uploads\/\*\/thumbnails\/\*.*InvalidObjectState/, M));
    it("catches DEEP_ARCHIVE after an earlier readable class", () =>
        expectOneViolation(
            P,
            cdnStack().change("archive-lifecycle", current([{ days: 30, storageClass: "STANDARD_IA" }, { days: 180, storageClass: "DEEP_ARCHIVE" }])).resources,
            "archive",
            /to DEEP_ARCHIVE after 180 days/,
            M,
        ));
    it("catches a rule whose prefix is the served paths' parent (uploads/)", () =>
        expectOneViolation(P, cdnStack().change("archive-lifecycle", current([{ days: 30, storageClass: "GLACIER" }], { filter: { prefix: "uploads/" } })).resources, "archive", /under "uploads\/" to GLACIER/, M));
    it("catches a tag-filtered rule too (nothing says served objects lack the tag)", () =>
        expectOneViolation(
            P,
            cdnStack().change("archive-lifecycle", current([{ days: 30, storageClass: "GLACIER" }], { filter: { and: { prefix: "uploads/", tags: { tier: "cold" } } } })).resources,
            "archive",
            /to GLACIER/,
            M,
        ));
    it("catches the bucket's own (deprecated) inline lifecycleRules moving the served paths to GLACIER; a disabled one, one on another prefix, and the provider's unknown for an unset list pass", async () => {
        const inline = (rules: unknown) => cdnStack().change("archive", (i) => (i.lifecycleRules = rules)).resources;
        await expectOneViolation(P, inline([{ id: "old", enabled: true, prefix: "uploads/", transitions: [{ days: 60, storageClass: "GLACIER" }] }]), "archive", /"old" \(bucket "archive"'s inline lifecycleRules\) moves current versions under "uploads\/" to GLACIER after 60 days/, M);
        await expectNoViolation(P, inline([{ id: "old", enabled: false, prefix: "uploads/", transitions: [{ days: 60, storageClass: "GLACIER" }] }]));
        await expectNoViolation(P, inline([{ id: "old", enabled: true, prefix: "logs/", transitions: [{ days: 60, storageClass: "DEEP_ARCHIVE" }] }]));
        await expectNoViolation(P, inline(U));
    });
    it("catches an Intelligent-Tiering configuration with the archive access tiers over the served paths", () =>
        expectOneViolation(
            P,
            cdnStack().add("aws:s3/bucketIntelligentTieringConfiguration:BucketIntelligentTieringConfiguration", "archive-tiering", {
                inputs: { bucket: U, name: "all", status: "Enabled", tierings: [{ accessTier: "ARCHIVE_ACCESS", days: 90 }] },
                deps: { bucket: ["archive"] },
            }).resources,
            "archive",
            /Intelligent-Tiering configuration "archive-tiering" archives .*ARCHIVE_ACCESS/,
            M,
        ));
    it("reads the served paths from the bucket policy: a GLACIER rule on another prefix than those CloudFront may read passes, on theirs fails", async () => {
        const servesPublic = (i: any) => {
            const doc = JSON.parse(i.policy);
            doc.Statement[1] = cloudFrontAllow({ Resource: "arn:aws:s3:::archive-1234/public/*" });
            i.policy = JSON.stringify(doc);
        };
        await expectNoViolation(P, cdnStack().change("archive-policy", servesPublic).change("archive-lifecycle", current([{ days: 90, storageClass: "GLACIER" }], { filter: { prefix: "uploads/" } })).resources);
        await expectOneViolation(P, cdnStack().change("archive-policy", servesPublic).change("archive-lifecycle", current([{ days: 90, storageClass: "GLACIER" }], { filter: { prefix: "public/" } })).resources, "archive", /served public\/\*/, M);
    });
    it("treats an unknown bucket policy as serving the whole bucket", () =>
        expectOneViolation(
            P,
            cdnStack().change("archive-policy", (i) => (i.policy = U)).change("archive-lifecycle", current([{ days: 90, storageClass: "GLACIER" }], { filter: { prefix: "logs/" } })).resources,
            "archive",
            /served \*/,
            M,
        ));
    it("treats unknown lifecycle rules, and an unknown storage class that could apply, as unproven", async () => {
        await expectOneViolation(P, cdnStack().change("archive-lifecycle", (i) => (i.rules = U)).resources, "archive", /rules of lifecycle configuration "archive-lifecycle" are unknown during preview/, M);
        await expectOneViolation(P, cdnStack().change("archive-lifecycle", current([{ days: 90, storageClass: U }])).resources, "archive", /storage class unknown during preview/, M);
    });
});
