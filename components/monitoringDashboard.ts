import * as pulumi from "@pulumi/pulumi";
import { APP_METRICS, APP_METRICS_DIMENSION, APP_METRICS_NAMESPACE } from "../app/src/contract";
import { AlarmSpec, MetricRef } from "./monitoringAlarms";

/** A dashboard metric line: `[namespace, name, dim, value, …, {options}]` (dashboard body structure). */
function line(m: MetricRef, options: Record<string, unknown> = {}): pulumi.Input<unknown>[] {
    const stat = m.stat;
    return [m.namespace, m.name, ...Object.entries(m.dimensions).flat(), { stat, ...options }];
}

/** A graph widget; x and y are left out, so CloudWatch lays the widgets out in order. */
function graph(title: string, region: pulumi.Input<string>, metrics: pulumi.Input<unknown>[][], extra: Record<string, unknown> = {}) {
    return { type: "metric", width: 8, height: 6, properties: { title, region, view: "timeSeries", stacked: false, period: 60, metrics, ...extra } };
}

/** The graph of what one alarm watches, with its threshold drawn. */
function alarmGraph(spec: AlarmSpec, region: pulumi.Input<string>) {
    const metrics = spec.metric
        ? [line(spec.metric)]
        : [
              [{ expression: spec.expression!.expr, label: spec.expression!.label, id: "e1" }],
              ...Object.entries(spec.expression!.metrics).map(([id, m]) => line(m, { id, visible: false })),
          ];
    return graph(spec.role, region, metrics, { annotations: { horizontal: [{ label: "alarm threshold", value: spec.threshold }] } });
}

/**
 * The one page: the alarms' states, then a graph per alarm (with its threshold), then the context an operator
 * reads next (EFS I/O and connections, archive rate, failures and rejections). Every metric is an AWS metric the
 * alarms also read, or one of the app's (app/src/contract.ts).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
 */
export function dashboardBody(args: {
    title: string;
    region: pulumi.Input<string>;
    specs: readonly AlarmSpec[];
    alarmArns: pulumi.Input<string>[];
    fileSystemId: pulumi.Input<string>;
    metricsServiceNames: readonly string[];
}): pulumi.Output<string> {
    const { region } = args;
    const efs = (name: string, stat = "Sum"): MetricRef => ({ namespace: "AWS/EFS", name, dimensions: { FileSystemId: args.fileSystemId }, stat });
    const app = (metric: keyof typeof APP_METRICS, service: string, stat = "Sum"): MetricRef => ({
        namespace: APP_METRICS_NAMESPACE,
        name: APP_METRICS[metric].name,
        dimensions: { [APP_METRICS_DIMENSION]: service },
        stat,
    });
    const perService = (metric: keyof typeof APP_METRICS) => args.metricsServiceNames.map((s) => line(app(metric, s), { label: `${s} ${APP_METRICS[metric].name}` }));
    const widgets = [
        {
            type: "text",
            width: 24,
            height: 2,
            properties: { markdown: `# ${args.title}\nAlarms first (red = act; each alarm's description says what to do, README "Operating it"), then what each alarm watches, then EFS and archive context.` },
        },
        { type: "alarm", width: 24, height: 4, properties: { title: "Alarms", alarms: args.alarmArns, sortBy: "stateUpdatedTimestamp" } },
        ...args.specs.map((s) => alarmGraph(s, region)),
        graph("EFS data I/O (bytes per minute)", region, [line(efs("DataReadIOBytes")), line(efs("DataWriteIOBytes")), line(efs("MetadataIOBytes"))]),
        graph("EFS client connections", region, [line(efs("ClientConnections"))]),
        graph("Archived files per minute", region, perService("archivedFiles")),
        graph("Archived bytes per minute", region, perService("archivedBytes")),
        graph("Archive failures and upload rejections", region, [...perService("archiveFailures"), ...perService("uploadsRejected"), ...perService("uploadsAccepted")]),
        graph("Backlog (files)", region, [line(app("backlogFiles", args.metricsServiceNames[0], "Maximum"))]),
    ];
    return pulumi.jsonStringify({ widgets });
}
