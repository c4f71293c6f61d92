/** Every rule of the pack, mandatory ones first. */
import { Policies } from "@pulumi/policy";

import { requireHttpsTls12Distributions } from "./cloudfront/distributionHttpsTls12";
import { requireOacOnlyOrigins } from "./cloudfront/originBucketOacOnly";
import { requireReadableServedPaths } from "./cloudfront/originServedPathsReadable";
import { requireNfsOnlyEfsSecurityGroups } from "./ec2/securityGroupEfsNfsOnly";
import { requireFargatePlatformVersion } from "./ecs/serviceFargatePlatformVersion";
import { requireEfsIamAndAccessPoint } from "./ecs/taskDefinitionEfsIamAccessPoint";
import { requireEfsTransitEncryption } from "./ecs/taskDefinitionEfsTransitEncryption";
import { requireAccessPointSubdirectory } from "./efs/accessPointRootDirectory";
import { requireFileSystemAlarm } from "./efs/fileSystemAlarmed";
import { requireFileSystemTlsOnly } from "./efs/fileSystemDenyInsecureTransport";
import { requireEfsEncryptionAtRest } from "./efs/fileSystemEncryptedAtRest";
import { forbidBroadTaskRoleGrants } from "./iam/roleTaskLeastPrivilege";
import { requireBucketTlsOnly } from "./s3/bucketDenyInsecureTransport";
import { requireGlacierLifecycle } from "./s3/bucketLifecycleGlacier";
import { requireBucketPublicAccessBlock } from "./s3/bucketPublicAccessBlock";
import { requireBucketVersioning } from "./s3/bucketVersioningEnabled";
import { requireAlarmTopicKeyForCloudWatch } from "./sns/topicAlarmKeyAdmitsCloudWatch";

export const policies: Policies = [
    // Mandatory
    requireEfsTransitEncryption,
    requireNfsOnlyEfsSecurityGroups,
    requireBucketVersioning,
    requireOacOnlyOrigins,
    requireAlarmTopicKeyForCloudWatch,
    requireReadableServedPaths,
    // Advisory by default; each can be raised to mandatory through the policy-pack config.
    requireEfsEncryptionAtRest,
    requireEfsIamAndAccessPoint,
    requireFargatePlatformVersion,
    requireBucketPublicAccessBlock,
    requireGlacierLifecycle,
    requireBucketTlsOnly,
    requireFileSystemTlsOnly,
    requireAccessPointSubdirectory,
    forbidBroadTaskRoleGrants,
    requireHttpsTls12Distributions,
    requireFileSystemAlarm,
];
