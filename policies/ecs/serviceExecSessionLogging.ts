import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { get, isUnknown, Plain, show } from "../lib/values";

const CLUSTER = "aws:ecs/cluster:Cluster";

/** Whether a log destination is given: a known non-empty name, or an unknown one that comes from a resource. */
function given(value: Plain | undefined): boolean {
    return isUnknown(value) || (typeof value === "string" && value !== "");
}

/** Why the cluster's ECS Exec sessions go unlogged, or undefined when they are logged. */
function unloggedBecause(cluster: StackNode): string | undefined {
    const config = get(cluster.props.configuration, "executeCommandConfiguration");
    const setting = get(config, "logging");
    if (isUnknown(cluster.props.configuration) || isUnknown(config) || isUnknown(setting)) {
        return `the executeCommandConfiguration of cluster "${cluster.name}" is unknown during preview`;
    }
    const logging = setting ?? "DEFAULT";
    if (logging === "NONE") {
        return `cluster "${cluster.name}" sets executeCommandConfiguration.logging to "NONE"`;
    }
    if (logging === "OVERRIDE") {
        const to = get(config, "logConfiguration");
        if (!given(get(to, "cloudWatchLogGroupName")) && !given(get(to, "s3BucketName"))) {
            return `cluster "${cluster.name}" overrides session logging but names neither cloudWatchLogGroupName nor s3BucketName`;
        }
        return undefined;
    }
    // DEFAULT logs sessions through the task definition's awslogs driver, which this rule does not follow: it asks
    // for an explicit destination, so that the session log does not share the app's retention and readers.
    return `cluster "${cluster.name}" leaves executeCommandConfiguration.logging at ${show(logging)} (sessions go only where each task definition's awslogs driver sends them, if anywhere)`;
}

/**
 * ecs-service-exec-session-logging — an ECS service with `enableExecuteCommand` runs in a cluster whose
 * `executeCommandConfiguration` logs every session to a destination of its own: `logging: "OVERRIDE"` with a
 * CloudWatch Logs group or an S3 bucket.
 *
 * Why: ECS Exec is a shell in a production container; without a session log, what was run (and what it printed)
 * is lost, and CloudTrail only shows that someone connected. Severity: medium (advisory by default).
 * Joins: the service's `cluster` property dependency (a cluster in this stack, known in a preview), or a known
 * cluster ARN equal to a cluster's `arn` output. Unknowns: an unknown `enableExecuteCommand` counts as enabled, an
 * unknown log configuration as unlogged, an unknown group or bucket name that comes from a resource as given.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (logging and auditing)
 */
export const requireExecSessionLogging: StackValidationPolicy = {
    name: "ecs-service-exec-session-logging",
    description: "ECS services with ECS Exec enabled run in a cluster that logs every exec session to CloudWatch Logs or S3.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.ecsService, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const service of index.ofType(types.ecsService)) {
            const exec = service.props.enableExecuteCommand;
            if (exec !== true && !isUnknown(exec)) {
                continue;
            }
            const { targets } = index.referencedBy(service, "cluster", [CLUSTER], ["arn", "id", "name"]);
            const fix =
                `Give the cluster configuration.executeCommandConfiguration { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: <an encrypted log group>, cloudWatchEncryptionEnabled: true } } ` +
                `or { s3BucketName, s3KeyPrefix } (this project: exec: { enabled: true, logging: cloudwatch | s3 }), or turn exec off.`;
            if (targets.length === 0) {
                reportViolation(`ECS service "${service.name}" has ECS Exec enabled, and its cluster is not in this stack, so its session logging cannot be checked. ${fix}`, service.urn);
                continue;
            }
            for (const cluster of targets) {
                const why = unloggedBecause(cluster);
                if (why) {
                    reportViolation(`ECS service "${service.name}" has ECS Exec enabled${isUnknown(exec) ? " (or may: enableExecuteCommand is unknown)" : ""}, but ${why}, so exec sessions are not logged. ${fix}`, service.urn);
                }
            }
        }
    }),
};
