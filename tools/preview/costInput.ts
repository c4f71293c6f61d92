/**
 * What the cost estimate prices for a planned stack: the usage assumptions and settings from its config,
 * and the load balancers the program actually registered. NAT gateways come from the config because the
 * VPC is an awsx component whose children a mocked run does not see. Settings the stack leaves out are
 * priced at the components' own defaults, asked of their defaults functions: the figures the program builds.
 */
import { fileSystemDefaults, networkDefaults, serviceDefaults, workerDefaults } from "../../components";
import type { StackConfig } from "../../config";
import type { RecordedResource } from "../analyzer/client";
import { CostInput } from "../cost/model";

const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";

export function costInputFromStack(config: StackConfig, resources: readonly Pick<RecordedResource, "type" | "inputs">[]): CostInput {
    const loadBalancers = resources.filter(
        (r) => r.type === LOAD_BALANCER && (r.inputs.loadBalancerType === undefined || r.inputs.loadBalancerType === "application"),
    ).length;
    const efs = fileSystemDefaults(config.fileSystem);
    const service = serviceDefaults(config.service);
    const worker = config.worker.enabled ? workerDefaults(config.worker) : undefined;
    return {
        usage: config.usage,
        efs: {
            throughputMode: efs.throughputMode,
            ...(config.fileSystem.provisionedThroughputMibps === undefined ? {} : { provisionedThroughputMibps: config.fileSystem.provisionedThroughputMibps }),
            backupEnabled: efs.backup,
        },
        service: { cpu: service.cpu, memoryMib: service.memory, taskCount: service.desiredCount, maxTaskCount: service.maxCount },
        ...(worker ? { worker: { cpu: worker.cpu, memoryMib: worker.memory, taskCount: worker.desiredCount, maxTaskCount: worker.maxCount } } : {}),
        natGatewayCount: networkDefaults(config.network).natGateways === "OnePerAz" ? config.azCount : 1,
        loadBalancerCount: loadBalancers,
        azCount: config.azCount,
        cdn: config.cdn.enabled,
        logAnalytics: config.logAnalytics.enabled,
    };
}
