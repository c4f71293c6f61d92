/**
 * What the cost estimate prices for a planned stack: the usage assumptions and settings from its config,
 * and the load balancers the program actually registered. NAT gateways come from the config because the
 * VPC is an awsx component whose children a mocked run does not see.
 */
import type { StackConfig } from "../../config";
import type { RecordedResource } from "../analyzer/client";
import { CostInput } from "../cost/model";

const LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer";

export function costInputFromStack(config: StackConfig, resources: readonly Pick<RecordedResource, "type" | "inputs">[]): CostInput {
    const loadBalancers = resources.filter(
        (r) => r.type === LOAD_BALANCER && (r.inputs.loadBalancerType === undefined || r.inputs.loadBalancerType === "application"),
    ).length;
    return {
        usage: config.usage,
        efs: {
            throughputMode: config.efs.throughputMode,
            ...(config.efs.provisionedThroughputMibps === undefined ? {} : { provisionedThroughputMibps: config.efs.provisionedThroughputMibps }),
            backupEnabled: config.backupEnabled,
        },
        service: { cpu: config.service.cpu, memoryMib: config.service.memory, taskCount: config.service.desiredCount, maxTaskCount: config.service.maxCount },
        natGatewayCount: config.natGateways === "OnePerAz" ? config.azCount : 1,
        loadBalancerCount: loadBalancers,
        azCount: config.azCount,
    };
}
