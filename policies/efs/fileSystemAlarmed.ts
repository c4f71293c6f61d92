import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { get, isUnknown, list, Plain } from "../lib/values";

const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

interface AlarmedConfig {
    requireActions: boolean;
}

/** The AWS/EFS metrics an alarm reads: its own, or each of its metric-math queries'; `dimensions` of each. */
function efsMetrics(alarm: StackNode): { dimensions: Plain | undefined; property: string }[] {
    const own = alarm.props.namespace;
    const found: { dimensions: Plain | undefined; property: string }[] = [];
    if (alarm.props.metricName !== undefined && (own === "AWS/EFS" || isUnknown(own))) {
        found.push({ dimensions: alarm.props.dimensions, property: "dimensions" });
    }
    const queries = list(alarm.props.metricQueries);
    for (const q of isUnknown(queries) ? [] : queries) {
        const metric = get(q, "metric");
        const ns = get(metric, "namespace");
        if (metric !== undefined && (ns === "AWS/EFS" || isUnknown(ns))) found.push({ dimensions: get(metric, "dimensions"), property: "metricQueries" });
    }
    return found;
}

/** Whether the alarm notifies anyone: a non-empty `alarmActions` (unknown ARNs count: they come from a resource). */
function notifies(alarm: StackNode): boolean {
    const actions = list(alarm.props.alarmActions);
    return isUnknown(actions) ? alarm.deps("alarmActions").length > 0 : actions.length > 0;
}

/**
 * efs-filesystem-alarmed — every EFS file system has at least one CloudWatch metric alarm on an `AWS/EFS` metric
 * whose `FileSystemId` dimension is that file system, as a single metric or inside metric math; with
 * `requireActions` (default true) the alarm must also have an alarm action.
 *
 * Why: the source article's advice ("Monitor EFS metrics — ClientConnections, PercentIOLimit …"): a file system
 * nobody watches fails silently (mounts time out, burst credits run out). Severity: low (advisory by default).
 * Joins: an alarm refers to a file system when the property dependencies of its `dimensions` or `metricQueries`
 * include the file system's URN (known in a preview), or, for a file system that exists, when a `FileSystemId`
 * value equals its id. Unknowns: an unknown dimension value with the dependency counts (it comes from the file
 * system); an unknown namespace counts as AWS/EFS; unknown alarm actions count when they come from a resource.
 * See https://docs.aws.amazon.com/efs/latest/ug/monitoring-cloudwatch.html
 */
export const requireFileSystemAlarm: StackValidationPolicy = {
    name: "efs-filesystem-alarmed",
    description: "Every EFS file system has at least one CloudWatch alarm on its metrics.",
    enforcementLevel: "advisory",
    severity: "low",
    configSchema: {
        properties: {
            requireActions: { type: "boolean", default: true, description: "Count only alarms with at least one alarm action (an SNS topic, …)." },
        },
    },
    validateStack: whenStackHas(types.efsFileSystem, (args, reportViolation) => {
        const { requireActions } = args.getConfig<AlarmedConfig>();
        const index = StackIndex.of(args.resources);
        const alarms = index.ofType(METRIC_ALARM);
        for (const fs of index.ofType(types.efsFileSystem)) {
            const id = fs.props.id;
            const on = alarms.filter((alarm) =>
                efsMetrics(alarm).some(
                    (m) => alarm.deps(m.property).includes(fs.urn) || (typeof id === "string" && get(m.dimensions, "FileSystemId") === id),
                ),
            );
            if (on.length === 0) {
                reportViolation(
                    `EFS file system "${fs.name}" must have at least one CloudWatch alarm on its metrics, but no aws.cloudwatch.MetricAlarm reads an AWS/EFS metric with its FileSystemId. ` +
                        `Add one, e.g. ClientConnections or PercentIOLimit with dimensions { FileSystemId: <file system>.id } (the Monitoring component creates them).`,
                    fs.urn,
                );
            } else if (requireActions && !on.some(notifies)) {
                reportViolation(
                    `EFS file system "${fs.name}" must have an alarm that notifies someone, but its alarms (${on.map((a) => `"${a.name}"`).join(", ")}) have no alarmActions. ` +
                        `Give one an SNS topic in alarmActions, or set requireActions: false in the policy config.`,
                    fs.urn,
                );
            }
        }
    }),
};
