/**
 * The components used on their own (mocks): they refuse bad arguments before creating any child, and
 * their grants are proven in grants.spec.ts.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket, FargateService, Network, SharedFileSystem } from "../../components";

let created: string[] = [];

async function useMocks() {
    created = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                created.push(args.type);
                return { id: `${args.name}-id`, state: { ...args.inputs, arn: `arn:aws:test:::${args.name}`, name: args.name } };
            },
            call: (args) => args.inputs,
        },
        "fargate-efs-s3",
        "components",
        false,
    );
}

/** The custom resources registered so far; registration is asynchronous, so it waits for it to settle first. */
async function childrenOnly(from = 0): Promise<string[]> {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return created.slice(from).filter((t) => !t.startsWith("fargate-efs-s3:"));
}

describe("components on their own (mocks)", () => {
    beforeEach(useMocks);

    it("(control) a valid component's children are seen by this check", async () => {
        new ArchiveBucket("good", {});
        assert.ok((await childrenOnly()).includes("aws:s3/bucket:Bucket"), "the bucket was registered");
    });

    it("ArchiveBucket refuses a lifecycle S3 would reject, naming the rule, before creating anything", async () => {
        assert.throws(
            () => new ArchiveBucket("bad", { lifecycle: { transitions: [{ days: 10, storageClass: "STANDARD_IA" }], noncurrentTransitions: [], abortIncompleteMultipartUploadDays: 7 } }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.some((e) => e.propertyPath === "lifecycle.transitions[0].days"),
        );
        assert.deepStrictEqual(await childrenOnly(), []);
    });

    it("Network refuses a bad CIDR and a repeated AZ together, before creating anything", async () => {
        assert.throws(
            () => new Network("bad", { cidrBlock: "10.0.0.0/8", availabilityZoneNames: ["us-east-1a", "us-east-1a"] }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.map((e) => e.propertyPath).sort().join() === "availabilityZoneNames,cidrBlock",
        );
        assert.deepStrictEqual(await childrenOnly(), []);
    });

    it("SharedFileSystem refuses an access point at / and a root uid, before creating anything", async () => {
        assert.throws(
            () =>
                new SharedFileSystem("bad", {
                    vpcId: "vpc-1",
                    subnets: [{ availabilityZone: "us-east-1a", subnetId: pulumi.output("subnet-1") }],
                    accessPoints: { app: { path: "/", uid: 0, gid: 1000 } },
                }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.map((e) => e.propertyPath).sort().join() === "accessPoints.app.path,accessPoints.app.uid",
        );
        assert.deepStrictEqual(await childrenOnly(), []);
    });

    it("FargateService refuses plain HTTP unless opted out, and an impossible size, before creating anything", async () => {
        const fs = new SharedFileSystem("shared2", {
            vpcId: "vpc-1",
            subnets: [{ availabilityZone: "us-east-1a", subnetId: pulumi.output("subnet-1") }],
            accessPoints: { app: { path: "/app", uid: 1000, gid: 1000 } },
        });
        const bucket = new ArchiveBucket("b", {});
        await childrenOnly();
        const before = created.length;
        assert.throws(
            () =>
                new FargateService("svc", {
                    vpcId: "vpc-1",
                    publicSubnetIds: ["subnet-a"],
                    privateSubnetIds: ["subnet-b"],
                    fileSystem: fs,
                    accessPoint: "app",
                    bucket,
                    cpu: 256,
                    memory: 8192,
                }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.map((e) => e.propertyPath).sort().join() === "certificateArn,memory",
        );
        assert.deepStrictEqual(await childrenOnly(before), []);
    });
});
