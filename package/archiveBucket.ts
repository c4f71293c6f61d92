/**
 * The archive bucket as a building block of the package (`fargate-efs-s3:index:ArchiveBucket`). The component's
 * consumers get access through `grantRead`/`grantWrite` with their role objects; here a grant names the role
 * (`readers[].roleName`, `writers[].roleName`), which crosses every Pulumi language. It builds
 * `components/archiveBucket.ts`'s ArchiveBucket as its one child, named like it, and makes each grant on it.
 */
import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket as ArchiveBucketComponent } from "../components/archiveBucket";
import { throwIfProblems, type Problem } from "../components/validation";
import { parseLifecycle } from "../config/sections";
import type { ArchitectureLifecycle } from "./architecture";
import { roleHandles } from "./grantees";

/** A role allowed to write new objects under some prefixes (never to delete one). */
export interface BucketWriter {
    /** The client's name, unique per role: its grant is named `<name>-archive-write`. */
    readonly name: string;
    /** The IAM role (its name) that gets an identity policy allowing PutObject and AbortMultipartUpload (and the bucket's KMS key through S3). */
    readonly roleName: pulumi.Input<string>;
    /** Relative key prefixes ending with /, like uploads/. */
    readonly prefixes: string[];
}

/** A role allowed to read objects under some prefixes. */
export interface BucketReader {
    /** The client's name, unique per role: its grant is named `<name>-archive-read`. */
    readonly name: string;
    /** The IAM role (its name) that gets an identity policy allowing GetObject under the prefixes and ListBucket (a missing key reads 404, not 403). */
    readonly roleName: pulumi.Input<string>;
    /** Relative key prefixes ending with /, like uploads/. */
    readonly prefixes: string[];
    /** Also GetObjectVersion (a request that names a version id). Defaults to false. */
    readonly versions?: boolean;
}

export interface ArchiveBucketArgs {
    /** What happens to objects over time, checked as S3 checks it. Defaults to GLACIER after 90 days, noncurrent versions to GLACIER after 30 and expired after 365. */
    readonly lifecycle?: ArchitectureLifecycle;
    /** KMS key ARN (not an alias) for SSE-KMS with a bucket key; the grants include it. Defaults to SSE-S3. */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Keep the bucket and its objects when destroyed (and refuse to delete a non-empty one). Defaults to true. */
    readonly retainOnDelete?: boolean;
    /** Prefixes whose objects (and old versions) expire this many days after creation, e.g. athena-results/: 7 for LogAnalytics. Defaults to none. */
    readonly expiringPrefixes?: { [prefix: string]: number };
    /** Roles allowed to write under some prefixes. Defaults to none. */
    readonly writers?: BucketWriter[];
    /** Roles allowed to read under some prefixes. Defaults to none. */
    readonly readers?: BucketReader[];
}

/**
 * The S3 bucket that data lives in for good: versioned, encrypted, never public, TLS only (its policy only denies),
 * owner-enforced, with a lifecycle that S3 accepts; access only through identity policies on the granted roles.
 */
export class ArchiveBucket extends pulumi.ComponentResource {
    /** The bucket's (generated) name. */
    public readonly bucketName: pulumi.Output<string>;
    /** The bucket's ARN. */
    public readonly bucketArn: pulumi.Output<string>;
    /** The bucket's regional domain name. */
    public readonly bucketRegionalDomainName: pulumi.Output<string>;

    constructor(name: string, args: ArchiveBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:ArchiveBucket", name, {}, opts);
        args = args ?? {};
        const problems: Problem[] = [];
        const lifecycle =
            args.lifecycle === undefined
                ? undefined
                : parseLifecycle(args.lifecycle as unknown as Record<string, unknown>, problems);
        throwIfProblems(`ArchiveBucket "${name}"`, problems.map((p) => ({ ...p, property: p.property.replace(/^archiveLifecycle\b/, "lifecycle") })));
        const bucket = new ArchiveBucketComponent(
            name,
            { lifecycle, kmsKeyArn: args.kmsKeyArn, retainOnDelete: args.retainOnDelete, expiringPrefixes: args.expiringPrefixes },
            { parent: this },
        );
        const role = roleHandles();
        for (const writer of args.writers ?? []) {
            bucket.grantWrite({ name: writer.name, role: role(writer) }, writer.prefixes ?? []);
        }
        for (const reader of args.readers ?? []) {
            bucket.grantRead({ name: reader.name, role: role(reader) }, reader.prefixes ?? [], { versions: reader.versions ?? false });
        }
        this.bucketName = bucket.bucketName;
        this.bucketArn = bucket.bucketArn;
        this.bucketRegionalDomainName = bucket.bucketRegionalDomainName;
        this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn, bucketRegionalDomainName: this.bucketRegionalDomainName });
    }
}
