// The CDK peer of `npm run plan -- --stack dev` (bench/plan.bench.ts): the same architecture as Pulumi.dev.yaml
// in plain, precompiled JavaScript — a VPC over 2 AZs with one NAT gateway, an encrypted EFS file system with an
// access point, a versioned S3 bucket with a Glacier lifecycle, and an ApplicationLoadBalancedFargateService that
// mounts the file system through the access point with TLS and IAM. Environment-agnostic, so that synthesis
// needs no AWS account and no context lookups.
"use strict";
const cdk = require("aws-cdk-lib");
const ec2 = require("aws-cdk-lib/aws-ec2");
const ecs = require("aws-cdk-lib/aws-ecs");
const ecsPatterns = require("aws-cdk-lib/aws-ecs-patterns");
const efs = require("aws-cdk-lib/aws-efs");
const s3 = require("aws-cdk-lib/aws-s3");

const app = new cdk.App();
const stack = new cdk.Stack(app, "FargateEfsS3Dev");

const vpc = new ec2.Vpc(stack, "Network", { maxAzs: 2, natGateways: 1 });

const fileSystem = new efs.FileSystem(stack, "SharedFileSystem", {
    vpc,
    encrypted: true,
    throughputMode: efs.ThroughputMode.ELASTIC,
    lifecyclePolicy: efs.LifecyclePolicy.AFTER_30_DAYS,
    enableAutomaticBackups: true,
    removalPolicy: cdk.RemovalPolicy.DESTROY,
});
const accessPoint = fileSystem.addAccessPoint("AppAccessPoint", {
    path: "/app",
    createAcl: { ownerUid: "1000", ownerGid: "1000", permissions: "750" },
    posixUser: { uid: "1000", gid: "1000" },
});

const bucket = new s3.Bucket(stack, "ArchiveBucket", {
    versioned: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    removalPolicy: cdk.RemovalPolicy.DESTROY,
    lifecycleRules: [
        {
            transitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: cdk.Duration.days(90) }],
            noncurrentVersionTransitions: [{ storageClass: s3.StorageClass.GLACIER, transitionAfter: cdk.Duration.days(30) }],
            noncurrentVersionExpiration: cdk.Duration.days(365),
            abortIncompleteMultipartUploadAfter: cdk.Duration.days(7),
        },
    ],
});

const cluster = new ecs.Cluster(stack, "Cluster", { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
const service = new ecsPatterns.ApplicationLoadBalancedFargateService(stack, "Service", {
    cluster,
    cpu: 256,
    memoryLimitMiB: 512,
    desiredCount: 1,
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    platformVersion: ecs.FargatePlatformVersion.VERSION1_4,
    circuitBreaker: { rollback: true },
    publicLoadBalancer: true,
    taskImageOptions: {
        image: ecs.ContainerImage.fromRegistry("public.ecr.aws/docker/library/node:24-bookworm-slim"),
        containerPort: 8080,
        environment: { DATA_DIR: "/mnt/efs", BUCKET: bucket.bucketName, ARCHIVE_PREFIX: "uploads/" },
    },
});
service.targetGroup.configureHealthCheck({ path: "/healthz" });
service.taskDefinition.addVolume({
    name: "efs",
    efsVolumeConfiguration: {
        fileSystemId: fileSystem.fileSystemId,
        transitEncryption: "ENABLED",
        authorizationConfig: { accessPointId: accessPoint.accessPointId, iam: "ENABLED" },
    },
});
service.taskDefinition.defaultContainer.addMountPoints({ sourceVolume: "efs", containerPath: "/mnt/efs", readOnly: false });
fileSystem.connections.allowDefaultPortFrom(service.service);
fileSystem.grantReadWrite(service.taskDefinition.taskRole);
bucket.grantReadWrite(service.taskDefinition.taskRole, "uploads/*");
service.service.autoScaleTaskCount({ minCapacity: 1, maxCapacity: 2 }).scaleOnCpuUtilization("Cpu", { targetUtilizationPercent: 60 });

app.synth();
