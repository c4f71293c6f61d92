/**
 * The composition root: the stack config, then the components wired together, then what an operator needs.
 * No raw AWS resources here; each lives in the component that owns it. Settings the stack leaves out are passed as
 * undefined, so each component's own defaults apply.
 */
import { DEFAULT_BACKLOG_MAX_BYTES } from "./app/src/metricNames";
import { ArchiveBucket, FargateService, fileSystemDefaults, Monitoring, Network, serviceDefaults, SharedFileSystem, WorkerService } from "./components";
import { readStackConfig } from "./config";

export = async () => {
    const config = await readStackConfig();

    const network = new Network("network", { ...config.network, availabilityZoneNames: config.availabilityZones });

    const fileSystem = new SharedFileSystem("shared", {
        ...config.fileSystem,
        vpcId: network.vpcId,
        subnets: network.privateSubnets,
        accessPoints: { app: config.accessPoint },
    });

    const archive = new ArchiveBucket("archive", config.archive);

    const app = new FargateService("app", {
        ...config.service,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        fileSystem,
        accessPoint: "app",
        bucket: archive,
        backlogFilesPerTask: config.monitoring.backlogFilesPerTask,
    });

    // The article's background worker: the same image, archiving only, on the same access point, with its own role.
    const { enabled, ...workerSizing } = config.worker;
    const worker = enabled
        ? new WorkerService("worker", {
              ...workerSizing,
              vpcId: network.vpcId,
              subnetIds: network.privateSubnetIds,
              clusterArn: app.clusterArn,
              clusterName: app.clusterName,
              image: app.image,
              fileSystem,
              accessPoint: "app",
              bucket: archive,
              archivePrefix: serviceDefaults(config.service).archivePrefix,
              backlogFilesPerTask: config.monitoring.backlogFilesPerTask,
          })
        : undefined;

    // Alarms on what the stack runs, one topic for them all, one dashboard: README "Operating it".
    const efsModes = fileSystemDefaults(config.fileSystem);
    const monitoring = new Monitoring("ops", {
        ...config.monitoring,
        fileSystemId: fileSystem.fileSystemId,
        throughputMode: efsModes.throughputMode,
        performanceMode: efsModes.performanceMode,
        loadBalancerArnSuffix: app.loadBalancerArnSuffix,
        targetGroupArnSuffix: app.targetGroupArnSuffix,
        services: [
            { role: "app", clusterName: app.clusterName, serviceName: app.serviceName, metricsServiceName: app.metricsServiceName },
            ...(worker ? [{ role: "worker", clusterName: app.clusterName, serviceName: worker.serviceName, metricsServiceName: worker.metricsServiceName }] : []),
        ],
        backlogLimitBytes: Number(config.service.environment?.BACKLOG_MAX_BYTES ?? DEFAULT_BACKLOG_MAX_BYTES),
        region: config.region,
    });

    return {
        serviceUrl: app.url,
        bucketName: archive.bucketName,
        fileSystemId: fileSystem.fileSystemId,
        accessPointId: fileSystem.accessPointIds.app,
        clusterName: app.clusterName,
        serviceName: app.serviceName,
        logGroupName: app.logGroupName,
        ...(worker ? { workerServiceName: worker.serviceName } : {}),
        vpcId: network.vpcId,
        alarmTopicArn: monitoring.topicArn,
        dashboardName: monitoring.dashboardName,
    };
};
