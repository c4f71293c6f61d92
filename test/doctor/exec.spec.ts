/**
 * The doctor's exec check (issue 22) on handwritten API responses in the SDK's shapes: whether
 * `aws ecs execute-command` can open a session, and why not. DescribeTasks' `managedAgents`
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ManagedAgent.html), the simulator's results
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html).
 */
import * as assert from "assert";
import type { Service, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { EvaluationResult } from "@aws-sdk/client-iam";
import { checkExec, EXEC_SSM_ACTIONS } from "../../tools/doctor/checks/exec";
import { CHECK_IDS, CHECKS, runCheck } from "../../tools/doctor/checks";
import { Facts, known, unknown } from "../../tools/doctor/facts";

const ROLE = "arn:aws:iam::123456789012:role/app-task-role";
const service = (enableExecuteCommand: boolean): Service => ({ serviceName: "app-service", enableExecuteCommand });
const taskDefinition = (readonlyRootFilesystem: boolean): TaskDefinition => ({ family: "app", revision: 3, taskRoleArn: ROLE, containerDefinitions: [{ name: "app", readonlyRootFilesystem }] });
const task = (id: string, agent?: string): Task => ({
    taskArn: `arn:aws:ecs:us-east-1:123456789012:task/app-cluster/${id}`,
    containers: [{ name: "app", managedAgents: agent ? [{ name: "ExecuteCommandAgent", lastStatus: agent }] : [] }],
});
const allowed = (actions: readonly string[] = EXEC_SSM_ACTIONS, decision = "allowed"): EvaluationResult[] =>
    actions.map((a) => ({ EvalActionName: a, EvalResourceName: "*", EvalDecision: decision as EvaluationResult["EvalDecision"] }));
const facts = (o: { exec?: boolean; readOnly?: boolean; results?: EvaluationResult[]; tasks?: Task[] } = {}) => ({
    service: known(service(o.exec ?? true)),
    taskDefinition: known(taskDefinition(o.readOnly ?? false)),
    execSimulation: known({ roleArn: ROLE, results: o.results ?? allowed() }),
    runningTasks: known(o.tasks ?? [task("a1", "RUNNING")]),
});

describe("doctor: exec (ECS Exec possible, and why not)", () => {
    it("is a check the doctor runs and can skip", () => assert.ok(CHECK_IDS.includes("exec")));
    it("says exec is possible when the service has it on, the role may open channels and every task has its agent RUNNING", () => {
        const v = checkExec(facts({ tasks: [task("a1", "RUNNING"), task("a2", "RUNNING")] }));
        assert.strictEqual(v.ok, true);
        assert.match(v.detail, /possible in 2 running task\(s\).*--command id/);
    });
    it("reports exec off as the default, with how to turn it on, without asking anything else", () => {
        const v = checkExec({ service: known(service(false)), taskDefinition: unknown("x", ""), execSimulation: unknown("exec is off", ""), runningTasks: unknown("exec is off", "") });
        assert.strictEqual(v.ok, true);
        assert.match(v.detail, /not possible: service app-service has enableExecuteCommand off.*exec\.enabled true/);
    });
    it("names the ssmmessages actions the task role is denied", () => {
        const v = checkExec(facts({ results: [...allowed(EXEC_SSM_ACTIONS.slice(0, 2)), ...allowed(EXEC_SSM_ACTIONS.slice(2), "implicitDeny")] }));
        assert.strictEqual(v.ok, false);
        assert.match(v.detail, /may not ssmmessages:OpenControlChannel, ssmmessages:OpenDataChannel/);
    });
    it("names a read-only root, where the SSM agent cannot start", () => {
        const v = checkExec(facts({ readOnly: true }));
        assert.strictEqual(v.ok, false);
        assert.match(v.detail, /container\(s\) app run on a read-only root/);
    });
    it("names tasks without a RUNNING agent and asks for a new deployment", () => {
        const v = checkExec(facts({ tasks: [task("a1", "RUNNING"), task("b2"), task("c3", "STOPPED")] }));
        assert.strictEqual(v.ok, false);
        assert.match(v.detail, /2 of 3 running task\(s\) have no RUNNING ExecuteCommandAgent \(b2, c3\)/);
        assert.match(v.fix, /--force-new-deployment/);
    });
    it("reports no running task as a problem", () => assert.strictEqual(checkExec(facts({ tasks: [] })).ok, false));
    it("turns a simulation the caller may not run into a problem that says so", () => {
        const check = CHECKS.find((c) => c.id === "exec")!;
        const r = runCheck(check, { ...facts(), execSimulation: unknown("iam:SimulatePrincipalPolicy was denied to the caller (AccessDenied)", "let the caller call it") } as unknown as Facts);
        assert.strictEqual(r.ok, false);
        assert.match(r.detail, /could not check: iam:SimulatePrincipalPolicy was denied/);
    });
});
