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
    /** The KMS key that encrypts the topic: the one this component created, or the one passed in `topicKmsKeyId`. */
    public readonly topicKeyArn: pulumi.Output<string>;
    public readonly dashboardName: pulumi.Output<string>;
    /** Alarm names by role (`efs-client-connections`, `app-backlog-bytes`, …). */
    public readonly alarmNames: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:monitoring:Monitoring", name, {}, opts);

        throwIfProblems(`Monitoring "${name}"`, validateMonitoringSettings(args));
        if (args.services.length === 0) throw new Error(`Monitoring "${name}": services must name at least the web service`);
        const settings = monitoringDefaults(args);

        // Alarm notifications can carry resource names; the topic is encrypted at rest like everything else here, with a
        // customer managed key that CloudWatch may use (alias/aws/sns would silently drop every notification).
        const topicKey = settings.topicKmsKeyId === undefined ? createTopicKey(name, this) : undefined;
        const topic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: topicKey?.arn ?? settings.topicKmsKeyId }, { parent: this });
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
        this.topicKeyArn = topicKey ? topicKey.arn : pulumi.output(settings.topicKmsKeyId!);
        this.dashboardName = dashboard.dashboardName;
        this.alarmNames = Object.fromEntries(specs.map((s, i) => [s.role, alarms[i].name]));
        this.registerOutputs({ topicArn: this.topicArn, topicKeyArn: this.topicKeyArn, dashboardName: this.dashboardName, alarmNames: this.alarmNames });
    }
}

/**
 * The alarm topic's key: customer managed, rotated yearly, and usable by CloudWatch alarms of this account and region
 * only (a confused-deputy guard). Its policy keeps the account root's `kms:*` (KMS's default key policy), so that IAM
 * policies can manage the key and it can never become unmanageable.
 * - CloudWatch → encrypted topic: "To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt
 *   permissions, add the following statement to the KMS policy" (Principal { Service: "<service>.amazonaws.com" }).
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * - The conditions: "we recommend using the aws:SourceArn and aws:SourceAccount global condition context keys in
 *   resource policies to limit the permissions that the service gives another service to the resource."
 *   https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html ; alarm ARNs read
 *   arn:aws:cloudwatch:<region>:<account>:alarm:<name> (Service Authorization Reference, Amazon CloudWatch).
 * - The root statement: "Allows access to the AWS account and enables IAM policies … prevents the KMS key from
 *   becoming unmanageable." https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * The alarms' ARNs cannot be named one by one: each alarm depends on the topic, which depends on this key.
 */
export function topicKeyPolicy(scope: { partition: pulumi.Input<string>; account: pulumi.Input<string>; region: pulumi.Input<string> }): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EnableIamPoliciesForTheAccount",
                Effect: "Allow",
                Principal: { AWS: pulumi.interpolate`arn:${scope.partition}:iam::${scope.account}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "AllowCloudWatchAlarmsOfThisAccountToPublish",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
                Condition: {
                    StringEquals: { "aws:SourceAccount": scope.account },
                    ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:${scope.partition}:cloudwatch:${scope.region}:${scope.account}:alarm:*` },
                },
            },
        ],
    });
}

function createTopicKey(name: string, parent: pulumi.Resource): aws.kms.Key {
    const identity = aws.getCallerIdentityOutput({}, { parent });
    const scope = {
        // The caller's ARN names the partition (arn:<partition>:iam::…), one data-source call fewer.
        partition: identity.arn.apply((arn) => arn.split(":")[1]),
        account: identity.accountId,
        region: aws.getRegionOutput({}, { parent }).region,
    };
    return new aws.kms.Key(
        `${name}-alarms-key`,
        {
            description: "Encrypts the alarm topic; CloudWatch alarms of this account and region may use it to publish",
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: topicKeyPolicy(scope),
        },
        { parent },
    );
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
