/**
 * Whether `aws ecs execute-command` can open a session in the service's tasks, and why not: the source article's
 * "check container user" step, on Fargate, is `aws ecs execute-command … --command id` (README, "ECS Exec").
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html
 */
import type { Service, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import { EXEC_SSM_ACTIONS } from "../../../components/execAccess";
import { ExecSimulation, Facts, need, ok, problem, Verdict } from "../facts";

export { EXEC_SSM_ACTIONS };

/** The managed agent ECS starts in each container of a task launched with exec enabled. */
const EXEC_AGENT = "ExecuteCommandAgent";

/** Why exec cannot work, each with its fix; empty when it can. */
function blockers(service: Service, td: TaskDefinition, sim: ExecSimulation, tasks: readonly Task[]): { why: string; fix: string }[] {
    const found: { why: string; fix: string }[] = [];
    const denied = EXEC_SSM_ACTIONS.filter((a) => sim.results.find((r) => r.EvalActionName === a)?.EvalDecision !== "allowed");
    if (denied.length > 0) {
        found.push({ why: `the task role ${sim.roleArn} may not ${denied.join(", ")}`, fix: "allow the four ssmmessages actions on the task role (exec.enabled: true grants them), then pulumi up" });
    }
    const readOnly = (td.containerDefinitions ?? []).filter((c) => c.readonlyRootFilesystem === true).map((c) => c.name);
    if (readOnly.length > 0) {
        found.push({ why: `container(s) ${readOnly.join(", ")} run on a read-only root file system, where the SSM agent cannot start`, fix: "exec.enabled: true makes the root writable for the app container; redeploy" });
    }
    const stale = tasks.filter((t) => !(t.containers ?? []).some((c) => (c.managedAgents ?? []).some((a) => a.name === EXEC_AGENT && a.lastStatus === "RUNNING")));
    if (stale.length > 0) {
        found.push({
            why: `${stale.length} of ${tasks.length} running task(s) have no RUNNING ${EXEC_AGENT} (${stale.map((t) => t.taskArn?.split("/").pop()).join(", ")}): started before exec was enabled, or the agent failed`,
            fix: `aws ecs update-service --cluster <cluster> --service ${service.serviceName} --force-new-deployment (exec applies to tasks started after it is enabled)`,
        });
    }
    return found;
}

export function checkExec(f: Pick<Facts, "service" | "taskDefinition" | "execSimulation" | "runningTasks">): Verdict {
    const service = need(f.service);
    if (service.enableExecuteCommand !== true) {
        // The secure default: not a problem, but say what it means and how to turn it on.
        return ok(
            `exec is not possible: service ${service.serviceName} has enableExecuteCommand off (the default). To open a shell: ` +
                "pulumi config set --path exec.enabled true, pulumi up, then aws ecs execute-command --cluster <cluster> --task <task> --container app --interactive --command id",
        );
    }
    const td = need(f.taskDefinition);
    const sim = need(f.execSimulation);
    const tasks = need(f.runningTasks);
    const found = blockers(service, td, sim, tasks);
    if (found.length > 0) {
        return problem(`exec is enabled on ${service.serviceName} but not possible: ${found.map((b) => b.why).join("; ")}`, found.map((b) => b.fix).join("; "));
    }
    if (tasks.length === 0) {
        return problem(`exec is enabled on ${service.serviceName}, but no task is running to open a session in`, "wait for the service to start a task (desiredCount ≥ 1), or look at stopped-tasks");
    }
    return ok(`exec is possible in ${tasks.length} running task(s) of ${service.serviceName}: aws ecs execute-command --cluster <cluster> --task <task> --container app --interactive --command id`);
}
