/** Every rule of the pack, mandatory ones first. */
import { Policies } from "@pulumi/policy";

import { requireLogGroupKms } from "./cloudwatch/logGroupKmsEncrypted";
import { requireLogRetention } from "./cloudwatch/logGroupRetention";
import { requireAlarmActions } from "./cloudwatch/metricAlarmActions";
import { requireWebOnlyOpenIngress } from "./ec2/securityGroupOpenIngressWebOnly";
import { requireEcrLifecyclePolicy } from "./ecr/repositoryLifecyclePolicy";
import { requireScanOnPush } from "./ecr/repositoryScanOnPush";
import { requireTagImmutability } from "./ecr/repositoryTagImmutability";
import { requireContainerInsights } from "./ecs/clusterContainerInsights";
import { forbidServicePublicIp } from "./ecs/serviceNoPublicIp";
import { requireAwsvpcNetworkMode } from "./ecs/taskDefinitionAwsvpc";
import { requireContainerLogging } from "./ecs/taskDefinitionContainerLogging";
import { requireNonRootContainers } from "./ecs/taskDefinitionContainerNonRoot";
import { forbidPrivilegedContainers } from "./ecs/taskDefinitionContainerNonPrivileged";
import { requireReadonlyRootFilesystem } from "./ecs/taskDefinitionContainerReadonlyRoot";
import { requireMemoryLimit } from "./ecs/taskDefinitionMemoryLimit";
import { forbidHostPidMode } from "./ecs/taskDefinitionNoHostPid";
import { forbidSecretEnvironment } from "./ecs/taskDefinitionNoSecretEnvironment";
import { requireAccessPointPosixUser } from "./efs/accessPointPosixUser";
import { requireFileSystemBackup } from "./efs/fileSystemBackup";
import { requireHttpRedirect } from "./elb/listenerHttpRedirect";
import { requireListenerTlsPolicy } from "./elb/listenerHttpsTlsPolicy";
import { requireAccessLogs } from "./elb/loadBalancerAccessLogs";
import { requireDeletionProtection } from "./elb/loadBalancerDeletionProtection";
import { requireDesyncMitigation } from "./elb/loadBalancerDesyncMitigation";
import { requireDropInvalidHeaders } from "./elb/loadBalancerDropInvalidHeaders";
import { forbidWildcardActions } from "./iam/policyNoWildcardActions";
import { requireKeyRotation } from "./kms/keyRotation";
import { requireRsaKeyLength } from "./kms/keyRsaLength";
import { requireAclsDisabled } from "./s3/bucketAclsDisabled";
import { requireBucketEncryption } from "./s3/bucketServerSideEncryption";
import { requireOriginTls } from "./cloudfront/distributionOriginTls";
import { requireDistributionSni } from "./cloudfront/distributionSni";
import { requireDistributionWaf } from "./cloudfront/distributionWaf";
import { requireHttpsTls12Distributions } from "./cloudfront/distributionHttpsTls12";
import { requireOacOnlyOrigins } from "./cloudfront/originBucketOacOnly";
import { requireReadableServedPaths } from "./cloudfront/originServedPathsReadable";
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
import { requireQueueEncryptionRedriveAndTls } from "./sqs/queueEncryptedRedriveTlsOnly";
import { requireAlarmTopicKeyForCloudWatch } from "./sns/topicAlarmKeyAdmitsCloudWatch";

export const policies: Policies = [
    // Mandatory
    requireEfsTransitEncryption,
    requireNfsOnlyEfsSecurityGroups,
    requireBucketVersioning,
    requireOacOnlyOrigins,
    requireQueueEncryptionRedriveAndTls,
    requireAlarmTopicKeyForCloudWatch,
    requireReadableServedPaths,
    // Mandatory, from the AWS proactive controls (docs/controls.md)
    requireAwsvpcNetworkMode,
    forbidHostPidMode,
    forbidServicePublicIp,
    requireDropInvalidHeaders,
    requireDesyncMitigation,
    requireWebOnlyOpenIngress,
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
    // Advisory, from the AWS proactive controls (docs/controls.md)
    requireContainerInsights,
    requireNonRootContainers,
    requireReadonlyRootFilesystem,
    requireContainerLogging,
    forbidPrivilegedContainers,
    forbidSecretEnvironment,
    requireMemoryLimit,
    requireAccessPointPosixUser,
    requireFileSystemBackup,
    requireBucketEncryption,
    requireAclsDisabled,
    requireHttpRedirect,
    requireListenerTlsPolicy,
    requireDeletionProtection,
    requireAccessLogs,
    requireLogRetention,
    requireLogGroupKms,
    requireAlarmActions,
    requireKeyRotation,
    requireRsaKeyLength,
    requireScanOnPush,
    requireTagImmutability,
    requireEcrLifecyclePolicy,
    forbidWildcardActions,
    requireDistributionWaf,
    requireDistributionSni,
    requireOriginTls,
    // Issue 22: operability advisories.
    requireExecSessionLogging,
    requireReplicaOrBackup,
];
