/**
 * The composition root: the stack config, then the components wired together, then what an operator needs.
 * No raw AWS resources here; each lives in the component that owns it. Settings the stack leaves out are passed as
 * undefined, so each component's own defaults apply.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BACKLOG_MAX_BYTES } from "./app/src/metricNames";
import {
    ArchiveBucket,
    ATHENA_RESULTS_EXPIRATION_DAYS,
    ATHENA_RESULTS_PREFIX,
    ContentDelivery,
    DEFAULT_SERVED_PREFIXES,
    FargateService,
    fileSystemDefaults,
    LogAnalytics,
    Monitoring,
    Network,
    serviceDefaults,
    SharedFileSystem,
    WorkerService,
    workerDefaults,
} from "./components";
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

    const { enabled: analyticsOn, ...analytics } = config.logAnalytics;
    const archive = new ArchiveBucket("archive", {
        ...config.archive,
        ...(analyticsOn ? { expiringPrefixes: { [ATHENA_RESULTS_PREFIX]: ATHENA_RESULTS_EXPIRATION_DAYS } } : {}),
    });
    // Athena over the archived logs: registers them, grants nobody anything.
    const logAnalytics = analyticsOn ? new LogAnalytics("logs", { ...analytics, bucket: archive }) : undefined;

    // CloudFront for the processed content; the app hands out its URLs for the served patterns.
    const { enabled: cdnOn, ...delivery } = config.cdn;
    const cdn = cdnOn ? new ContentDelivery("cdn", { ...delivery, bucket: archive }) : undefined;
    const cdnEnvironment: Record<string, pulumi.Input<string>> = cdn ? { CDN_BASE_URL: cdn.baseUrl, CDN_SERVED_PREFIXES: (delivery.servedPrefixes ?? DEFAULT_SERVED_PREFIXES).join(",") } : {};

    // The worker runs X86_64 when it is on Fargate Spot (the default): the image is built for its architecture too.
    const { enabled, ...workerSizing } = config.worker;
    const workerArchitecture = workerDefaults({ ...workerSizing, capacityProviderStrategy: config.placement.worker, cpuArchitecture: config.placement.cpuArchitecture }).cpuArchitecture;

    const app = new FargateService("app", {
        ...config.service,
        extraImageArchitectures: enabled ? [workerArchitecture] : [],
        environment: { ...config.service.environment, ...cdnEnvironment },
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        fileSystem,
        accessPoint: "app",
        bucket: archive,
        backlogFilesPerTask: config.monitoring.backlogFilesPerTask,
    });

    // The article's background worker: the same image, archiving only, on the same access point, with its own role.
    const worker = enabled
        ? new WorkerService("worker", {
              ...workerSizing,
              vpcId: network.vpcId,
              subnetIds: network.privateSubnetIds,
              clusterArn: app.clusterArn,
              clusterName: app.clusterName,
              clusterCapacity: app.clusterCapacity,
              image: app.images[workerArchitecture]!,
              capacityProviderStrategy: config.placement.worker,
              cpuArchitecture: config.placement.cpuArchitecture,
              execSessionLog: app.execSessionLog,
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
        ...(cdn ? { cdnBaseUrl: cdn.baseUrl } : {}),
        ...(logAnalytics ? { athenaWorkgroup: logAnalytics.workgroupName, athenaDatabase: logAnalytics.databaseName } : {}),
        vpcId: network.vpcId,
        alarmTopicArn: monitoring.topicArn,
        dashboardName: monitoring.dashboardName,
    };
};
