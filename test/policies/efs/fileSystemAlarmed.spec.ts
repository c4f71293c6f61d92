/**
 * efs-filesystem-alarmed (issue 10): every EFS file system has a CloudWatch alarm on its AWS/EFS metrics that
 * notifies someone, joined by property dependencies in a preview and by id for existing file systems.
 * https://docs.aws.amazon.com/efs/latest/ug/monitoring-cloudwatch.html
 */
import { compliantStack, U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const P = "efs-filesystem-alarmed";
const mathAlarm = (deps: Record<string, string[]>) => ({
    inputs: {
        evaluationPeriods: 5,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 80,
        alarmActions: [U],
        metricQueries: [
            { id: "e1", expression: "100 * (m / PERIOD(m)) / p", returnData: true },
            { id: "m", metric: { namespace: "AWS/EFS", metricName: "MeteredIOBytes", dimensions: { FileSystemId: U }, stat: "Sum", period: 60 } },
            { id: "p", metric: { namespace: "AWS/EFS", metricName: "PermittedThroughput", dimensions: { FileSystemId: U }, stat: "Average", period: 60 } },
        ],
    },
    deps,
});

describe("efs-filesystem-alarmed", () => {
    it("passes a file system with an alarm on its ClientConnections that notifies a topic (preview: ids unknown, joined by dependency)", () =>
        expectNoViolation(P, compliantStack().resources));
    it("passes a file system whose only alarm is metric math over its metrics", () =>
        expectNoViolation(P, compliantStack().remove("data-connections").add("aws:cloudwatch/metricAlarm:MetricAlarm", "data-util", mathAlarm({ metricQueries: ["data"], alarmActions: ["alarms"] })).resources));
    it("passes an existing file system whose alarm names its id (no dependency)", () =>
        expectNoViolation(
            P,
            compliantStack()
                .changeOutputs("data", (o) => (o.id = "fs-0123456789abcdef0"))
                .change("data-connections", (i) => (i.dimensions = { FileSystemId: "fs-0123456789abcdef0" }))
                .changeOutputs("data-connections", (o) => (o.dimensions = { FileSystemId: "fs-0123456789abcdef0" })).resources.map((r) =>
                    r.name === "data-connections" ? { ...r, propertyDependencies: { alarmActions: r.propertyDependencies.alarmActions } } : r,
                ),
        ));
    it("catches a file system with no alarm", () => expectOneViolation(P, compliantStack().remove("data-connections").resources, "data", /"data" must have at least one CloudWatch alarm/));
    it("catches an alarm on another namespace that merely depends on the file system", () =>
        expectOneViolation(P, compliantStack().change("data-connections", (i) => (i.namespace = "AWS/ECS")).resources, "data", /no aws.cloudwatch.MetricAlarm reads an AWS\/EFS metric/));
    it("catches an alarm that names another file system's id", () =>
        expectOneViolation(
            P,
            compliantStack()
                .changeOutputs("data", (o) => (o.id = "fs-0123456789abcdef0"))
                .change("data-connections", (i) => (i.dimensions = { FileSystemId: "fs-0fedcba9876543210" })).resources.map((r) =>
                    r.name === "data-connections" ? { ...r, propertyDependencies: { alarmActions: r.propertyDependencies.alarmActions } } : r,
                ),
            "data",
            /at least one CloudWatch alarm/,
        ));
    it("catches an alarm without actions, and accepts it with requireActions: false", async () => {
        const silent = compliantStack().change("data-connections", (i) => (i.alarmActions = [])).resources;
        await expectOneViolation(P, silent, "data", /"data-connections".*no alarmActions/);
        await expectNoViolation(P, silent, { [P]: { requireActions: false } });
    });
});
