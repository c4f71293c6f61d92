import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The customer managed key that encrypts the services' CloudWatch Logs groups (CT.CLOUDWATCH.PR.3). The web
 * service's FargateService owns it and hands it to the worker (`WorkerServiceArgs.logKeyArn`), so a stack has one key
 * for its service logs; a WorkerService built on its own makes its own.
 *
 * The key policy admits the CloudWatch Logs service principal of this region, and only for this account's log groups
 * in this region, by the encryption context CloudWatch Logs sends (the log group's ARN):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html ("CloudWatch Logs now supports
 * encryption context, using kms:EncryptionContext:aws:logs:arn as the key and the ARN of the log group as the value
 * for that key"; the key policy there allows `logs.<region>.amazonaws.com` kms:Encrypt*, Decrypt*, ReEncrypt*,
 * GenerateDataKey*, Describe* with an `ArnLike`/`ArnEquals` condition on that key). The condition names every log
 * group of the account and region rather than each group: a group's ARN is only known once it exists, and it needs
 * the key when it is created.
 *
 * The task execution role needs no KMS permission: the awslogs driver calls PutLogEvents, and CloudWatch Logs itself
 * encrypts with the key ("After you associate a customer managed key with a log group, all newly ingested data for the
 * log group is encrypted using this key. … CloudWatch Logs decrypts this data whenever it is requested. CloudWatch Logs
 * must have permissions for the customer managed key whenever encrypted data is requested." — same page). Whoever
 * reads the logs needs logs:GetLogEvents / StartQuery only, for the same reason.
 *
 * Rotation is on (CT.KMS.PR.1): yearly, and old key material stays usable for data it encrypted.
 * https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
 */
export function createLogGroupKey(name: string, parent: pulumi.Resource): aws.kms.Key {
    const identity = aws.getCallerIdentityOutput({}, { parent });
    // The caller's ARN names the partition (arn:<partition>:iam::…).
    const partition = identity.arn.apply((arn) => arn.split(":")[1]);
    const account = identity.accountId;
    const region = aws.getRegionOutput({}, { parent }).region;
    return new aws.kms.Key(
        `${name}-logs-key`,
        {
            description: `Encrypts the CloudWatch Logs groups of ${name}; CloudWatch Logs of this account and region may use it`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: logGroupKeyPolicy({ partition, account, region }),
        },
        // Deleted with the stack, as the log groups it encrypts are (AWS waits deletionWindowInDays before it is gone).
        { parent },
    );
}

/** The key policy: the account administers the key (IAM decides who else), CloudWatch Logs uses it for this account's log groups in this region. */
export function logGroupKeyPolicy(scope: { partition: pulumi.Input<string>; account: pulumi.Input<string>; region: pulumi.Input<string> }): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:${scope.partition}:iam::${scope.account}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchLogsEncrypts",
                Effect: "Allow",
                Principal: { Service: pulumi.interpolate`logs.${scope.region}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${scope.partition}:logs:${scope.region}:${scope.account}:log-group:*` } },
            },
        ],
    });
}
