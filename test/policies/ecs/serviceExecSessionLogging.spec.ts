/**
 * ecs-service-exec-session-logging (issue 22): a service with ECS Exec enabled runs in a cluster that logs every
 * session to a destination of its own (CloudWatch Logs or S3), joined by the service's `cluster` dependency.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
 */
import { compliantStack, Stack, U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const P = "ecs-service-exec-session-logging";

/** The compliant stack with exec on: a cluster logging to an encrypted log group, and the service in it. */
function execStack(): Stack {
    const stack = compliantStack()
        .add("aws:cloudwatch/logGroup:LogGroup", "exec-sessions", { inputs: { retentionInDays: 30, kmsKeyId: U }, outputs: { retentionInDays: 30, kmsKeyId: U, id: U, arn: U, name: U } })
        .add("aws:ecs/cluster:Cluster", "cluster", {
            inputs: { configuration: { executeCommandConfiguration: { logging: "OVERRIDE", logConfiguration: { cloudWatchLogGroupName: U, cloudWatchEncryptionEnabled: true } } } },
            deps: { configuration: ["exec-sessions"] },
        });
    const service = stack.get("app-service");
    service.propertyDependencies.cluster = [stack.urn("cluster")];
    return stack.change("app-service", (i) => Object.assign(i, { cluster: U, enableExecuteCommand: true }));
}

describe(P, () => {
    it("passes a service with exec whose cluster logs sessions to a log group (its name unknown in a preview)", () => expectNoViolation(P, execStack().resources));
    it("passes a service with exec whose cluster logs sessions to S3", () =>
        expectNoViolation(P, execStack().change("cluster", (i) => (i.configuration.executeCommandConfiguration.logConfiguration = { s3BucketName: "archive-bucket", s3KeyPrefix: "exec-sessions" })).resources));
    it("passes a service with exec off, whatever its cluster logs", () =>
        expectNoViolation(P, execStack().change("app-service", (i) => (i.enableExecuteCommand = false)).change("cluster", (i) => (i.configuration.executeCommandConfiguration.logging = "NONE")).resources));
    it("catches exec in a cluster that logs no session (logging NONE)", () =>
        expectOneViolation(P, execStack().change("cluster", (i) => (i.configuration.executeCommandConfiguration = { logging: "NONE" })).resources, "app-service", /"app-service" has ECS Exec enabled.*"NONE"/, {
            fix: /logging: "OVERRIDE"/,
            level: "advisory",
        }));
    it("catches exec in a cluster without executeCommandConfiguration (DEFAULT: no destination of its own)", () =>
        expectOneViolation(P, execStack().change("cluster", (i) => delete i.configuration).resources, "app-service", /leaves executeCommandConfiguration.logging at "DEFAULT"/));
    it("catches an OVERRIDE that names no destination", () =>
        expectOneViolation(P, execStack().change("cluster", (i) => (i.configuration.executeCommandConfiguration.logConfiguration = { cloudWatchEncryptionEnabled: true })).resources, "app-service", /names neither cloudWatchLogGroupName nor s3BucketName/));
    it("treats enableExecuteCommand unknown during preview as enabled", () =>
        expectOneViolation(
            P,
            execStack().change("app-service", (i) => (i.enableExecuteCommand = U)).change("cluster", (i) => (i.configuration.executeCommandConfiguration.logging = "NONE")).resources,
            "app-service",
            /or may: enableExecuteCommand is unknown/,
        ));
    it("reports exec on a cluster outside the stack as unchecked", () =>
        expectOneViolation(P, execStack().remove("cluster").change("app-service", (i) => (i.cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/elsewhere")).resources.map((r) => (r.name === "app-service" ? { ...r, propertyDependencies: { taskDefinition: r.propertyDependencies.taskDefinition } } : r)), "app-service", /cluster is not in this stack/));
});
