/**
 * The components used on their own (mocks): they refuse bad arguments before creating any child, and
 * their grants are proven in grants.spec.ts.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket, FargateService, Network, SharedFileSystem, WorkQueue } from "../../components";
import { MockRecord, registrationsSettled, useMocks } from "../mocks";

let record: MockRecord;

/**
 * The types of the custom resources registered from `from` on. Registration is asynchronous, so it first waits for
 * every registration the constructors started to be answered (the engine's own condition), never for a duration.
 */
async function childrenOnly(from = 0): Promise<string[]> {
    await registrationsSettled();
    return record.resources.slice(from).filter((r) => r.custom).map((r) => r.type);
}

describe("components on their own (mocks)", () => {
    beforeEach(async () => {
        record = await useMocks();
    });

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
        const queue = new WorkQueue("q");
        await childrenOnly();
        const before = record.resources.length;
        assert.throws(
            () =>
                new FargateService("svc", {
                    vpcId: "vpc-1",
                    publicSubnetIds: ["subnet-a"],
                    privateSubnetIds: ["subnet-b"],
                    fileSystem: fs,
                    accessPoint: "app",
                    bucket,
                    queue,
                    cpu: 256,
                    memory: 8192,
                }),
            (err: any) => pulumi.InputPropertiesError.isInstance(err) && err.errors.map((e) => e.propertyPath).sort().join() === "certificateArn,memory",
        );
        assert.deepStrictEqual(await childrenOnly(before), []);
    });
});
