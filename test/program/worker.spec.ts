/**
 * The article's background worker (issue 9): with `worker.enabled` (prod), a second Fargate service shares the one
 * file system through its own grant and role, writes only its prefixes, and has no load balancer and no ingress.
 * Prod is rendered as an update (a real-looking certificate), so every policy document is known.
 * https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as path from "path";
import { allOfType, deps, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun, StackRun } from "../mocks";

const T = {
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    fsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    service: "aws:ecs/service:Service",
};

/** The policy documents attached to a role, by policy name. */
function policiesOf(run: StackRun, roleName: string): Record<string, any> {
    const role = oneOfType(run, T.role, roleName);
    return Object.fromEntries(allOfType(run, T.rolePolicy).filter((p) => deps(p, "role").includes(role.urn)).map((p) => [p.name, json(p.inputs.policy)]));
}
const statement = (doc: any, sid: string) => (doc.Statement as any[]).find((s) => s.Sid === sid);

describe("program: the background worker shares the file system (prod, worker.enabled)", function () {
    this.timeout(120_000);
    const prod = () => stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });

    it("runs two services, each with its own task role", async () => {
        const run = await prod();
        assert.deepStrictEqual(allOfType(run, T.service).map((s) => s.name).sort(), ["app-service", "worker-service"]);
        const roleOf = (service: string) => oneOfType(run, "aws:ecs/taskDefinition:TaskDefinition", `${service}-task`).inputs.taskRoleArn;
        assert.notStrictEqual(roleOf("app"), roleOf("worker"));
        assert.match(String(roleOf("worker")), /worker-task-role/);
    });
    it("grants both roles the one access point read-write, under one file-system policy that denies any request without TLS", async () => {
        const run = await prod();
        for (const role of ["app-task-role", "worker-task-role"]) {
            const efs = Object.entries(policiesOf(run, role)).filter(([name]) => name.endsWith("-efs-app"));
            assert.strictEqual(efs.length, 1, `${role} has one EFS grant`);
            const actions = (efs[0][1].Statement as any[]).flatMap((s) => s.Action);
            assert.deepStrictEqual([...new Set(actions)].sort(), ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
        }
        const [fsPolicy] = allOfType(run, T.fsPolicy);
        assert.strictEqual(allOfType(run, T.fsPolicy).length, 1, "one FileSystemPolicy in total");
        const doc = json(fsPolicy.inputs.policy);
        assert.ok(!(doc.Statement as any[]).some((s) => s.Effect === "Allow"), "the resource policy allows nothing");
        assert.ok(
            (doc.Statement as any[]).some((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false"),
            "a request without TLS is denied, whichever role makes it",
        );
    });
    it("allows the worker exactly the archive and log prefixes: write and read back, no GetObjectVersion, no delete", async () => {
        const run = await prod();
        const bucketArn = oneOfType(run, "aws:s3/bucket:Bucket", "archive-bucket").outputs.arn as string;
        const worker = policiesOf(run, "worker-task-role");
        assert.deepStrictEqual(Object.keys(worker).sort(), ["worker-archive-read", "worker-archive-write", "worker-efs-app", "worker-queue-consume", "worker-queue-send"]);
        const write = statement(worker["worker-archive-write"], "WriteObjects");
        assert.deepStrictEqual(write.Action, ["s3:PutObject", "s3:AbortMultipartUpload"]);
        assert.deepStrictEqual(write.Resource, [`${bucketArn}/logs/*`, `${bucketArn}/uploads/*`]);
        const read = statement(worker["worker-archive-read"], "ReadObjects");
        assert.deepStrictEqual(read.Action, ["s3:GetObject"]);
        assert.deepStrictEqual(read.Resource, [`${bucketArn}/logs/*`, `${bucketArn}/uploads/*`]);
        const app = policiesOf(run, "app-task-role");
        assert.deepStrictEqual(statement(app["app-archive-read"], "ReadObjects").Action, ["s3:GetObject", "s3:GetObjectVersion"], "only the web tier presigns versioned downloads");
        assert.deepStrictEqual(statement(app["app-archive-write"], "WriteObjects").Resource, [`${bucketArn}/logs/*`, `${bucketArn}/uploads/*`]);
    });
    it("has no load balancer and no ingress rule: NFS ingress goes to the file system's group only", async () => {
        const run = await prod();
        const service = oneOfType(run, T.service, "worker-service").inputs;
        assert.deepStrictEqual(service.loadBalancers ?? [], []);
        const workerSg = oneOfType(run, "aws:ec2/securityGroup:SecurityGroup", "worker-sg");
        const into = allOfType(run, T.ingress).filter((r) => deps(r, "securityGroupId").includes(workerSg.urn));
        assert.deepStrictEqual(into.map((r) => r.name), []);
        const container = json<any[]>(oneOfType(run, "aws:ecs/taskDefinition:TaskDefinition", "worker-task").inputs.containerDefinitions)[0];
        assert.deepStrictEqual(container.command, ["work"]);
        assert.deepStrictEqual(container.portMappings, []);
        const env = Object.fromEntries((container.environment as any[]).map((e) => [e.name, e.value]));
        assert.strictEqual(env.HOST, "127.0.0.1", "the health port answers the container's own health check only");
    });
    it("dev leaves the worker off", async () => {
        const run = await stackRun({ stack: "dev" });
        assert.deepStrictEqual(allOfType(run, T.service).map((s) => s.name), ["app-service"]);
    });
    it("passes the policy pack with no mandatory violation, and the cost table prices the worker's Fargate hours", async () => {
        const out = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
            const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "tools/preview/plan.ts", "--stack", "prod", "--format", "json"], { cwd: path.join(__dirname, "..", "..") });
            let stdout = "";
            child.stdout.on("data", (d) => (stdout += d));
            child.once("error", reject);
            child.once("close", (code) => resolve({ code, stdout }));
        });
        assert.strictEqual(out.code, 0, out.stdout);
        const planned = JSON.parse(out.stdout);
        assert.deepStrictEqual(planned.diagnostics.filter((d: any) => d.enforcementLevel === "mandatory"), []);
        const vcpu = planned.cost.lines.find((l: any) => l.item === "Fargate vCPU (worker)");
        assert.ok(vcpu, "a worker vCPU line");
        assert.strictEqual(vcpu.quantity, 365, "1 task × 730 h × 0.5 vCPU");
    });
});
