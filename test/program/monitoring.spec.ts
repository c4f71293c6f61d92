/**
 * Operating the stack (issue 10): which alarms exist for each EFS throughput mode, that each notifies the one
 * encrypted topic, that the dashboard shows only metrics that exist, and that scaling reads the app's backlog metric
 * exactly as the app emits it. The program runs under mocks as an update (every value known).
 * https://docs.aws.amazon.com/efs/latest/ug/efs-metrics.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html
 */
import * as assert from "assert";
import { WatchedService } from "../../components";
import { AlarmSpec, alarmSpecs } from "../../components/monitoringAlarms";
import { ConfigError, parseStackConfig } from "../../config";
import { costInputFromStack } from "../../tools/preview/costInput";
import { allOfType, json, oneOfType, PROD_UPDATE_OVERRIDES, RecordedResource, recordStack, stackRun, StackRun } from "../mocks";

const T = {
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    topic: "aws:sns/topic:Topic",
    key: "aws:kms/key:Key",
    subscription: "aws:sns/topicSubscription:TopicSubscription",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
    policy: "aws:appautoscaling/policy:Policy",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
};
const NS = "fargate-efs-s3";

/**
 * Metrics that exist, pinned from the AWS references above and the app's README ("Metrics"): a dashboard line or
 * an alarm that names anything else would draw nothing and alarm on nothing.
 */
const EXISTING: Record<string, string[]> = {
    "AWS/EFS": ["MeteredIOBytes", "PermittedThroughput", "ClientConnections", "PercentIOLimit", "BurstCreditBalance", "DataReadIOBytes", "DataWriteIOBytes", "MetadataIOBytes"],
    "AWS/ApplicationELB": ["HTTPCode_Target_5XX_Count", "RequestCount", "UnHealthyHostCount", "TargetResponseTime"],
    "ECS/ContainerInsights": ["RunningTaskCount", "DesiredTaskCount"],
    "AWS/ECS": ["CPUUtilization", "MemoryUtilization"],
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
    "AWS/SQS": ["ApproximateAgeOfOldestMessage", "ApproximateNumberOfMessagesVisible", "NumberOfMessagesReceived"],
    "FargateEfsS3/App": ["BacklogFiles", "BacklogBytes", "OldestBacklogAgeSeconds", "QuarantinedFiles", "ArchivedFiles", "ArchivedBytes", "ArchiveFailures", "UploadsRejected", "UploadsAccepted"],
};

const run = (stack: "dev" | "prod", overrides: Record<string, string> = {}) =>
    stackRun({ stack, overrides: { ...(stack === "prod" ? PROD_UPDATE_OVERRIDES : {}), ...overrides } });
const alarms = (r: StackRun) => allOfType(r, T.alarm);
const roles = (r: StackRun, prefix: string) =>
    alarms(r)
        .map((a) => a.name.replace(/^ops-/, ""))
        .filter((n) => n.startsWith(prefix))
        .sort();

/** Every [namespace, name] an alarm reads: its own metric, or each metric of its expression. */
function metricsOf(alarm: RecordedResource): [string, string][] {
    const i = alarm.inputs as any;
    if (i.metricName) return [[i.namespace, i.metricName]];
    return (i.metricQueries as any[]).filter((q) => q.metric).map((q) => [q.metric.namespace, q.metric.metricName]);
}

describe("program: monitoring (alarms, topic, dashboard, backlog scaling)", function () {
    this.timeout(120_000);

    const efsCases: [string, Record<string, string>, string[]][] = [
        ["elastic + generalPurpose (dev's default)", {}, ["efs-client-connections", "efs-throughput-utilization"]],
        ["bursting", { [`${NS}:efsThroughputMode`]: "bursting" }, ["efs-burst-credits", "efs-client-connections", "efs-percent-io-limit", "efs-throughput-utilization"]],
        ["provisioned", { [`${NS}:efsThroughputMode`]: "provisioned", [`${NS}:efsProvisionedThroughputMibps`]: "64" }, ["efs-client-connections", "efs-percent-io-limit", "efs-throughput-utilization"]],
        ["bursting + maxIO (no PercentIOLimit: EFS submits it for General Purpose only)", { [`${NS}:efsThroughputMode`]: "bursting", [`${NS}:efsPerformanceMode`]: "maxIO" }, ["efs-burst-credits", "efs-client-connections", "efs-throughput-utilization"]],
    ];
    for (const stack of ["dev", "prod"] as const) {
        for (const [mode, overrides, expected] of efsCases) {
            it(`${stack}, EFS ${mode}: the EFS alarms are exactly ${expected.join(", ")}`, async () => {
                assert.deepStrictEqual(roles(await run(stack, overrides), "efs-"), expected);
            });
        }
    }

    it("every EFS alarm reads the stack's file system; the burst-credit alarm fires below one hour of bursting at 100 MiB/s", async () => {
        const r = await run("dev", { [`${NS}:efsThroughputMode`]: "bursting" });
        const fsId = oneOfType(r, "aws:efs/fileSystem:FileSystem").outputs.id;
        for (const a of alarms(r).filter((x) => x.name.startsWith("ops-efs-"))) {
            const i = a.inputs as any;
            const dims = i.dimensions ? [i.dimensions] : (i.metricQueries as any[]).filter((q) => q.metric?.namespace === "AWS/EFS").map((q) => q.metric.dimensions);
            assert.ok(dims.length > 0 && dims.every((d: any) => d.FileSystemId === fsId), `${a.name}: ${JSON.stringify(dims)}`);
        }
        assert.strictEqual(oneOfType(r, T.alarm, "ops-efs-burst-credits").inputs.threshold, 377487360000);
    });

    it("dev watches the web service; prod watches the web service and the worker (running < desired, CPU, memory)", async () => {
        assert.deepStrictEqual(roles(await run("dev"), "worker-"), []);
        assert.deepStrictEqual(roles(await run("dev"), "app-").filter((n) => /running|cpu|memory/.test(n)), ["app-cpu-high", "app-memory-high", "app-running-below-desired"]);
        assert.deepStrictEqual(roles(await run("prod"), "worker-"), ["worker-cpu-high", "worker-memory-high", "worker-running-below-desired"]);
    });

    it("alarms on the load balancer (5xx rate by metric math, unhealthy hosts, p99 latency) and on the app (backlog bytes at 80% of backlogLimitBytes, oldest item, quarantine)", async () => {
        const r = await run("dev");
        assert.deepStrictEqual(roles(r, "alb-"), ["alb-p99-latency", "alb-target-5xx-rate", "alb-unhealthy-hosts"]);
        assert.strictEqual(oneOfType(r, T.alarm, "ops-alb-p99-latency").inputs.extendedStatistic, "p99");
        // dev leaves backlogLimitBytes unset: the app's 10 GiB, 80% of it.
        assert.strictEqual(oneOfType(r, T.alarm, "ops-app-backlog-bytes").inputs.threshold, 8589934592);
        assert.strictEqual(oneOfType(r, T.alarm, "ops-app-oldest-item").inputs.threshold, 1800);
        const changed = await run("dev", { [`${NS}:backlogLimitBytes`]: "1000000", [`${NS}:monitoring`]: JSON.stringify({ backlogAlarmPercent: 50, oldestItemMinutes: 5 }) });
        assert.strictEqual(oneOfType(changed, T.alarm, "ops-app-backlog-bytes").inputs.threshold, 500000);
        assert.strictEqual(oneOfType(changed, T.alarm, "ops-app-oldest-item").inputs.threshold, 300);
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: every alarm notifies the one topic on alarm and on recovery, says what to do, and treats missing data explicitly`, async () => {
            const r = await run(stack);
            const topic = oneOfType(r, T.topic);
            assert.strictEqual(alarms(r).length, stack === "dev" ? 13 : 16);
            for (const a of alarms(r)) {
                const i = a.inputs as any;
                assert.deepStrictEqual(i.alarmActions, [topic.outputs.arn], `${a.name} alarmActions`);
                assert.deepStrictEqual(i.okActions, [topic.outputs.arn], `${a.name} okActions`);
                assert.ok(a.propertyDependencies.alarmActions?.includes(topic.urn), `${a.name} depends on the topic`);
                assert.ok(typeof i.alarmDescription === "string" && i.alarmDescription.length > 80 && i.alarmDescription.length <= 1024, `${a.name} description`);
                assert.ok(["missing", "notBreaching", "breaching", "ignore"].includes(i.treatMissingData), `${a.name} treatMissingData`);
                assert.ok(i.datapointsToAlarm >= 1 && i.datapointsToAlarm <= i.evaluationPeriods, `${a.name} datapoints`);
                for (const [ns, name] of metricsOf(a)) assert.ok(EXISTING[ns]?.includes(name), `${a.name} reads ${ns} ${name}, which does not exist`);
            }
            assert.match(oneOfType(r, T.alarm, "ops-efs-client-connections").inputs.alarmDescription as string, /npm run doctor/);
        });
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: alarms reach a person: the topic is encrypted with a customer managed key the component owns, rotated, that CloudWatch alarms of this account and region may use and the account root administers`, async () => {
            const r = await run(stack);
            const key = oneOfType(r, T.key, "ops-alarms-key");
            assert.strictEqual(key.parent, oneOfType(r, T.topic).parent, "the key belongs to the Monitoring component");
            assert.ok(oneOfType(r, T.topic).propertyDependencies.kmsMasterKeyId?.includes(key.urn), "the topic is encrypted with that key");
            assert.strictEqual(key.inputs.enableKeyRotation, true);
            const statements = json(key.inputs.policy).Statement;
            assert.deepStrictEqual(statements, [
                { Sid: "EnableIamPoliciesForTheAccount", Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "AllowCloudWatchAlarmsOfThisAccountToPublish",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                    Resource: "*",
                    Condition: {
                        StringEquals: { "aws:SourceAccount": "123456789012" },
                        ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*" },
                    },
                },
            ]);
        });
    }

    it("a customer managed key passed by ARN encrypts the topic instead (no key created); an e-mail is subscribed only when configured", async () => {
        assert.deepStrictEqual(allOfType(await run("dev"), T.subscription), []);
        const keyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const r = await run("dev", { [`${NS}:monitoring`]: JSON.stringify({ alarmEmail: "ops@example.org", topicKmsKeyId: keyArn }) });
        assert.strictEqual(oneOfType(r, T.topic).inputs.kmsMasterKeyId, keyArn);
        assert.deepStrictEqual(allOfType(r, T.key).filter((k) => k.name.endsWith("-alarms-key")), []);
        const sub = oneOfType(r, T.subscription);
        assert.deepStrictEqual([sub.inputs.protocol, sub.inputs.endpoint, sub.inputs.topic], ["email", "ops@example.org", oneOfType(r, T.topic).outputs.arn]);
    });

    it("alias/aws/sns (or any AWS managed key) for the topic is refused with monitoring.topicKmsKeyId named and why, before anything is built", () => {
        for (const managed of ["alias/aws/sns", "arn:aws:kms:us-east-1:123456789012:alias/aws/sns", "alias/aws/kms"]) {
            const raw = { "aws:region": "us-east-1", [`${NS}:allowPlainHttp`]: "true", [`${NS}:monitoring`]: JSON.stringify({ topicKmsKeyId: managed }) };
            assert.throws(
                () => parseStackConfig(raw),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError);
                    assert.deepStrictEqual(e.problems.map((p) => p.key), [`${NS}:monitoring.topicKmsKeyId`]);
                    assert.match(e.problems[0].reason, /AWS managed key.*cannot admit cloudwatch\.amazonaws\.com.*Leave monitoring\.topicKmsKeyId unset/);
                    return true;
                },
                managed,
            );
        }
    });

    it("a topic key in another region than the stack is refused by name, before anything is built", () => {
        const raw = { "aws:region": "us-east-1", [`${NS}:allowPlainHttp`]: "true", [`${NS}:monitoring`]: JSON.stringify({ topicKmsKeyId: "arn:aws:kms:eu-west-1:210987654321:key/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901" }) };
        assert.throws(
            () => parseStackConfig(raw),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                assert.deepStrictEqual(e.problems.map((p) => p.key), [`${NS}:monitoring.topicKmsKeyId`]);
                assert.match(e.problems[0].reason, /key in eu-west-1, but the stack .* is in us-east-1/);
                return true;
            },
        );
        const same = { ...raw, [`${NS}:monitoring`]: JSON.stringify({ topicKmsKeyId: "arn:aws:kms:us-east-1:210987654321:alias/alarms" }) };
        assert.doesNotThrow(() => parseStackConfig(same), "(control) a key of the stack's region");
    });

    it("an AWS managed key passed by its key ARN (KMS says KeyManager AWS) or an asymmetric key is refused by name before any resource is registered", async () => {
        const keyArn = "arn:aws:kms:us-east-1:210987654321:key/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901";
        const registered: RecordedResource[] = [];
        const withKey = (answer: Record<string, unknown>) =>
            recordStack({ stack: "dev", preview: true, registrations: registered, overrides: { [`${NS}:monitoring`]: JSON.stringify({ topicKmsKeyId: keyArn }) }, invokeAnswers: { "aws:kms/getKey:getKey": answer } });
        // The program loads its own copy of the config module, so its ConfigError is recognised by its problems.
        const refusal = (reason: RegExp) => (e: any) => {
            assert.ok(Array.isArray(e?.problems), String(e));
            assert.deepStrictEqual(e.problems.map((p: { key: string }) => p.key), [`${NS}:monitoring.topicKmsKeyId`]);
            assert.match(e.problems[0].reason, reason);
            return true;
        };
        await assert.rejects(withKey({ keyManager: "AWS", keySpec: "SYMMETRIC_DEFAULT" }), refusal(/AWS managed key: its key policy cannot admit cloudwatch\.amazonaws\.com/));
        await assert.rejects(withKey({ keyManager: "CUSTOMER", keySpec: "RSA_2048" }), refusal(/RSA_2048 key; Amazon SNS only supports symmetric encryption keys/));
        assert.deepStrictEqual(registered.filter((r) => r.type !== "pulumi:pulumi:Stack"), [], "refused before any resource is registered");
        const ok = await withKey({ keyManager: "CUSTOMER", keySpec: "SYMMETRIC_DEFAULT" });
        assert.ok(ok.calls.some((c) => c.token === "aws:kms/getKey:getKey" && c.args.keyId === keyArn), "the program describes the key it was given");
        assert.strictEqual(oneOfType(ok, T.topic).inputs.kmsMasterKeyId, keyArn, "(control) a symmetric customer managed key encrypts the topic");
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: one dashboard, whose every widget metric exists and whose alarm widget lists every alarm`, async () => {
            const r = await run(stack);
            const body = json(oneOfType(r, T.dashboard).inputs.dashboardBody);
            let lines = 0;
            for (const w of body.widgets.filter((x: any) => x.type === "metric")) {
                const ids = new Set<string>();
                for (const l of w.properties.metrics as any[]) {
                    if (l.length === 1 && l[0].expression) continue;
                    const [ns, name] = l;
                    assert.ok(EXISTING[ns]?.includes(name), `widget "${w.properties.title}" draws ${ns} ${name}, which does not exist`);
                    const opts = l[l.length - 1];
                    assert.ok(!Object.values(opts).includes(undefined) && opts.stat, `widget "${w.properties.title}" line options ${JSON.stringify(opts)}`);
                    if (opts.id) ids.add(opts.id);
                    lines++;
                }
                for (const l of (w.properties.metrics as any[]).filter((x) => x.length === 1 && x[0].expression)) {
                    for (const id of (l[0].expression as string).match(/\b[a-z][A-Za-z0-9_]*\b/g)!.filter((t) => !["IF", "FILL", "AND", "PERIOD"].includes(t))) {
                        assert.ok(ids.has(id), `widget "${w.properties.title}": expression uses ${id}, which no line defines`);
                    }
                }
            }
            assert.ok(lines > 20, `${lines} metric lines`);
            const alarmWidget = body.widgets.find((x: any) => x.type === "alarm");
            assert.deepStrictEqual([...alarmWidget.properties.alarms].sort(), alarms(r).map((a) => a.outputs.arn).sort());
        });
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: each service scales on backlog per task, reading the work queue's AWS/SQS ApproximateNumberOfMessagesVisible, beside CPU`, async () => {
            const r = await run(stack);
            const services = stack === "prod" ? ["app", "worker"] : ["app"];
            for (const svc of services) {
                oneOfType(r, T.policy, `${svc}-cpu-scaling`);
                const policy = oneOfType(r, T.policy, `${svc}-backlog-scaling`).inputs as any;
                const config = policy.targetTrackingScalingPolicyConfiguration;
                assert.strictEqual(config.targetValue, 5000);
                const byId = Object.fromEntries((config.customizedMetricSpecification.metrics as any[]).map((m) => [m.id, m]));
                const backlog = byId.backlog.metricStat.metric;
                assert.deepStrictEqual([backlog.namespace, backlog.metricName], ["AWS/SQS", "ApproximateNumberOfMessagesVisible"]);
                assert.deepStrictEqual(backlog.dimensions, [{ name: "QueueName", value: oneOfType(r, "aws:sqs/queue:Queue", "work-queue").outputs.name }]);
                assert.strictEqual(byId.tasks.metricStat.metric.metricName, "RunningTaskCount");
                assert.strictEqual(byId.perTask.expression, "backlog / tasks");
                assert.strictEqual(byId.perTask.returnData, true);
            }
        });
    }

    it("a bad monitoring setting is reported with its key, before anything is built", () => {
        const raw = { "aws:region": "us-east-1", [`${NS}:allowPlainHttp`]: "true", [`${NS}:monitoring`]: JSON.stringify({ backlogAlarmPercent: 150, alarmEmail: "nobody", latencyP99: 3 }) };
        assert.throws(
            () => parseStackConfig(raw),
            (e: unknown) => {
                assert.ok(e instanceof ConfigError);
                const keys = e.problems.map((p) => p.key).sort();
                assert.deepStrictEqual(keys, [`${NS}:monitoring.alarmEmail`, `${NS}:monitoring.backlogAlarmPercent`, `${NS}:monitoring.latencyP99`]);
                return true;
            },
        );
    });
    it("the cost estimate counts what CloudWatch bills: one alarm metric per metric read (dev 18 for 13 alarms, prod 23 for 16), one dashboard, 9 EMF metrics per service", async () => {
        const dev = await run("dev");
        assert.deepStrictEqual(costInputFromStack(dev.config, dev.resources).monitoring, { alarmMetrics: 18, highResolutionAlarmMetrics: 0, dashboards: 1, customMetrics: 9, snsTopics: 1, topicKeys: 1 });
        const prod = await run("prod");
        assert.deepStrictEqual(costInputFromStack(prod.config, prod.resources).monitoring, { alarmMetrics: 23, highResolutionAlarmMetrics: 0, dashboards: 1, customMetrics: 18, snsTopics: 1, topicKeys: 1 });
    });
});

/**
 * The EFS ClientConnections alarm evaluated as CloudWatch metric math documents it, over the minutes the alarm reads:
 * a series is a map minute → value, a minute without a data point is absent. Documented rules used here
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html): arithmetic — "Missing values
 * in a time series are treated as 0"; comparison of two time series — "only one of the time series has a value for a
 * particular time stamp, the function treats the missing value in the other time series as 0"; a time series against a
 * scalar keeps the series' own time stamps. Anything else in the expression (FILL, IF, …) is refused: undocumented here.
 */
function evaluateMetricMath(expr: string, series: Record<string, Map<number, number>>): Map<number, number> {
    type V = Map<number, number> | number;
    const tokens = expr.match(/\d+(\.\d+)?|[a-z][A-Za-z0-9_]*|>=|<=|[()+><]|\S/g)!;
    let i = 0;
    const union = (a: Map<number, number>, b: Map<number, number>) => [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
    const apply = (a: V, b: V, f: (x: number, y: number) => number): V => {
        if (typeof a === "number" && typeof b === "number") return f(a, b);
        if (typeof a === "number") return new Map([...(b as Map<number, number>)].map(([t, v]) => [t, f(a, v)]));
        if (typeof b === "number") return new Map([...a].map(([t, v]) => [t, f(v, b)]));
        return new Map(union(a, b).map((t) => [t, f(a.get(t) ?? 0, b.get(t) ?? 0)]));
    };
    const primary = (): V => {
        const t = tokens[i++];
        if (t === "(") {
            const v = comparison();
            assert.strictEqual(tokens[i++], ")");
            return v;
        }
        if (/^\d/.test(t)) return Number(t);
        if (series[t] !== undefined) return series[t];
        throw new Error(`not evaluated here (undocumented for missing data): ${t}`);
    };
    const sum = (): V => {
        let v = primary();
        while (tokens[i] === "+") {
            i++;
            v = apply(v, primary(), (x, y) => x + y);
        }
        return v;
    };
    const comparison = (): V => {
        let v = sum();
        while ([">", ">=", "<"].includes(tokens[i])) {
            const op = tokens[i++];
            v = apply(v, sum(), (x, y) => Number(op === ">" ? x > y : op === ">=" ? x >= y : x < y));
        }
        return v;
    };
    const result = comparison();
    assert.strictEqual(i, tokens.length, `unparsed: ${tokens.slice(i).join(" ")}`);
    assert.ok(result instanceof Map, "an alarm expression yields a time series");
    return result;
}

describe("the EFS ClientConnections alarm under CloudWatch's documented metric-math rules for missing data", () => {
    const minutes = [0, 1, 2, 3, 4];
    const every = (v: number) => new Map(minutes.map((m) => [m, v]));
    const none = () => new Map<number, number>();
    const alarm = (workers: boolean) => {
        const services: WatchedService[] = [{ role: "app", clusterName: "c", serviceName: "app", metricsServiceName: "app" }];
        if (workers) services.push({ role: "worker", clusterName: "c", serviceName: "worker", metricsServiceName: "worker" });
        const spec = alarmSpecs({
            fileSystemId: "fs-1",
            throughputMode: "elastic",
            performanceMode: "generalPurpose",
            loadBalancerArnSuffix: "app/lb/1",
            targetGroupArnSuffix: "targetgroup/tg/1",
            services,
            backlogLimitBytes: 1e9,
            region: "us-east-1",
        }).find((s: AlarmSpec) => s.role === "efs-client-connections")!;
        return { spec, breaching: (data: Record<string, Map<number, number>>) => [...evaluateMetricMath(spec.expression!.expr, data).values()].filter((v) => v >= spec.threshold).length };
    };

    it("fires when tasks run and ClientConnections was never published (a file system never mounted): 5 of 5 minutes breach", () => {
        const { spec, breaching } = alarm(false);
        assert.strictEqual(breaching({ tasks0: every(2), connections: none() }), 5);
        assert.strictEqual(spec.datapointsToAlarm, 5);
        assert.strictEqual(spec.comparison, "GreaterThanOrEqualToThreshold");
    });
    it("fires with web and worker services when connections report 0, and stays quiet while tasks are connected or none run", () => {
        const { breaching } = alarm(true);
        assert.strictEqual(breaching({ tasks0: every(1), tasks1: none(), connections: every(0) }), 5);
        assert.strictEqual(breaching({ tasks0: every(2), tasks1: every(1), connections: every(3) }), 0);
        assert.strictEqual(breaching({ tasks0: every(0), tasks1: every(0), connections: none() }), 0);
        assert.strictEqual(breaching({ tasks0: none(), tasks1: none(), connections: every(0) }), 0, "no task metric at all: nothing runs");
    });
});
