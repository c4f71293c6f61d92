/**
 * Grants that compose (issue 9), on the components alone under mocks: the owner of a resource exposes the grants,
 * any number of consumers call them, the same grant twice is one grant, and resource policies only deny.
 * Same-account access needs the allow in one policy only, so allows live in identity policies:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
 */
import * as assert from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { ArchiveBucket, SharedFileSystem } from "../../components";

interface Registered {
    type: string;
    name: string;
    inputs: any;
}
let registered: Registered[] = [];

async function useMocks() {
    registered = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:aws:mock:us-east-1:123456789012:${args.name}`, name: args.name } };
            },
            call: (args) => (args.token === "aws:index/getRegion:getRegion" ? { region: "us-east-1", name: "us-east-1" } : args.inputs),
        },
        "fargate-efs-s3",
        "grants",
        false,
    );
}

/** Every registration settled (the engine's own outstanding-RPC count), then the custom resources of a type. */
async function ofType(type: string): Promise<Registered[]> {
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return registered.filter((r) => r.type === type);
}

const T = {
    fsPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};
const statements = (r: Registered) => JSON.parse(r.inputs.policy).Statement as any[];

function fileSystem(name = "shared") {
    return new SharedFileSystem(name, {
        vpcId: "vpc-1",
        subnets: [{ availabilityZone: "us-east-1a", subnetId: pulumi.output("subnet-1") }],
        accessPoints: { app: { path: "/app", uid: 1000, gid: 1000 }, reports: { path: "/reports", uid: 2000, gid: 2000 } },
    });
}
const role = (n: string) => new aws.iam.Role(n, { assumeRolePolicy: "{}" });
const group = (n: string) => new aws.ec2.SecurityGroup(n, { vpcId: "vpc-1" });

describe("grants that compose (issue 9, mocks)", () => {
    beforeEach(useMocks);

    describe("SharedFileSystem", () => {
        it("has its file-system policy from birth, before any grant: deny non-TLS, deny mounts bypassing an access point, no Allow", async () => {
            fileSystem();
            const [policy, ...more] = await ofType(T.fsPolicy);
            assert.strictEqual(more.length, 0);
            const [tls, bypass, ...rest] = statements(policy);
            assert.strictEqual(rest.length, 0);
            assert.deepStrictEqual([tls.Effect, tls.Principal, tls.Action, tls.Condition], ["Deny", "*", "*", { Bool: { "aws:SecureTransport": "false" } }]);
            assert.deepStrictEqual([bypass.Effect, bypass.Principal, bypass.Condition], ["Deny", "*", { Null: { "elasticfilesystem:AccessPointArn": "true" } }]);
            assert.ok(bypass.Action.includes("elasticfilesystem:ClientRootAccess") && bypass.Action.includes("elasticfilesystem:ClientMount"));
            assert.deepStrictEqual(await ofType(T.rolePolicy), []);
            assert.deepStrictEqual(await ofType(T.ingress), []);
        });

        it("grants two roles and two access points: still one file-system policy, one NFS rule pair per client group, one identity policy per role and access point", async () => {
            const fs = fileSystem();
            const web = { name: "web", role: role("web-role"), securityGroup: group("web-sg") };
            const worker = { name: "worker", role: role("worker-role"), securityGroup: group("worker-sg") };
            const webGrant = fs.grantAccess(web, "app");
            fs.grantAccess(worker, "app", { readOnly: true });
            fs.grantAccess(worker, "reports");
            assert.strictEqual(webGrant.volume.name, "efs-app");
            assert.deepStrictEqual(webGrant.posixUser, { uid: 1000, gid: 1000 });

            assert.strictEqual((await ofType(T.fsPolicy)).length, 1);
            assert.deepStrictEqual((await ofType(T.ingress)).map((r) => [r.name, r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId]), [
                ["web-nfs-ingress", 2049, 2049, "web-sg-id"],
                ["worker-nfs-ingress", 2049, 2049, "worker-sg-id"],
            ]);
            assert.deepStrictEqual((await ofType(T.egress)).map((r) => [r.name, r.inputs.securityGroupId]), [["web-nfs-egress", "web-sg-id"], ["worker-nfs-egress", "worker-sg-id"]]);

            const policies = Object.fromEntries((await ofType(T.rolePolicy)).map((r) => [r.name, r]));
            assert.deepStrictEqual(Object.keys(policies).sort(), ["web-efs-app", "worker-efs-app", "worker-efs-reports"]);
            const only = (name: string) => {
                const [s, ...rest] = statements(policies[name]);
                assert.strictEqual(rest.length, 0, name);
                return s;
            };
            assert.deepStrictEqual(only("web-efs-app").Action, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]);
            assert.deepStrictEqual(only("worker-efs-app").Action, ["elasticfilesystem:ClientMount"], "read-only: no ClientWrite");
            assert.deepStrictEqual(only("worker-efs-reports").Condition, {
                ArnEquals: { "elasticfilesystem:AccessPointArn": "arn:aws:mock:us-east-1:123456789012:shared-ap-reports" },
                Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
            });
            assert.strictEqual(policies["web-efs-app"].inputs.role, "web-role");
            assert.ok(!JSON.stringify(Object.values(policies).map((p) => p.inputs.policy)).includes("ClientRootAccess"), "never ClientRootAccess");
        });

        it("returns the same grant for the same role and access point, creating nothing more; refuses a conflicting second grant and an unknown access point", async () => {
            const fs = fileSystem();
            const web = { name: "web", role: role("web-role"), securityGroup: group("web-sg") };
            const first = fs.grantAccess(web, "app");
            assert.strictEqual(fs.grantAccess(web, "app"), first);
            assert.strictEqual((await ofType(T.rolePolicy)).length, 1);
            assert.strictEqual((await ofType(T.ingress)).length, 1);
            assert.throws(() => fs.grantAccess(web, "app", { readOnly: true }), (e: any) => pulumi.InputPropertyError.isInstance(e) && /already granted "web" access point "app" as read-write/.test(e.reason));
            assert.throws(() => fs.grantAccess({ ...web, role: role("other") }, "app"), (e: any) => pulumi.InputPropertyError.isInstance(e) && /"web" to another role/.test(e.reason));
            assert.throws(() => fs.grantAccess(web, "nope"), (e: any) => pulumi.InputPropertyError.isInstance(e) && /no access point "nope"; it has app, reports/.test(e.reason));
        });

        it("a second client in the same security group (the drain task) reuses the NFS rule pair instead of duplicating it", async () => {
            const fs = fileSystem();
            const sg = group("tasks-sg");
            fs.grantAccess({ name: "app", role: role("app-role"), securityGroup: sg }, "app");
            fs.grantAccess({ name: "drain", role: role("drain-role"), securityGroup: sg }, "app");
            assert.deepStrictEqual((await ofType(T.ingress)).map((r) => r.name), ["app-nfs-ingress"]);
            assert.deepStrictEqual((await ofType(T.rolePolicy)).map((r) => r.name).sort(), ["app-efs-app", "drain-efs-app"]);
        });
    });

    describe("ArchiveBucket", () => {
        const grantee = (n: string) => ({ name: n, role: role(`${n}-role`) });

        it("grantWrite allows PutObject and aborting multipart uploads on exactly the prefixes, never DeleteObject; no KMS without a key", async () => {
            new ArchiveBucket("archive", {}).grantWrite(grantee("app"), ["uploads/", "logs/"]);
            const [policy, ...more] = await ofType(T.rolePolicy);
            assert.strictEqual(more.length, 0);
            assert.strictEqual(policy.name, "app-archive-write");
            assert.deepStrictEqual(statements(policy), [
                {
                    Sid: "WriteObjects",
                    Effect: "Allow",
                    Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                    Resource: ["arn:aws:mock:us-east-1:123456789012:archive-bucket/logs/*", "arn:aws:mock:us-east-1:123456789012:archive-bucket/uploads/*"],
                },
            ]);
        });

        it("grantRead allows GetObject (and GetObjectVersion when asked) on the prefixes and ListBucket on the bucket; with a KMS key, Decrypt only through S3 in the region", async () => {
            const key = "arn:aws:kms:us-east-1:123456789012:key/1111";
            const bucket = new ArchiveBucket("archive", { kmsKeyArn: key });
            bucket.grantRead(grantee("app"), ["uploads/"], { versions: true });
            const drain = grantee("drain");
            bucket.grantRead(drain, ["uploads/"]);
            bucket.grantWrite(drain, ["uploads/"]);
            const policies = Object.fromEntries((await ofType(T.rolePolicy)).map((r) => [r.name, statements(r)]));
            const [read, list, kms] = policies["app-archive-read"];
            assert.deepStrictEqual(read.Action, ["s3:GetObject", "s3:GetObjectVersion"]);
            assert.deepStrictEqual([list.Action, list.Resource], ["s3:ListBucket", "arn:aws:mock:us-east-1:123456789012:archive-bucket"]);
            assert.deepStrictEqual(kms, { Sid: "UseBucketKeyThroughS3", Effect: "Allow", Action: ["kms:Decrypt"], Resource: key, Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } } });
            assert.deepStrictEqual(policies["drain-archive-read"][0].Action, ["s3:GetObject"], "no versions unless asked");
            assert.deepStrictEqual(policies["drain-archive-write"][1].Action, ["kms:GenerateDataKey", "kms:Decrypt"], "multipart uploads need Decrypt too");
        });

        it("returns the same grant for the same grantee and prefixes; refuses other prefixes under the same grantee and prefixes that are not relative and end in /", async () => {
            const bucket = new ArchiveBucket("archive", {});
            const app = grantee("app");
            const first = bucket.grantWrite(app, ["uploads/", "logs/"]);
            assert.strictEqual(bucket.grantWrite(app, ["logs/", "uploads/"]), first);
            assert.strictEqual((await ofType(T.rolePolicy)).length, 1);
            assert.throws(() => bucket.grantWrite(app, ["other/"]), (e: any) => pulumi.InputPropertyError.isInstance(e) && /already granted "app" write/.test(e.reason));
            for (const bad of [[], ["/abs/"], ["no-slash"], ["*"]]) {
                assert.throws(() => bucket.grantRead(grantee("x"), bad), (e: any) => pulumi.InputPropertyError.isInstance(e) && e.propertyPath === "prefixes", JSON.stringify(bad));
            }
        });
    });
});
