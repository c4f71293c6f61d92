import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmSpec, alarmSpecs } from "./monitoringAlarms";
import { MonitoringArgs, monitoringDefaults, validateMonitoringSettings } from "./monitoringArgs";
import { dashboardBody } from "./monitoringDashboard";
import { throwIfProblems } from "./validation";

/**
 * What an operator needs to run the stack: one encrypted SNS topic every alarm notifies (on alarm and on recovery),
 * an optional e-mail subscription, the alarms (EFS per throughput mode, load balancer, services, the app's own
 * backlog metrics; monitoringAlarms.ts), and one dashboard with all of it.
 */
export class Monitoring extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly dashboardName: pulumi.Output<string>;
    /** Alarm names by role (`efs-client-connections`, `app-backlog-bytes`, …). */
    public readonly alarmNames: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:monitoring:Monitoring", name, {}, opts);

        throwIfProblems(`Monitoring "${name}"`, validateMonitoringSettings(args));
        if (args.services.length === 0) throw new Error(`Monitoring "${name}": services must name at least the web service`);
        const settings = monitoringDefaults(args);

        // Alarm notifications can carry resource names; the topic is encrypted at rest like everything else here.
        // CloudWatch can publish to a topic encrypted with alias/aws/sns. A customer key needs a key policy that lets
        // cloudwatch.amazonaws.com use it: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
        const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: settings.topicKmsKeyId }, { parent: this });
        if (settings.alarmEmail !== undefined) {
            new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: topic.arn, protocol: "email", endpoint: settings.alarmEmail }, { parent: this });
        }

        const specs = alarmSpecs(args);
        const alarms = specs.map((spec) => createAlarm(`${name}-${spec.role}`, spec, topic.arn, this));
        const dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: args.dashboardName ?? `${pulumi.getProject()}-${pulumi.getStack()}`,
                dashboardBody: dashboardBody({
                    title: `${pulumi.getProject()} ${pulumi.getStack()}`,
                    region: args.region,
                    specs,
                    alarmArns: alarms.map((a) => a.arn),
                    fileSystemId: args.fileSystemId,
                    metricsServiceNames: args.services.map((s) => s.metricsServiceName),
                }),
            },
            { parent: this },
        );

        this.topicArn = topic.arn;
        this.dashboardName = dashboard.dashboardName;
        this.alarmNames = Object.fromEntries(specs.map((s, i) => [s.role, alarms[i].name]));
        this.registerOutputs({ topicArn: this.topicArn, dashboardName: this.dashboardName, alarmNames: this.alarmNames });
    }
}

/** One CloudWatch alarm from its spec; both its alarm and OK actions notify the topic. */
function createAlarm(name: string, spec: AlarmSpec, topicArn: pulumi.Input<string>, parent: pulumi.Resource): aws.cloudwatch.MetricAlarm {
    const common = {
        alarmDescription: spec.description,
        comparisonOperator: spec.comparison,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods,
        datapointsToAlarm: spec.datapointsToAlarm,
        treatMissingData: spec.treatMissingData,
        alarmActions: [topicArn],
        okActions: [topicArn],
    };
    if (spec.metric) {
        const m = spec.metric;
        const percentile = /^p\d+(\.\d+)?$/.test(m.stat);
        return new aws.cloudwatch.MetricAlarm(
            name,
            {
                ...common,
                namespace: m.namespace,
                metricName: m.name,
                dimensions: m.dimensions,
                period: spec.periodSeconds,
                ...(percentile ? { extendedStatistic: m.stat } : { statistic: m.stat }),
            },
            { parent },
        );
    }
    const e = spec.expression!;
    return new aws.cloudwatch.MetricAlarm(
        name,
        {
            ...common,
            metricQueries: [
                { id: "e1", expression: e.expr, label: e.label, returnData: true },
                ...Object.entries(e.metrics).map(([id, m]) => ({
                    id,
                    returnData: false,
                    metric: { namespace: m.namespace, metricName: m.name, dimensions: m.dimensions, period: spec.periodSeconds, stat: m.stat },
                })),
            ],
        },
        { parent },
    );
}
