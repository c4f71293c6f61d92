/**
 * The composition root: the stack config, then the four components wired together, then what an operator needs.
 * No raw AWS resources here; each lives in the component that owns it.
 */
import { ArchiveBucket, FargateService, Network, SharedFileSystem } from "./components";
import { readStackConfig } from "./config";

export = async () => {
    const config = await readStackConfig();

    const network = new Network("network", {
        cidrBlock: config.vpcCidr,
        availabilityZoneNames: config.availabilityZones,
        natGateways: config.natGateways,
    });

    const fileSystem = new SharedFileSystem("shared", {
        vpcId: network.vpcId,
        subnets: network.privateSubnets,
        accessPoints: {
            app: {
                path: config.efs.accessPointPath,
                uid: config.efs.posixUid,
                gid: config.efs.posixGid,
                permissions: config.efs.accessPointPermissions,
            },
        },
        kmsKeyArn: config.efs.kmsKeyArn,
        performanceMode: config.efs.performanceMode,
        throughputMode: config.efs.throughputMode,
        provisionedThroughputMibps: config.efs.provisionedThroughputMibps,
        transitionToIaDays: config.efs.transitionToIaDays,
        backup: config.backupEnabled,
        retainOnDelete: config.retainOnDelete,
    });

    const archive = new ArchiveBucket("archive", {
        lifecycle: config.archive.lifecycle,
        kmsKeyArn: config.archive.kmsKeyArn,
        retainOnDelete: config.retainOnDelete,
    });

    const app = new FargateService("app", {
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        fileSystem,
        accessPoint: "app",
        bucket: archive,
        archivePrefix: config.archive.prefix,
        image: config.service.image,
        cpu: config.service.cpu,
        memory: config.service.memory,
        desiredCount: config.service.desiredCount,
        minCount: config.service.minCount,
        maxCount: config.service.maxCount,
        cpuTargetPercent: config.service.cpuTargetPercent,
        containerPort: config.service.containerPort,
        logRetentionDays: config.service.logRetentionDays,
        certificateArn: config.service.certificateArn,
        allowPlainHttp: config.service.allowPlainHttp,
        deletionProtection: config.deletionProtection,
        drainSchedule: config.service.drainSchedule,
        environment: {
            MAX_UPLOAD_BYTES: String(config.service.maxUploadBytes),
            BACKLOG_MAX_BYTES: String(config.service.backlogLimitBytes),
        },
    });

    return {
        serviceUrl: app.url,
        bucketName: archive.bucketName,
        fileSystemId: fileSystem.fileSystemId,
        accessPointId: fileSystem.accessPointIds.app,
        clusterName: app.clusterName,
        serviceName: app.serviceName,
        logGroupName: app.logGroupName,
        vpcId: network.vpcId,
    };
};
