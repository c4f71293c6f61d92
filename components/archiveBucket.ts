import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ArchiveLifecycle, DEFAULT_ARCHIVE_LIFECYCLE, lifecycleRules, validateArchiveLifecycle } from "./archiveLifecycle";
import { denyInsecureTransport, GrantLedger, Grantee } from "./policyStatements";
import { throwIfProblems } from "./validation";

/** A relative S3 key prefix ending with "/", like `uploads/`: what a grant is limited to. */
export const KEY_PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/$/;

export interface ArchiveBucketArgs {
    /** What happens to objects over time; checked as S3 would check it. Defaults to {@link DEFAULT_ARCHIVE_LIFECYCLE}. */
    readonly lifecycle?: ArchiveLifecycle;
    /**
     * A customer-managed KMS key for default encryption (SSE-KMS with an S3 bucket key, to keep KMS calls cheap).
     * Defaults to SSE-S3 (AES-256 with S3-managed keys).
     */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /**
     * Keep the bucket and its objects when the stack is destroyed, and refuse to delete a non-empty bucket.
     * Defaults to true; set false only for throw-away environments.
     */
    readonly retainOnDelete?: boolean;
    /**
     * Prefixes whose objects (and their old versions) are deleted this many days after creation, such as Athena's
     * query results (`{ "athena-results/": 7 }`). S3 lets expiration win over a transition of the same object.
     * Defaults to none.
     * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-conflicts.html
     */
    readonly expiringPrefixes?: Readonly<Record<string, number>>;
}

/** The bucket's effective settings: the one place its defaults live (the stack config leaves unset keys undefined). */
export function archiveBucketDefaults(args: ArchiveBucketArgs): { lifecycle: ArchiveLifecycle; retainOnDelete: boolean } {
    return { lifecycle: args.lifecycle ?? DEFAULT_ARCHIVE_LIFECYCLE, retainOnDelete: args.retainOnDelete ?? true };
}

/**
 * The S3 bucket that data lives in for good: versioned, encrypted, never public, TLS only, and moved to Glacier by
 * a lifecycle that S3 will accept.
 */
export class ArchiveBucket extends pulumi.ComponentResource {
    /** The bucket's name (generated; no physical name is hard-coded). */
    public readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** The KMS key used for default encryption, if any; the grants include it. */
    public readonly kmsKeyArn: pulumi.Output<string | undefined>;

    private readonly name: string;
    private readonly key?: pulumi.Input<string>;
    private readonly region: pulumi.Output<string>;
    private readonly grants: GrantLedger<aws.iam.RolePolicy>;
    /** The bucket's regional domain name: what a CloudFront origin points at. */
    public readonly bucketRegionalDomainName: pulumi.Output<string>;
    /** Service principals the owner admits in its own bucket policy (admitCloudFront); collected while the program is built. */
    private readonly admissions: object[] = [];
    private admissionsOpen = true;
    private readonly admissionsClosed: Promise<void>;

    constructor(name: string, args: ArchiveBucketArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:storage:ArchiveBucket", name, {}, opts);

        const { lifecycle, retainOnDelete } = archiveBucketDefaults(args);
        throwIfProblems(`ArchiveBucket "${name}"`, validateArchiveLifecycle(lifecycle).map((p) => ({ ...p, property: `lifecycle.${p.property}` })));
        this.name = name;
        this.key = args.kmsKeyArn;
        this.region = aws.getRegionOutput({}, { parent: this }).region;
        this.grants = new GrantLedger(`ArchiveBucket "${name}"`);
        // The program builds its components in one synchronous run; admissions close when it yields (the next
        // macrotask), and the bucket policy is rendered then, with every admission in it.
        this.admissionsClosed = new Promise((resolve) => setImmediate(() => ((this.admissionsOpen = false), resolve())));

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { forceDestroy: !retainOnDelete },
            { parent: this, retainOnDelete },
        );

        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
            { parent: this },
        );

        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.id,
                rules: [
                    args.kmsKeyArn
                        ? {
                              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                              bucketKeyEnabled: true,
                          }
                        : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
                ],
            },
            { parent: this },
        );

        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            { parent: this },
        );

        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
            { parent: this },
        );

        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                policy: pulumi.output(this.admissionsClosed.then(() => true)).apply(() =>
                    pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`]), ...this.admissions],
                    }),
                ),
            },
            // S3 rejects a bucket policy while a just-created public access block is still settling in.
            { parent: this, dependsOn: [publicAccessBlock] },
        );

        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [
                    ...lifecycleRules(lifecycle),
                    ...Object.entries(args.expiringPrefixes ?? {}).map(([prefix, days]) => ({
                        id: `expire-${prefix.replace(/\/$/, "")}`,
                        status: "Enabled",
                        filter: { prefix },
                        expiration: { days },
                        noncurrentVersionExpiration: { noncurrentDays: 1 },
                    })),
                ],
            },
            // Noncurrent-version rules only mean something once versioning is on.
            { parent: this, dependsOn: [versioning] },
        );

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.bucketRegionalDomainName = bucket.bucketRegionalDomainName;
        this.kmsKeyArn = pulumi.output(args.kmsKeyArn);
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, kmsKeyArn: this.kmsKeyArn });
    }

    /**
     * Lets a role write new objects under `prefixes` (PutObject, multipart uploads included, and aborting its own
     * multipart uploads), and use the bucket's KMS key for that through S3 only. Never DeleteObject. The same
     * grantee and prefixes again returns the same grant.
     */
    public grantWrite(grantee: Grantee, prefixes: readonly string[]): aws.iam.RolePolicy {
        return this.grant(grantee, "write", prefixes, ["s3:PutObject", "s3:AbortMultipartUpload"], [], ["kms:GenerateDataKey", "kms:Decrypt"]);
    }

    /**
     * Lets a role read objects under `prefixes`: GetObject (HeadObject too), and with `versions` also
     * GetObjectVersion, which S3 checks instead for a request that names a version id (a presigned link to an
     * archived version, say). Also s3:ListBucket on the bucket, unconditionally: S3 answers a HeadObject or GetObject
     * on a missing key with 404 only to a caller that may list the bucket, and with 403 otherwise, so without it a
     * missing object looks like a refusal. Key names become visible bucket-wide; objects do not.
     * https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
     * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
     */
    public grantRead(grantee: Grantee, prefixes: readonly string[], options: { readonly versions?: boolean } = {}): aws.iam.RolePolicy {
        const objectActions = ["s3:GetObject", ...(options.versions ? ["s3:GetObjectVersion"] : [])];
        return this.grant(grantee, "read", prefixes, objectActions, [{ Sid: "ListBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: this.bucketArn }], ["kms:Decrypt"]);
    }

    /**
     * Admits one CloudFront distribution, through origin access control, to read (s3:GetObject only) the objects whose
     * keys match `patterns` (bucket-policy wildcards: `*` matches any characters, `/` too): the bucket's own policy gains an
     * allow for `cloudfront.amazonaws.com` conditioned on `AWS:SourceArn` equal to that distribution, nothing else. The
     * one allow in a resource policy here: a service principal has no identity policy to hold it.
     * Refused for a KMS-encrypted bucket: CloudFront would need kms:Decrypt in a key policy this program does not own.
     * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html
     */
    public admitCloudFront(distributionArn: pulumi.Input<string>, patterns: readonly string[]): void {
        const bad = patterns.filter((p) => p.startsWith("/") || !/^[A-Za-z0-9!_.*'()\/-]+$/.test(p) || !p.includes("/"));
        if (patterns.length === 0 || bad.length > 0) {
            throw new pulumi.InputPropertyError({ propertyPath: "patterns", reason: `ArchiveBucket "${this.name}" admits CloudFront only on key patterns like "uploads/*/thumbnails/*"; got ${JSON.stringify(patterns)}` });
        }
        if (this.key !== undefined) {
            throw new pulumi.InputPropertyError({ propertyPath: "kmsKeyArn", reason: `ArchiveBucket "${this.name}" is SSE-KMS with a key this program does not own; CloudFront cannot decrypt it. Serve from an SSE-S3 bucket (no archiveKmsKeyArn)` });
        }
        if (!this.admissionsOpen) {
            throw new Error(`ArchiveBucket "${this.name}": admitCloudFront after the bucket policy was rendered; call it while the program is built`);
        }
        this.admissions.push({
            Sid: `AllowCloudFrontOac${this.admissions.length}`,
            Effect: "Allow",
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: [...new Set(patterns)].sort().map((p) => pulumi.interpolate`${this.bucketArn}/${p}`),
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        });
    }

    private grant(grantee: Grantee, kind: "read" | "write", prefixes: readonly string[], objectActions: string[], bucketStatements: object[], kmsActions: string[]): aws.iam.RolePolicy {
        const bad = prefixes.filter((p) => !KEY_PREFIX.test(p));
        if (prefixes.length === 0 || bad.length > 0) {
            throw new pulumi.InputPropertyError({
                propertyPath: "prefixes",
                reason: `ArchiveBucket "${this.name}" grants only on relative key prefixes ending with "/", like "uploads/"; got ${JSON.stringify(prefixes)}`,
            });
        }
        const sorted = [...new Set(prefixes)].sort();
        return this.grants.once(grantee, kind, `${objectActions.join("+")} on ${sorted.join(", ")}`, () => {
            const statements: object[] = [
                { Sid: kind === "write" ? "WriteObjects" : "ReadObjects", Effect: "Allow", Action: objectActions, Resource: sorted.map((p) => pulumi.interpolate`${this.bucketArn}/${p}*`) },
                ...bucketStatements,
            ];
            if (this.key !== undefined) {
                // SSE-KMS: S3 calls KMS as the caller. kms:ViaService keeps the key usable only through S3 here.
                // https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service
                statements.push({
                    Sid: "UseBucketKeyThroughS3",
                    Effect: "Allow",
                    Action: kmsActions,
                    Resource: this.key,
                    Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`s3.${this.region}.amazonaws.com` } },
                });
            }
            return new aws.iam.RolePolicy(
                `${grantee.name}-archive-${kind}`,
                { role: grantee.role.name, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
                // The write grant was `<client>-archive-access` when the service wrote its own S3 statements.
                { parent: grantee.parent ?? this, aliases: kind === "write" ? [{ name: `${grantee.name}-archive-access` }] : [] },
            );
        });
    }
}
