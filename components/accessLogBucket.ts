import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "./policyStatements";

/**
 * The Elastic Load Balancing account that delivers access logs in each Region that opened before August 2022; a Region
 * not listed here (opened since) is served by the log-delivery service principal instead.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html, "Step 2: Attach a
 * policy to your S3 bucket": for Regions available as of August 2022 or later the policy grants `s3:PutObject` to the
 * service principal `logdelivery.elasticloadbalancing.amazonaws.com`; for Regions available before August 2022 it
 * grants it to the Elastic Load Balancing account of the Region (`arn:aws:iam::<elb-account-id>:root`, the table
 * there). The Pulumi AWS provider's `aws.elb.getServiceAccount` documents the same split ("For AWS Regions opened
 * since Jakarta (ap-southeast-3) in December 2021, AWS documents that a service principal name should be used").
 */
export const ELB_LOG_DELIVERY_ACCOUNTS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
};

export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/** The principal that writes a Region's ALB access logs (see {@link ELB_LOG_DELIVERY_ACCOUNTS}). */
export function elbLogDeliveryPrincipal(partition: string, region: string): { AWS: string } | { Service: string } {
    const account = ELB_LOG_DELIVERY_ACCOUNTS[region];
    return account === undefined ? { Service: ELB_LOG_DELIVERY_SERVICE } : { AWS: `arn:${partition}:iam::${account}:root` };
}

/** Access log objects move to S3 Glacier Flexible Retrieval after this many days (s3-bucket-lifecycle-glacier, CT.S3.PR.6)... */
export const ACCESS_LOG_GLACIER_DAYS = 90;
/** ...and expire after this many (a year, as CT.CLOUDWATCH.PR.2 asks of the log groups). */
export const ACCESS_LOG_EXPIRATION_DAYS = 365;

export interface AccessLogBucket {
    readonly bucketName: pulumi.Output<string>;
    /** The bucket policy that lets Elastic Load Balancing write: the load balancer must wait for it. */
    readonly policy: aws.s3.BucketPolicy;
}

/**
 * A bucket of the load balancer's own for its access logs (CT.ELASTICLOADBALANCING.PR.6/PR.10, ELB.5), not a prefix of
 * the archive: ALB log delivery supports SSE-S3 only ("The only server-side encryption option that's supported is
 * Amazon S3-managed keys (SSE-S3)", enable-access-logging.html above), and the archive may use SSE-KMS
 * (`archiveKmsKeyArn`); the archive's lifecycle and CDN paths are the app's data, not logs; and the bucket policy's one
 * Allow stays away from the bucket that holds the data.
 *
 * Like the archive: versioning, SSE-S3, all public access blocked, ACLs disabled (BucketOwnerEnforced: S3 still
 * accepts writes that carry the `bucket-owner-full-control` ACL, https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html),
 * a TLS-only policy, and a lifecycle (Glacier after {@link ACCESS_LOG_GLACIER_DAYS} days, expiry after
 * {@link ACCESS_LOG_EXPIRATION_DAYS}; S3 by default does not transition objects under 128 KB, so most 5-minute log
 * files simply expire: https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html).
 *
 * The policy's Allow is the documented exception to "resource policies only deny" (docs/controls.md, ELB): a delivery
 * service cannot assume a role of ours, so the bucket must admit it. It admits only `s3:PutObject` under
 * `AWSLogs/<this account>/`, the key prefix ELB writes for this account. No `aws:SourceAccount`/`aws:SourceArn`
 * condition: the ELB guide documents none for this delivery, and a condition on a key the service does not send
 * would deny every delivery.
 */
export function createAccessLogBucket(name: string, args: { retainOnDelete: boolean }, parent: pulumi.Resource): AccessLogBucket {
    const { retainOnDelete } = args;
    const bucket = new aws.s3.Bucket(`${name}-access-logs`, { forceDestroy: !retainOnDelete }, { parent, retainOnDelete });
    const versioning = new aws.s3.BucketVersioning(`${name}-access-logs-versioning`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, { parent });
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-access-logs-encryption`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
        { parent },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-access-logs-public-access-block`,
        { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        { parent },
    );
    new aws.s3.BucketOwnershipControls(`${name}-access-logs-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent });
    new aws.s3.BucketLifecycleConfiguration(
        `${name}-access-logs-lifecycle`,
        {
            bucket: bucket.id,
            rules: [
                {
                    id: "access-logs",
                    status: "Enabled",
                    filter: {},
                    transitions: [{ days: ACCESS_LOG_GLACIER_DAYS, storageClass: "GLACIER" }],
                    expiration: { days: ACCESS_LOG_EXPIRATION_DAYS },
                    noncurrentVersionExpiration: { noncurrentDays: 1 },
                },
            ],
        },
        { parent, dependsOn: [versioning] },
    );

    const account = aws.getCallerIdentityOutput({}, { parent }).accountId;
    const region = aws.getRegionOutput({}, { parent }).region;
    // The bucket's ARN names the partition (arn:<partition>:s3:::…).
    const principal = pulumi.all([bucket.arn, region]).apply(([arn, r]) => elbLogDeliveryPrincipal(arn.split(":")[1], r));
    const policy = new aws.s3.BucketPolicy(
        `${name}-access-logs-policy`,
        {
            bucket: bucket.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [
                    denyInsecureTransport("s3:*", [bucket.arn, pulumi.interpolate`${bucket.arn}/*`]),
                    { Sid: "ElasticLoadBalancingDelivers", Effect: "Allow", Principal: principal, Action: "s3:PutObject", Resource: pulumi.interpolate`${bucket.arn}/AWSLogs/${account}/*` },
                ],
            }),
        },
        // S3 rejects a bucket policy while a just-created public access block is still settling in.
        { parent, dependsOn: [publicAccessBlock] },
    );
    return { bucketName: bucket.bucket, policy };
}
