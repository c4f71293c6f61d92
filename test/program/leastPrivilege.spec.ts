/**
 * Least privilege where AWS offers it (issue 8), on the program's own resources for dev and prod under mocks:
 * trust policies against the confused deputy, PassRole only to ECS tasks, a drain task with a role of its own, and
 * a public load balancer that forwards only the upload API.
 */
import * as assert from "assert";
import { allOfType, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const statementsOf = (run: StackRun, name: string) => json(oneOfType(run, ROLE_POLICY, name).inputs.policy).Statement as any[];

for (const stack of ["dev", "prod"]) {
    describe(`least privilege, ${stack} stack (mocks)`, () => {
        let run: StackRun;
        before(async () => {
            run = await stackRun({ stack, overrides: stack === "prod" ? { ...PROD_UPDATE_OVERRIDES } : {} });
        });

        it("task roles trust ECS tasks only for this account and ECS resources of this region and account (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html)", () => {
            for (const name of ["app-task-role", "app-drain-task-role"]) {
                const [trust, ...rest] = json(oneOfType(run, ROLE, name).inputs.assumeRolePolicy).Statement;
                assert.strictEqual(rest.length, 0);
                assert.deepStrictEqual(trust.Principal, { Service: "ecs-tasks.amazonaws.com" });
                assert.deepStrictEqual(trust.Condition, {
                    StringEquals: { "aws:SourceAccount": "123456789012" },
                    ArnLike: { "aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*" },
                }, name);
            }
            const [execution] = json(oneOfType(run, ROLE, "app-execution-role").inputs.assumeRolePolicy).Statement;
            assert.deepStrictEqual(execution.Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
        });

        it("the scheduler may pass only the execution role and the drain task role, and only to ECS tasks", () => {
            const passRole = statementsOf(run, "app-drain-scheduler-access").find((s) => s.Action === "iam:PassRole");
            assert.deepStrictEqual(passRole.Resource, ["arn:aws:iam::123456789012:role/app-execution-role", "arn:aws:iam::123456789012:role/app-drain-task-role"]);
            assert.deepStrictEqual(passRole.Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
        });

        it("the drain task's role gets what `archive --once` needs: the access point read-write, write and read-back on the prefixes, no GetObjectVersion", () => {
            const drainPolicies = allOfType(run, ROLE_POLICY).filter((p) => p.name.startsWith("app-drain-") && p.name !== "app-drain-scheduler-access");
            assert.deepStrictEqual(drainPolicies.map((p) => p.name).sort(), ["app-drain-archive-read", "app-drain-archive-write", "app-drain-efs-app", "app-drain-queue-consume", "app-drain-queue-send"]);
            const [read] = statementsOf(run, "app-drain-archive-read");
            assert.deepStrictEqual(read.Action, ["s3:GetObject"]);
            assert.deepStrictEqual(statementsOf(run, "app-drain-efs-app")[0].Action, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
        });

        it("no S3 statement anywhere but in the bucket's own grants, and none with GetObjectAttributes or DeleteObject", () => {
            for (const p of allOfType(run, ROLE_POLICY)) {
                const text = String(p.inputs.policy);
                if (text.includes('"s3:')) {
                    assert.match(p.name, /-archive-(read|write)$/, `${p.name} writes S3 statements`);
                }
                assert.ok(!/GetObjectAttributes|DeleteObject|"s3:\*"/.test(text), p.name);
            }
        });

        it("the public load balancer forwards only the upload API's exact paths; /status, /metrics and everything else get its own 404 (ARCHITECTURE.md, the app contract)", () => {
            const serving = allOfType(run, "aws:lb/listener:Listener").filter((l) => (l.inputs as any).defaultActions?.[0]?.type !== "redirect");
            assert.strictEqual(serving.length, 1);
            assert.deepStrictEqual(serving[0].inputs.defaultActions, [
                { type: "fixed-response", fixedResponse: { contentType: "application/json", statusCode: "404", messageBody: '{"error":"not found"}' } },
            ]);
            const [rule, ...more] = allOfType(run, "aws:lb/listenerRule:ListenerRule");
            assert.strictEqual(more.length, 0);
            assert.strictEqual(rule.inputs.listenerArn, serving[0].outputs.arn);
            assert.deepStrictEqual(rule.inputs.conditions, [{ pathPattern: { values: ["/uploads", "/uploads/*-*-*-*-*"] } }]);
            assert.deepStrictEqual((rule.inputs as any).actions.map((a: any) => a.type), ["forward"]);
        });

        it("every listener rule stays within the ALB's fixed rule quotas, 5 condition values and 5 wildcards (* or ?) per rule, or CreateRule refuses it (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html)", () => {
            const rules = allOfType(run, "aws:lb/listenerRule:ListenerRule");
            assert.ok(rules.length > 0);
            for (const rule of rules) {
                const values = ((rule.inputs as any).conditions as any[]).flatMap((c) => Object.values(c).flatMap((v: any) => v?.values ?? []) as string[]);
                assert.ok(values.length <= 5, `${rule.name}: ${values.length} condition values`);
                const wildcards = values.join("").replace(/[^*?]/g, "").length;
                assert.ok(wildcards <= 5, `${rule.name}: ${wildcards} wildcards in ${JSON.stringify(values)}`);
            }
        });

        it("health checks are liveness on /healthz, for the target group and the container alike", () => {
            assert.strictEqual((oneOfType(run, "aws:lb/targetGroup:TargetGroup").inputs as any).healthCheck.path, "/healthz");
            const [container] = json(oneOfType(run, "aws:ecs/taskDefinition:TaskDefinition", "app-task").inputs.containerDefinitions);
            assert.match(container.healthCheck.command.join(" "), /\/healthz"/);
        });
    });
}
