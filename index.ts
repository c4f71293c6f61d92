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
    WorkQueue,
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

    // One message per item durable on EFS; the web, worker and drain roles are the only ones granted it.
    const maxUploadBytes = config.service.environment?.MAX_UPLOAD_BYTES;
    const queue = new WorkQueue("work", { ...config.workQueue, maxUploadBytes: maxUploadBytes === undefined ? undefined : Number(maxUploadBytes) });

    const app = new FargateService("app", {
        ...config.service,
        environment: { ...config.service.environment, ...cdnEnvironment },
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        fileSystem,
        accessPoint: "app",
        bucket: archive,
        queue,
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
              queue,
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
        queue: { queueName: queue.queueName, deadLetterQueueName: queue.deadLetterQueueName },
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
        queueUrl: queue.queueUrl,
        deadLetterQueueUrl: queue.deadLetterQueueUrl,
    };
};
