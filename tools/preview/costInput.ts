/**
 * What the cost estimate prices for a planned stack: the usage assumptions and settings from its config,
 * and the load balancers the program actually registered. NAT gateways come from the config because the
 * VPC is an awsx component whose children a mocked run does not see. Settings the stack leaves out are
 * priced at the components' own defaults, asked of their defaults functions: the figures the program builds.
 */
import { APP_METRICS } from "../../app/src/contract";
import { execDefaults, fileSystemDefaults, networkDefaults, serviceDefaults, spotTaskCount, workerDefaults } from "../../components";
import type { StackConfig } from "../../config";
import type { RecordedResource } from "../analyzer/client";
import { CostInput } from "../cost/model";

const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";
const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** The alarms' metrics as CloudWatch bills them: one per metric read, by the resolution of the alarm's period. */
function monitoringOf(config: StackConfig, resources: readonly CostedResource[]): CostInput["monitoring"] {
    let alarmMetrics = 0;
    let highResolutionAlarmMetrics = 0;
    for (const alarm of resources.filter((r) => r.type === METRIC_ALARM)) {
        const queries = (alarm.inputs.metricQueries ?? []) as { metric?: { period?: number } }[];
        const periods = alarm.inputs.metricName !== undefined ? [alarm.inputs.period as number] : queries.filter((q) => q.metric).map((q) => q.metric!.period ?? 60);
        for (const period of periods) {
            if (period < 60) highResolutionAlarmMetrics++;
            else alarmMetrics++;
        }
    }
    const services = config.worker.enabled ? 2 : 1;
    return {
        alarmMetrics,
        highResolutionAlarmMetrics,
        dashboards: resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard").length,
        customMetrics: Object.keys(APP_METRICS).length * services,
        snsTopics: resources.filter((r) => r.type === "aws:sns/topic:Topic").length,
        // The stack's keys that encrypt a topic (its kmsMasterKeyId comes from them), not the log groups' or a key passed by ARN.
        topicKeys: resources.filter(
            (k) => k.type === "aws:kms/key:Key" && resources.some((t) => t.type === "aws:sns/topic:Topic" && (t.propertyDependencies?.kmsMasterKeyId ?? []).includes(k.urn ?? "")),
        ).length,
    };
}

/** What the estimate reads of a recorded resource: its type and inputs, and (to tell keys apart) its URN and property dependencies. */
type CostedResource = Pick<RecordedResource, "type" | "inputs"> & Partial<Pick<RecordedResource, "urn" | "propertyDependencies">>;

export function costInputFromStack(config: StackConfig, resources: readonly CostedResource[]): CostInput {
    const loadBalancers = resources.filter(
        (r) => r.type === LOAD_BALANCER && (r.inputs.loadBalancerType === undefined || r.inputs.loadBalancerType === "application"),
    ).length;
    const efs = fileSystemDefaults(config.fileSystem);
    const service = serviceDefaults(config.service);
    const worker = config.worker.enabled ? workerDefaults({ ...config.worker, capacityProviderStrategy: config.placement.worker, cpuArchitecture: config.placement.cpuArchitecture }) : undefined;
    const exec = execDefaults(config.placement.exec);
    return {
        usage: config.usage,
        efs: {
            throughputMode: efs.throughputMode,
            ...(config.fileSystem.provisionedThroughputMibps === undefined ? {} : { provisionedThroughputMibps: config.fileSystem.provisionedThroughputMibps }),
            backupEnabled: efs.backup,
            archive: efs.transitionToArchiveDays !== undefined,
            ...(efs.replication ? { replicaRegion: efs.replication.region } : {}),
        },
        service: {
            cpu: service.cpu,
            memoryMib: service.memory,
            taskCount: service.desiredCount,
            maxTaskCount: service.maxCount,
            architecture: service.cpuArchitecture,
            spotTaskCount: spotTaskCount(service.capacityProviderStrategy, service.desiredCount),
            spotTaskCountAtMax: spotTaskCount(service.capacityProviderStrategy, service.maxCount),
        },
        ...(worker
            ? {
                  worker: {
                      cpu: worker.cpu,
                      memoryMib: worker.memory,
                      taskCount: worker.desiredCount,
                      maxTaskCount: worker.maxCount,
                      architecture: worker.cpuArchitecture,
                      spotTaskCount: spotTaskCount(worker.capacityProviderStrategy, worker.desiredCount),
                      spotTaskCountAtMax: spotTaskCount(worker.capacityProviderStrategy, worker.maxCount),
                  },
              }
            : {}),
        kmsKeys: exec.enabled && exec.logging === "cloudwatch" ? 1 : 0,
        // issue 20: the web service's log-group key, which the worker shares (components/logEncryption.ts).
        logGroupKeys: 1,
        loadBalancerAccessLogs: resources.some((r) => r.type === LOAD_BALANCER && (r.inputs.accessLogs as { enabled?: unknown } | undefined)?.enabled === true),
        natGatewayCount: networkDefaults(config.network).natGateways === "OnePerAz" ? config.azCount : 1,
        loadBalancerCount: loadBalancers,
        azCount: config.azCount,
        cdn: config.cdn.enabled,
        logAnalytics: config.logAnalytics.enabled,
        monitoring: monitoringOf(config, resources),
        // issue 19: both queues are long-polled by every web and worker task.
        ...(resources.some((r) => r.type === "aws:sqs/queue:Queue") ? { queue: { consumerTasks: service.desiredCount + (worker?.desiredCount ?? 0) } } : {}),
    };
}
