import * as pulumi from "@pulumi/pulumi";
import { denyInsecureTransport } from "./policyStatements";

/** The actions of NFS clients, as file-system and identity policies name them. */
const CLIENT_ACTIONS = ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"];

/**
 * The file-system policy: deny without TLS, and deny any NFS client action that does not come through an access
 * point (`elasticfilesystem:AccessPointArn` is absent exactly then, which the `Null` operator tests), so that no
 * client ever sees the file system's root or other access points' directories. Both are safe to state for every
 * principal: they can only narrow, and management APIs and AWS Backup are not NFS client actions.
 * https://docs.aws.amazon.com/efs/latest/ug/access-points-iam-policy.html
 */
export function fileSystemPolicy(fileSystemArn: pulumi.Input<string>) {
    return {
        Version: "2012-10-17",
        Statement: [
            denyInsecureTransport("*", fileSystemArn),
            {
                Sid: "DenyMountsBypassingAccessPoints",
                Effect: "Deny",
                Principal: "*",
                Action: CLIENT_ACTIONS,
                Resource: fileSystemArn,
                Condition: { Null: { "elasticfilesystem:AccessPointArn": "true" } },
            },
        ],
    };
}

/**
 * The identity policy of a client: mount (and write, unless read-only) only through one access point and a mount
 * target. ArnEquals, the operator IAM documents for ARN-valued keys. Never ClientRootAccess.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
 */
export function mountThroughAccessPoint(fileSystemArn: pulumi.Input<string>, accessPointArn: pulumi.Input<string>, readOnly: boolean) {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "MountThroughAccessPoint",
                Effect: "Allow",
                Action: CLIENT_ACTIONS.slice(0, readOnly ? 1 : 2),
                Resource: fileSystemArn,
                Condition: {
                    ArnEquals: { "elasticfilesystem:AccessPointArn": accessPointArn },
                    Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
                },
            },
        ],
    };
}
