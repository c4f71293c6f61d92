/**
 * The whole architecture from a parsed stack config: the network, the shared file system, the archive, the services,
 * monitoring, delivery and analytics, wired together through the owners' grants. `index.ts` calls it at the stack
 * level (no parent, bare child names: the URNs deployed stacks already have) and the package's `Architecture`
 * component calls it with `parent: this` and its own name as a prefix, so two of them can live in one stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BACKLOG_MAX_BYTES } from "../app/src/contract";
import type { StackConfig } from "../config";
import { ArchiveBucket } from "./archiveBucket";
import { ContentDelivery, DEFAULT_SERVED_PREFIXES } from "./contentDelivery";
import { FargateService } from "./fargateService";
import { serviceDefaults } from "./fargateServiceArgs";
import { fileSystemDefaults } from "./fileSystemArgs";
import { ATHENA_RESULTS_EXPIRATION_DAYS, ATHENA_RESULTS_PREFIX, LogAnalytics } from "./logAnalytics";
import { Monitoring } from "./monitoring";
import { Network } from "./network";
import { SharedFileSystem } from "./sharedFileSystem";
import { workerDefaults, WorkerService } from "./workerService";
import { WorkQueue } from "./workQueue";

/** Where the parts go: the stack itself (index.ts) or a component that owns them (the package's Architecture). */
export interface ArchitecturePlacement {
    /** Prefix of every part's name (`<prefix>-network`, …). Defaults to none: the stack's own names (`network`, …). */
    readonly namePrefix?: string;
    /** The component the parts belong to. Defaults to the stack. */
    readonly parent?: pulumi.Resource;
    /** Docker build context and Dockerfile for the app image when the config names no image. Defaults to the service's own (the working directory and app/Dockerfile). */
    readonly build?: { readonly context: string; readonly dockerfile: string };
}

/** The parts, for a caller that exports or wires more (undefined where the config turns a part off). */
export interface ArchitectureParts {
    readonly network: Network;
    readonly fileSystem: SharedFileSystem;
    readonly archive: ArchiveBucket;
    readonly logAnalytics?: LogAnalytics;
    readonly cdn?: ContentDelivery;
    readonly queue: WorkQueue;
    readonly app: FargateService;
    readonly worker?: WorkerService;
    readonly monitoring: Monitoring;
}

export function buildArchitecture(config: StackConfig, placement: ArchitecturePlacement = {}): ArchitectureParts {
    const named = (role: string) => (placement.namePrefix ? `${placement.namePrefix}-${role}` : role);
    const opts: pulumi.ComponentResourceOptions | undefined = placement.parent ? { parent: placement.parent } : undefined;

    const network = new Network(named("network"), { ...config.network, availabilityZoneNames: config.availabilityZones }, opts);

    const fileSystem = new SharedFileSystem(
        named("shared"),
        { ...config.fileSystem, vpcId: network.vpcId, subnets: network.privateSubnets, accessPoints: { app: config.accessPoint } },
        opts,
    );

    const { enabled: analyticsOn, ...analytics } = config.logAnalytics;
    const archive = new ArchiveBucket(
        named("archive"),
        { ...config.archive, ...(analyticsOn ? { expiringPrefixes: { [ATHENA_RESULTS_PREFIX]: ATHENA_RESULTS_EXPIRATION_DAYS } } : {}) },
        opts,
    );
    // Athena over the archived logs: registers them, grants nobody anything.
    const logAnalytics = analyticsOn ? new LogAnalytics(named("logs"), { ...analytics, bucket: archive }, opts) : undefined;

    // CloudFront for the processed content; the app hands out its URLs for the served patterns.
    const { enabled: cdnOn, ...delivery } = config.cdn;
    const cdn = cdnOn ? new ContentDelivery(named("cdn"), { ...delivery, bucket: archive }, opts) : undefined;
    const cdnEnvironment: Record<string, pulumi.Input<string>> = cdn
        ? { CDN_BASE_URL: cdn.baseUrl, CDN_SERVED_PREFIXES: (delivery.servedPrefixes ?? DEFAULT_SERVED_PREFIXES).join(",") }
        : {};

    // One message per item durable on EFS; the web, worker and drain roles are the only ones granted it.
    const maxUploadBytes = config.service.environment?.MAX_UPLOAD_BYTES;
    const queue = new WorkQueue(named("work"), { ...config.workQueue, maxUploadBytes: maxUploadBytes === undefined ? undefined : Number(maxUploadBytes) }, opts);

    // The worker runs the stack's architecture (on Spot too); the image is built for it, once per architecture.
    const { enabled: workerOn, ...workerSizing } = config.worker;
    const workerArchitecture = workerDefaults({ ...workerSizing, capacityProviderStrategy: config.placement.worker, cpuArchitecture: config.placement.cpuArchitecture }).cpuArchitecture;

    const app = new FargateService(
        named("app"),
        {
            ...config.service,
            extraImageArchitectures: workerOn ? [workerArchitecture] : [],
            ...(placement.build ? { build: placement.build } : {}),
            environment: { ...config.service.environment, ...cdnEnvironment },
            vpcId: network.vpcId,
            publicSubnetIds: network.publicSubnetIds,
            privateSubnetIds: network.privateSubnetIds,
            fileSystem,
            accessPoint: "app",
            bucket: archive,
            queue,
            backlogFilesPerTask: config.monitoring.backlogFilesPerTask,
        },
        opts,
    );

    // The article's background worker: the same image, archiving only, on the same access point, with its own role.
    const worker = workerOn
        ? new WorkerService(
              named("worker"),
              {
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
                  logKeyArn: app.logKeyArn,
                  fileSystem,
                  accessPoint: "app",
                  bucket: archive,
                  archivePrefix: serviceDefaults(config.service).archivePrefix,
                  queue,
                  backlogFilesPerTask: config.monitoring.backlogFilesPerTask,
              },
              opts,
          )
        : undefined;

    // Alarms on what the stack runs, one topic for them all, one dashboard: README "Operating it".
    const efsModes = fileSystemDefaults(config.fileSystem);
    const monitoring = new Monitoring(
        named("ops"),
        {
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
            // A dashboard name is unique per account and region: each Architecture in a stack gets its own.
            ...(placement.namePrefix ? { dashboardName: `${pulumi.getProject()}-${pulumi.getStack()}-${placement.namePrefix}` } : {}),
        },
        opts,
    );

    return { network, fileSystem, archive, logAnalytics, cdn, queue, app, worker, monitoring };
}

/** What an operator needs from a built architecture: the stack outputs (README "Using it on AWS"). */
export function architectureOutputs(parts: ArchitectureParts): Record<string, pulumi.Output<string>> {
    const { network, fileSystem, archive, logAnalytics, cdn, queue, app, worker, monitoring } = parts;
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
}
