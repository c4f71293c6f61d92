/**
 * The package's top-level component (issue 21): Construct of `fargate-efs-s3:index:Architecture`, as the provider
 * serves it (`ComponentProvider.construct`, what componentProviderHost answers a Construct call with), against the
 * SDK's mock monitor, builds the children `index.ts` builds for the same config: the same types, names (under the
 * component's name prefix), parents (under the component) and inputs. Only the app image's build context differs,
 * by design: the package builds `app/` from where the package is, not from the consuming program's directory.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import { readKeys } from "../../config/keys";
import { Architecture, CONFIG_KEYS_NOT_ARGUMENTS } from "../../package/architecture";
import { ArchiveBucket, LogAnalytics, Network, SharedFileSystem, WorkQueue } from "../../package/index";
import { installMocks, recordStack, registrationsSettled, REPO_ROOT, type RecordedResource } from "../../tools/stackRun";
import { flattenStackYaml } from "../../tools/stackConfigFile";

const TOKEN = "fargate-efs-s3:index:Architecture";
const NAME = "site";

/** The stack file's keys as the component's plain-data arguments (the values the program would read). */
function argumentsOf(stack: string, overrides: Record<string, string>): Record<string, unknown> {
    const raw = { ...flattenStackYaml(fs.readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")), ...overrides };
    const { values, problems } = readKeys(raw);
    assert.deepStrictEqual(problems, []);
    for (const key of CONFIG_KEYS_NOT_ARGUMENTS) delete (values as Record<string, unknown>)[key];
    return values;
}

/** A child as the comparison sees it: its URN, parent and inputs with the component's prefix taken out. */
function normalized(resources: readonly RecordedResource[], root: string | undefined, prefix: string) {
    // Physical names derived from a child's name carry the prefix too, in whatever form AWS allows (site-, site_).
    const strip = (text: string) => [`${TOKEN}$`, `${prefix}-`, `${prefix}_`].reduce((t, part) => t.split(part).join(""), text);
    return resources
        .filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== TOKEN && r.type !== "pulumi:providers:aws")
        .map((r) => {
            const inputs = JSON.parse(strip(JSON.stringify(r.inputs)));
            if (r.type === "awsx:ecr:Image") {
                delete inputs.context;
                delete inputs.dockerfile;
            }
            if (r.type === "aws:cloudwatch/dashboard:Dashboard") {
                delete inputs.dashboardName; // a physical name, unique per account and region: asserted on its own below
            }
            return { urn: strip(r.urn), type: r.type, parent: r.parent === root ? "<root>" : strip(r.parent ?? ""), inputs, dependencies: r.dependencies.map(strip).sort() };
        })
        .sort((a, b) => a.urn.localeCompare(b.urn));
}

/**
 * An output's value, or its error: what the provider server awaits when it serializes a Construct's state
 * (`OutputImpl.promise()`, internal to the SDK; `apply` would never run on a rejected output).
 */
const settled = <T>(output: unknown): Promise<T> => (output as { promise(): Promise<T> }).promise();

/** One provider for every case: it infers the schema (its outputs' definitions) once, as a served provider does. */
let shared: ComponentProvider | undefined;
const theProvider = () => (shared ??= new ComponentProvider({ name: "fargate-efs-s3", dirname: REPO_ROOT, components: [Architecture] }));

async function construct(stack: string, args: Record<string, unknown>) {
    const record = await installMocks({ stack, region: "us-east-1", preview: false });
    pulumi.runtime.setAllConfig({});
    const provider = theProvider();
    let urn: string | undefined;
    let state: Record<string, unknown> = {};
    await pulumi.runtime.runInPulumiStack(async () => {
        const result = await provider.construct(NAME, TOKEN, args as pulumi.Inputs, {});
        urn = await settled<string>(result.urn);
        state = Object.fromEntries(await Promise.all(Object.entries(result.state).map(async ([k, v]) => [k, await settled(v)])));
        return {};
    });
    await registrationsSettled();
    return { resources: record.resources, urn, state, image: record.resources.find((r) => r.type === "awsx:ecr:Image") };
}

describe("package: Construct of Architecture builds what index.ts builds", function () {
    this.timeout(300_000);
    // prod's placeholder certificate is refused by an update (as by pulumi up): both sides get a real-looking one.
    const certificate = { "fargate-efs-s3:certificateArn": "arn:aws:acm:us-east-1:210987654321:certificate/abcd1234-5678-90ab-cdef-1234567890ab" };
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the same children, inputs and dependencies under the component`, async () => {
            const overrides = stack === "prod" ? certificate : {};
            const viaIndex = await recordStack({ stack, overrides });
            const viaPackage = await construct(stack, argumentsOf(stack, overrides));
            assert.ok(viaPackage.urn?.endsWith(`::${TOKEN}::${NAME}`), `the component's URN: ${viaPackage.urn}`);
            const stackUrn = viaIndex.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
            const expected = normalized(viaIndex.resources, stackUrn, "\u0000");
            const actual = normalized(viaPackage.resources, viaPackage.urn, NAME);
            assert.strictEqual(actual.length, expected.length, "the number of children");
            assert.deepStrictEqual(actual, expected);
            // The outputs the component returns are the stack's outputs.
            assert.deepStrictEqual(Object.keys(viaPackage.state).filter((k) => viaPackage.state[k] !== undefined).sort(), Object.keys(viaIndex.outputs).sort());
        });
    }

    it("the dashboard (a physical name) is the component's own, so two Architectures can share a stack", async () => {
        const built = await construct("dev", argumentsOf("dev", {}));
        const dashboards = built.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard");
        assert.deepStrictEqual(dashboards.map((d) => d.inputs.dashboardName), ["fargate-efs-s3-dev-site"]);
        const viaIndex = await recordStack({ stack: "dev" });
        assert.deepStrictEqual(viaIndex.resources.filter((r) => r.type === "aws:cloudwatch/dashboard:Dashboard").map((d) => d.inputs.dashboardName), ["fargate-efs-s3-dev"]);
    });

    it("the app image is built from the package's own app/ wherever the consuming program runs", async () => {
        const built = await construct("dev", argumentsOf("dev", {}));
        assert.strictEqual(built.image?.inputs.context, REPO_ROOT);
        assert.strictEqual(built.image?.inputs.dockerfile, path.join(REPO_ROOT, "app", "Dockerfile"));
    });

    it("bad arguments are refused before any child is registered, every problem at once, each naming its argument", async () => {
        const record = await installMocks({ stack: "dev", region: "us-east-1", preview: true });
        const provider = theProvider();
        let error: any;
        await pulumi.runtime.runInPulumiStack(async () => {
            const result = await provider.construct(NAME, TOKEN, { azCount: 9, efsThroughputMode: "turbo" } as pulumi.Inputs, {});
            try {
                await settled(result.state.serviceUrl);
            } catch (e) {
                error = e;
            }
            return {};
        }).catch(() => undefined);
        await registrationsSettled();
        assert.ok(pulumi.InputPropertiesError.isInstance(error), `not an InputPropertiesError: ${error}`);
        // No certificate and no plain-HTTP opt-out is a problem too (named certificateArn), as for a stack.
        assert.deepStrictEqual(error.errors.map((e: { propertyPath: string }) => e.propertyPath).sort(), ["azCount", "certificateArn", "efsThroughputMode"]);
        assert.ok(!error.message.includes("fargate-efs-s3:"), `the message names arguments, not config keys: ${error.message}`);
        assert.deepStrictEqual(record.resources.filter((r) => r.type !== "pulumi:pulumi:Stack" && r.type !== TOKEN).map((r) => r.type), []);
    });
});

/**
 * The building blocks (issue 21): Construct of each with ids, ARNs and role names where the components take other
 * components' objects, as a program in another language calls it. Each builds its component as its one child, named
 * like it, and the component's children under that; the grants its clients ask for are made by the owner, on the
 * roles and security groups named by their ids.
 */
describe("package: Construct of the building blocks with ids, ARNs and role names", function () {
    this.timeout(300_000);
    let blocks: ComponentProvider | undefined;
    const provider = () =>
        (blocks ??= new ComponentProvider({ name: "fargate-efs-s3", dirname: REPO_ROOT, components: [Architecture, Network, SharedFileSystem, ArchiveBucket, WorkQueue, LogAnalytics] }));

    /** Constructs one building block as the provider does and returns its URN, its state and what was registered. */
    async function constructBlock(component: string, name: string, args: Record<string, unknown>, stack = "blocks", seen?: { retained: Set<string> }) {
        const record = await installMocks({ stack, region: "us-east-1", preview: false });
        if (seen) seen.retained = record.retainedOnDelete;
        pulumi.runtime.setAllConfig({});
        let urn = "";
        let state: Record<string, unknown> = {};
        await pulumi.runtime.runInPulumiStack(async () => {
            const result = await provider().construct(name, `fargate-efs-s3:index:${component}`, args as pulumi.Inputs, {});
            urn = await settled<string>(result.urn);
            state = Object.fromEntries(await Promise.all(Object.entries(result.state).map(async ([k, v]) => [k, await settled(v)])));
            return {};
        });
        await registrationsSettled();
        const inner = record.resources.filter((r) => r.parent === urn);
        assert.strictEqual(inner.length, 1, `${component} has one child, its component: ${inner.map((r) => r.urn).join(", ")}`);
        const children = record.resources.filter((r) => r.parent === inner[0].urn);
        const one = (type: string, childName?: string) => {
            const found = children.filter((r) => r.type === type && (childName === undefined || r.name === childName));
            assert.strictEqual(found.length, 1, `one ${type}${childName ? ` ${childName}` : ""} under ${inner[0].urn}; found ${found.map((r) => r.name).join(", ") || "none"}`);
            return found[0];
        };
        return { urn, state, inner: inner[0], children, one };
    }

    it("SharedFileSystem from a VPC id, subnet ids and a client's role name and security group id: mount targets, access point, the client's grant and NFS rules", async () => {
        const built = await constructBlock("SharedFileSystem", "files", {
            vpcId: "vpc-0a1b2c3d4e5f60718",
            subnets: [
                { availabilityZone: "us-east-1a", subnetId: "subnet-0aaa" },
                { availabilityZone: "us-east-1b", subnetId: pulumi.output("subnet-0bbb") },
            ],
            accessPoints: { app: { path: "/app", uid: 1000, gid: 1000 } },
            clients: [{ name: "reports", roleName: pulumi.output("reports-task-role"), securityGroupId: "sg-0c1c2c3c", accessPoint: "app", readOnly: true }],
        });
        assert.ok(built.urn.endsWith("::fargate-efs-s3:index:SharedFileSystem::files"), built.urn);
        assert.strictEqual(built.inner.type, "fargate-efs-s3:storage:SharedFileSystem");
        assert.strictEqual(built.inner.name, "files");
        assert.strictEqual(built.one("aws:ec2/securityGroup:SecurityGroup").inputs.vpcId, "vpc-0a1b2c3d4e5f60718");
        const mounts = built.children.filter((r) => r.type === "aws:efs/mountTarget:MountTarget").map((r) => [r.name, r.inputs.subnetId]);
        assert.deepStrictEqual(mounts.sort(), [["files-mount-us-east-1a", "subnet-0aaa"], ["files-mount-us-east-1b", "subnet-0bbb"]]);
        const ap = built.one("aws:efs/accessPoint:AccessPoint", "files-ap-app");
        assert.deepStrictEqual(ap.inputs.posixUser, { uid: 1000, gid: 1000 });
        // The client's grant: on the named role, ClientMount only (readOnly), through this access point.
        const grant = built.one("aws:iam/rolePolicy:RolePolicy", "reports-efs-app");
        assert.strictEqual(grant.inputs.role, "reports-task-role");
        const statements = JSON.parse(grant.inputs.policy as string).Statement;
        const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
        assert.ok(actions.includes("elasticfilesystem:ClientMount") && !actions.includes("elasticfilesystem:ClientWrite"), JSON.stringify(statements));
        assert.ok(JSON.stringify(statements).includes(String(built.state.accessPointArns && (built.state.accessPointArns as Record<string, string>).app)), "the grant names the access point's ARN");
        // NFS between the named group and the file system's, both ways, and nothing else.
        const ingress = built.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "reports-nfs-ingress");
        assert.deepStrictEqual([ingress.inputs.referencedSecurityGroupId, ingress.inputs.fromPort, ingress.inputs.toPort], ["sg-0c1c2c3c", 2049, 2049]);
        const egress = built.one("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "reports-nfs-egress");
        assert.deepStrictEqual([egress.inputs.securityGroupId, egress.inputs.fromPort], ["sg-0c1c2c3c", 2049]);
        assert.deepStrictEqual(Object.keys(built.state.accessPointIds as object), ["app"]);
        assert.strictEqual(built.state.fileSystemId, "files-fs-id");
    });

    it("SharedFileSystem: two clients in one security group (given by id) get one NFS rule pair, as AWS refuses a duplicate rule", async () => {
        const built = await constructBlock("SharedFileSystem", "files", {
            vpcId: "vpc-0a1b2c3d4e5f60718",
            subnets: [{ availabilityZone: "us-east-1a", subnetId: "subnet-0aaa" }],
            accessPoints: { app: { path: "/app", uid: 1000, gid: 1000 }, reports: { path: "/reports", uid: 1001, gid: 1001 } },
            clients: [
                { name: "web", roleName: "web-role", securityGroupId: "sg-0shared", accessPoint: "app" },
                { name: "batch", roleName: "batch-role", securityGroupId: "sg-0shared", accessPoint: "reports" },
            ],
        });
        assert.deepStrictEqual(built.children.filter((r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.name), ["web-nfs-ingress"]);
        assert.deepStrictEqual(built.children.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").map((r) => [r.name, r.inputs.role]).sort(), [["batch-efs-reports", "batch-role"], ["web-efs-app", "web-role"]]);
    });

    it("SharedFileSystem: bad arguments are refused as the component refuses them, each naming its argument", async () => {
        await assert.rejects(
            constructBlock("SharedFileSystem", "files", { vpcId: "vpc-1", subnets: [], accessPoints: { app: { path: "/", uid: 0, gid: 1000 } }, throughputMode: "turbo" }),
            (e: any) => {
                assert.ok(pulumi.InputPropertiesError.isInstance(e), String(e));
                assert.deepStrictEqual(e.errors.map((x: { propertyPath: string }) => x.propertyPath).sort(), ["accessPoints.app.path", "accessPoints.app.uid", "subnets", "throughputMode"]);
                return true;
            },
        );
    });

    it("ArchiveBucket: writers and readers by role name get the owner's grants on their prefixes; a bad lifecycle names lifecycle.*", async () => {
        const built = await constructBlock("ArchiveBucket", "archive", {
            retainOnDelete: false,
            writers: [{ name: "ingest", roleName: "ingest-role", prefixes: ["uploads/"] }],
            readers: [{ name: "reports", roleName: pulumi.output("reports-role"), prefixes: ["uploads/", "logs/"], versions: true }],
        });
        assert.ok(built.urn.endsWith("::fargate-efs-s3:index:ArchiveBucket::archive"), built.urn);
        assert.strictEqual(built.inner.type, "fargate-efs-s3:storage:ArchiveBucket");
        const write = built.one("aws:iam/rolePolicy:RolePolicy", "ingest-archive-write");
        assert.strictEqual(write.inputs.role, "ingest-role");
        assert.deepStrictEqual(JSON.parse(write.inputs.policy as string).Statement[0].Action, ["s3:PutObject", "s3:AbortMultipartUpload"]);
        const read = built.one("aws:iam/rolePolicy:RolePolicy", "reports-archive-read");
        assert.strictEqual(read.inputs.role, "reports-role");
        assert.deepStrictEqual(JSON.parse(read.inputs.policy as string).Statement[0].Action, ["s3:GetObject", "s3:GetObjectVersion"]);
        assert.strictEqual(built.one("aws:s3/bucket:Bucket").inputs.forceDestroy, true);
        assert.match(String(built.state.bucketName), /^archive-bucket-/);

        await assert.rejects(constructBlock("ArchiveBucket", "archive", { lifecycle: { transitions: [{ days: 10, storageClass: "GLACIER" }], notAField: 1 } }), (e: any) => {
            assert.ok(pulumi.InputPropertiesError.isInstance(e), String(e));
            assert.ok(e.errors.length > 0 && e.errors.every((x: { propertyPath: string }) => x.propertyPath.startsWith("lifecycle.")), JSON.stringify(e.errors));
            return true;
        });
    });

    it("WorkQueue: senders and consumers by role name get the owner's grants", async () => {
        const built = await constructBlock("WorkQueue", "work", {
            maxReceiveCount: 5,
            senders: [{ name: "api", roleName: "api-role" }],
            consumers: [{ name: "worker", roleName: "worker-role" }],
        });
        assert.strictEqual(built.inner.type, "fargate-efs-s3:messaging:WorkQueue");
        assert.deepStrictEqual(built.children.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").map((r) => [r.name, r.inputs.role]).sort(), [["api-queue-send", "api-role"], ["worker-queue-consume", "worker-role"]]);
        assert.strictEqual(JSON.parse(built.one("aws:sqs/queue:Queue", "work-queue").inputs.redrivePolicy as string).maxReceiveCount, 5);
        assert.strictEqual(built.state.maxReceiveCount, 5);
    });

    it("LogAnalytics from a bucket name: the workgroup writes its results under that bucket's athena-results/, SSE-KMS with the key given", async () => {
        const key = "arn:aws:kms:us-east-1:210987654321:key/0f1e2d3c-4b5a-6978-8899-aabbccddeeff";
        const built = await constructBlock("LogAnalytics", "logs", { bucketName: "archive-bucket-0123", bucketKmsKeyArn: key });
        assert.strictEqual(built.inner.type, "fargate-efs-s3:analytics:LogAnalytics");
        const result = (built.one("aws:athena/workgroup:Workgroup").inputs.configuration as any).resultConfiguration;
        assert.strictEqual(result.outputLocation, "s3://archive-bucket-0123/athena-results/");
        assert.deepStrictEqual(result.encryptionConfiguration, { encryptionOption: "SSE_KMS", kmsKeyArn: key });
    });

    it("Network from availability zone names: the VPC over them, the S3 endpoint on its private route tables", async () => {
        const built = await constructBlock("Network", "net", { availabilityZoneNames: ["us-east-1a", "us-east-1b"], natGateways: "Single" });
        assert.strictEqual(built.inner.type, "fargate-efs-s3:network:Network");
        const vpc = built.one("awsx:ec2:Vpc", "net-vpc");
        assert.deepStrictEqual([vpc.inputs.availabilityZoneNames, (vpc.inputs.natGateways as any).strategy], [["us-east-1a", "us-east-1b"], "Single"]);
        assert.strictEqual(built.one("aws:ec2/vpcEndpoint:VpcEndpoint").inputs.serviceName, "com.amazonaws.us-east-1.s3");
    });

    /** Each building block with a stack's settings (its Pulumi.<stack>.yaml) and the ids index.ts wires in under mocks. */
    function blocksOf(stack: "dev" | "prod", bucketName: unknown): Array<[component: string, name: string, args: Record<string, unknown>]> {
        const prod = stack === "prod";
        const zones = prod ? ["us-east-1a", "us-east-1b", "us-east-1c"] : ["us-east-1a", "us-east-1b"];
        return [
            ["Network", "network", { availabilityZoneNames: zones, natGateways: prod ? "OnePerAz" : "Single" }],
            [
                "SharedFileSystem",
                "shared",
                {
                    vpcId: "network-vpc-id",
                    subnets: zones.map((az) => ({ availabilityZone: az, subnetId: `network-vpc-private-${az}-id` })),
                    accessPoints: { app: { path: "/app", uid: 1000, gid: 1000 } },
                    retainOnDelete: prod,
                    backup: true,
                },
            ],
            [
                "ArchiveBucket",
                "archive",
                {
                    retainOnDelete: prod,
                    expiringPrefixes: { "athena-results/": 7 },
                    ...(prod
                        ? {
                              lifecycle: {
                                  transitions: [{ days: 90, storageClass: "GLACIER" }, { days: 365, storageClass: "DEEP_ARCHIVE" }],
                                  noncurrentTransitions: [{ days: 30, storageClass: "GLACIER" }],
                                  noncurrentExpirationDays: 365,
                                  abortIncompleteMultipartUploadDays: 7,
                              },
                          }
                        : {}),
                },
            ],
            ["WorkQueue", "work", {}],
            ["LogAnalytics", "logs", { bucketName, logQueryDays: prod ? 90 : 30, bytesScannedCutoffPerQuery: (prod ? 10240 : 100) * 1024 * 1024 }],
        ];
    }

    for (const stack of ["dev", "prod"] as const) {
        it(`${stack}: each building block, given ${stack}'s settings and the ids index.ts wires in, builds the children index.ts builds: types, names, inputs, dependencies, retainOnDelete`, async () => {
            const overrides: Record<string, string> = stack === "prod" ? { "fargate-efs-s3:certificateArn": "arn:aws:acm:us-east-1:210987654321:certificate/abcd1234-5678-90ab-cdef-1234567890ab" } : {};
            const viaIndex = await recordStack({ stack, overrides });
            const bucketName = viaIndex.resources.find((r) => r.type === "aws:s3/bucket:Bucket" && r.name === "archive-bucket")?.outputs.bucket;
            assert.ok(typeof bucketName === "string", `the archive bucket's name in ${stack}`);
            /** A resource without the wrapper in its URNs: what index.ts's stack would call it. */
            const strip = (text: string) => text.replace(/fargate-efs-s3:index:[A-Za-z]+\$/g, "");
            for (const [component, name, args] of blocksOf(stack, bucketName)) {
                const record = { retained: new Set<string>() };
                const built = await constructBlock(component, name, args, stack, record);
                const componentUrn = strip(built.inner.urn);
                // Dependencies among the component's own children; those on where an id came from (the VPC, the bucket)
                // are the caller's: here the ids are literals, and across the package the engine sends them with the inputs.
                const own = (urn: string) => urn.includes(`::${built.inner.type}$`);
                const view = (retained: ReadonlySet<string>) => (r: RecordedResource) => ({
                    urn: strip(r.urn),
                    inputs: r.inputs,
                    dependencies: r.dependencies.map(strip).filter(own).sort(),
                    retainOnDelete: retained.has(r.urn),
                });
                const expected = viaIndex.resources.filter((r) => r.parent === componentUrn).map(view(viaIndex.retainedOnDelete)).sort((a, b) => a.urn.localeCompare(b.urn));
                assert.ok(expected.length > 0, `index.ts builds ${componentUrn}`);
                const actual = built.children.map(view(record.retained)).sort((a, b) => a.urn.localeCompare(b.urn));
                assert.deepStrictEqual(actual, expected, `${component}'s children`);
            }
        });
    }
});
