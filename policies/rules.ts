/** Every rule of the pack, mandatory ones first. */
import { Policies } from "@pulumi/policy";

import { requireHttpsTls12Distributions } from "./cloudfront/distributionHttpsTls12";
import { requireOacOnlyOrigins } from "./cloudfront/originBucketOacOnly";
import { requireNfsOnlyEfsSecurityGroups } from "./ec2/securityGroupEfsNfsOnly";
import { requireFargatePlatformVersion } from "./ecs/serviceFargatePlatformVersion";
import { requireEfsIamAndAccessPoint } from "./ecs/taskDefinitionEfsIamAccessPoint";
import { requireEfsTransitEncryption } from "./ecs/taskDefinitionEfsTransitEncryption";
import { requireExecSessionLogging } from "./ecs/serviceExecSessionLogging";
import { requireAccessPointSubdirectory } from "./efs/accessPointRootDirectory";
import { requireFileSystemAlarm } from "./efs/fileSystemAlarmed";
import { requireFileSystemTlsOnly } from "./efs/fileSystemDenyInsecureTransport";
import { requireReplicaOrBackup } from "./efs/fileSystemReplicaOrBackup";
import { requireEfsEncryptionAtRest } from "./efs/fileSystemEncryptedAtRest";
import { forbidBroadTaskRoleGrants } from "./iam/roleTaskLeastPrivilege";
import { requireBucketTlsOnly } from "./s3/bucketDenyInsecureTransport";
import { requireGlacierLifecycle } from "./s3/bucketLifecycleGlacier";
import { requireBucketPublicAccessBlock } from "./s3/bucketPublicAccessBlock";
import { requireBucketVersioning } from "./s3/bucketVersioningEnabled";

export const policies: Policies = [
    // Mandatory
    requireEfsTransitEncryption,
    requireNfsOnlyEfsSecurityGroups,
    requireBucketVersioning,
    requireOacOnlyOrigins,
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
    // Issue 22: operability advisories.
    requireExecSessionLogging,
    requireReplicaOrBackup,
];
