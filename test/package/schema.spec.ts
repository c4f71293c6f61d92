/**
 * The component package's schema (issue 21): the provider, started as the CLI starts it, answers GetSchema over gRPC
 * with every exposed component, its types, descriptions and required fields. The schema is the interface other
 * languages compile against: Architecture's arguments are the stack config's keys (config/keys.ts KEYS) as plain data;
 * the building blocks' are plain data, and ids, ARNs and role names where the components take other components.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { KEYS } from "../../config/keys";
import { parseLifecycle, parseWorker } from "../../config/sections";
import { parseCdn } from "../../config/delivery";
import { parseMonitoringSettings, Problem } from "../../components";
import * as pkg from "../../package/index"; // "../../package" would be package.json
import { CONFIG_KEYS_NOT_ARGUMENTS } from "../../package/architecture";
import { REPO_ROOT } from "../../tools/stackRun";
import { getSchema, ProviderProcess, startProvider } from "./providerProcess";

const TOKEN = "fargate-efs-s3:index:Architecture";

/**
 * A schema property in short: `string` (plain data), `string input` (takes another resource's output: an id, an ARN,
 * a name), `T[]`, `{T}` (a map), `Type` (an object type of the package), `?` when optional. Outputs are never plain:
 * their shapes leave ` input` out.
 */
function shape(prop: any, inputs = true): string {
    const base = prop.$ref
        ? String(prop.$ref).replace("#/types/fargate-efs-s3:index:", "")
        : prop.type === "array"
          ? `${shape({ ...prop.items, optional: false }, inputs)}[]`
          : prop.type === "object" && prop.additionalProperties
            ? `{${shape({ ...prop.additionalProperties, optional: false }, inputs)}}`
            : prop.type;
    return `${base}${prop.plain || !inputs ? "" : " input"}${prop.optional ? "?" : ""}`;
}

/** Each building block: its inputs and outputs in short, and the words its description must have. */
const BUILDING_BLOCKS: Record<string, { description: string; inputs: Record<string, string>; outputs: Record<string, string> }> = {
    Network: {
        description: "VPC with a public and a private subnet",
        inputs: { cidrBlock: "string?", availabilityZoneNames: "string[]", natGateways: "string?" },
        outputs: { vpcId: "string", publicSubnetIds: "string[]", privateSubnetIds: "string[]", s3EndpointId: "string" },
    },
    SharedFileSystem: {
        description: "EFS file system",
        inputs: {
            vpcId: "string input", subnets: "MountSubnet[]", accessPoints: "{FileSystemAccessPoint}", clients: "FileSystemClient[]?", kmsKeyArn: "string input?",
            performanceMode: "string?", throughputMode: "string?", provisionedThroughputMibps: "number?", transitionToIaDays: "number?", transitionToArchiveDays: "number?",
            replication: "ArchitectureEfsReplication?", backup: "boolean?", retainOnDelete: "boolean?",
        },
        outputs: { fileSystemId: "string", fileSystemArn: "string", securityGroupId: "string", accessPointIds: "{string}", accessPointArns: "{string}" },
    },
    ArchiveBucket: {
        description: "S3 bucket",
        inputs: { lifecycle: "ArchitectureLifecycle?", kmsKeyArn: "string input?", retainOnDelete: "boolean?", expiringPrefixes: "{number}?", writers: "BucketWriter[]?", readers: "BucketReader[]?" },
        outputs: { bucketName: "string", bucketArn: "string", bucketRegionalDomainName: "string" },
    },
    WorkQueue: {
        description: "dead-letter queue",
        inputs: { maxReceiveCount: "number?", messageRetentionDays: "number?", maxUploadBytes: "number?", kmsKeyArn: "string input?", senders: "QueueClient[]?", consumers: "QueueClient[]?" },
        outputs: {
            queueUrl: "string", queueArn: "string", queueName: "string", deadLetterQueueUrl: "string", deadLetterQueueArn: "string",
            maxReceiveCount: "number", visibilityTimeoutSeconds: "number",
        },
    },
    LogAnalytics: {
        description: "Athena workgroup",
        inputs: { bucketName: "string input", bucketKmsKeyArn: "string input?", logQueryDays: "number?", bytesScannedCutoffPerQuery: "number?" },
        outputs: { databaseName: "string", tableName: "string", workgroupName: "string" },
    },
};

/** The object types the building blocks' arguments use, their fields in short (what crosses languages as ids and names). */
const BUILDING_BLOCK_TYPES: Record<string, Record<string, string>> = {
    MountSubnet: { availabilityZone: "string", subnetId: "string input" },
    FileSystemAccessPoint: { path: "string", uid: "number", gid: "number", permissions: "string?" },
    FileSystemClient: { name: "string", roleName: "string input", securityGroupId: "string input", accessPoint: "string", readOnly: "boolean?" },
    BucketWriter: { name: "string", roleName: "string input", prefixes: "string[]" },
    BucketReader: { name: "string", roleName: "string input", prefixes: "string[]", versions: "boolean?" },
    QueueClient: { name: "string", roleName: "string input" },
};

/** A structured key's fields, as the program lists them when it refuses an unknown one. */
function fieldsFromRefusal(parse: (problems: Problem[]) => void): string[] {
    const problems: Problem[] = [];
    parse(problems);
    const reason = problems.find((p) => p.property.endsWith(".notAField"))?.reason ?? "";
    return reason.replace(/^.*; use /, "").split(",").map((f) => f.trim()).filter(Boolean).sort();
}

describe("package: GetSchema over the provider's gRPC interface", function () {
    this.timeout(300_000);
    let provider: ProviderProcess;
    let schema: any;
    before(async () => {
        provider = await startProvider();
        schema = await getSchema(provider.client);
    });
    after(async () => provider?.stop());

    const architecture = () => schema.resources[TOKEN];
    const typeOf = (ref: string) => schema.types[ref.replace("#/types/", "")];

    it("exposes exactly the component classes package/index.ts exports, each as fargate-efs-s3:index:<Class>", () => {
        const exported = Object.entries(pkg).filter(([, v]) => typeof v === "function").map(([k]) => `fargate-efs-s3:index:${k}`).sort();
        assert.deepStrictEqual(Object.keys(schema.resources).sort(), exported);
        assert.deepStrictEqual(exported, ["Architecture", ...Object.keys(BUILDING_BLOCKS)].map((c) => `fargate-efs-s3:index:${c}`).sort());
    });

    it("names the package fargate-efs-s3 and exposes the Architecture component", () => {
        assert.strictEqual(schema.name, "fargate-efs-s3");
        assert.ok(architecture(), `no ${TOKEN} in ${Object.keys(schema.resources)}`);
        assert.strictEqual(architecture().isComponent, true);
        assert.ok(architecture().description?.includes("whole architecture"), "the component's description");
    });

    it("Architecture takes every stack config key as an argument (usage aside), each described, none required", () => {
        const inputs: Record<string, any> = architecture().inputProperties;
        const want = Object.keys(KEYS).filter((k) => !(CONFIG_KEYS_NOT_ARGUMENTS as readonly string[]).includes(k));
        assert.deepStrictEqual(
            [...want.filter((k) => !(k in inputs)).map((k) => `config key ${k} is not an argument of Architecture (add it to ArchitectureArgs in package/architecture.ts)`), ...Object.keys(inputs).filter((k) => !want.includes(k)).map((k) => `argument ${k} is no config key`)],
            [],
        );
        for (const [name, prop] of Object.entries(inputs)) {
            assert.ok(typeof prop.description === "string" && prop.description.length > 10, `${name}: no description`);
            assert.strictEqual(prop.plain, true, `${name}: plain data, as a stack config value is`);
        }
        assert.deepStrictEqual(architecture().requiredInputs ?? [], []);
    });

    it("each argument has the type of its config key's kind", () => {
        const inputs: Record<string, any> = architecture().inputProperties;
        const schemaType = { string: "string", integer: "number", number: "number", boolean: "boolean" } as Record<string, string>;
        const problems: string[] = [];
        for (const [key, kind] of Object.entries(KEYS as Record<string, string>)) {
            const prop = inputs[key];
            if (!prop) continue;
            if (kind === "object" ? !String(prop.$ref).startsWith("#/types/") : prop.type !== schemaType[kind]) {
                problems.push(`${key}: a ${kind} key, in the schema ${JSON.stringify(prop)}`);
            }
        }
        assert.deepStrictEqual(problems, []);
    });

    it("a structured argument's type has exactly the fields the program accepts, enabled required where the config requires it", () => {
        const structured: Record<string, { fields: string[]; required: string[] }> = {
            worker: { fields: fieldsFromRefusal((p) => parseWorker({ enabled: false, notAField: 1 }, p)), required: ["enabled"] },
            cdn: { fields: fieldsFromRefusal((p) => parseCdn({ enabled: false, notAField: 1 }, undefined, p)), required: ["enabled"] },
            monitoring: { fields: fieldsFromRefusal((p) => parseMonitoringSettings({ notAField: 1 }, p)), required: [] },
            archiveLifecycle: { fields: fieldsFromRefusal((p) => parseLifecycle({ notAField: 1 }, p)), required: [] },
        };
        for (const [key, { fields, required }] of Object.entries(structured)) {
            const type = typeOf(architecture().inputProperties[key].$ref);
            assert.deepStrictEqual(Object.keys(type.properties).sort(), fields, `${key}'s fields`);
            assert.deepStrictEqual((type.required ?? []).sort(), required, `${key}'s required fields`);
            for (const [field, prop] of Object.entries<any>(type.properties)) {
                assert.ok(prop.description, `${key}.${field}: no description`);
            }
        }
        const transition = typeOf(typeOf(architecture().inputProperties.archiveLifecycle.$ref).properties.transitions.items.$ref);
        assert.deepStrictEqual((transition.required ?? []).sort(), ["days", "storageClass"]);
    });

    it("Architecture's outputs are the stack outputs, the always-present ones required", () => {
        const outputs: Record<string, any> = architecture().properties;
        assert.deepStrictEqual(Object.keys(outputs).sort(), [
            "accessPointId", "alarmTopicArn", "athenaDatabase", "athenaWorkgroup", "bucketName", "cdnBaseUrl", "clusterName", "dashboardName", "deadLetterQueueUrl",
            "fileSystemId", "logGroupName", "queueUrl", "serviceName", "serviceUrl", "vpcId", "workerServiceName",
        ]);
        assert.deepStrictEqual([...architecture().required].sort(), [
            "accessPointId", "alarmTopicArn", "bucketName", "clusterName", "dashboardName", "deadLetterQueueUrl", "fileSystemId", "logGroupName", "queueUrl", "serviceName", "serviceUrl", "vpcId",
        ]);
        for (const [name, prop] of Object.entries(outputs)) {
            assert.strictEqual(prop.type, "string", name);
            assert.ok(prop.description, `${name}: no description`);
        }
    });

    for (const [component, want] of Object.entries(BUILDING_BLOCKS)) {
        const token = `fargate-efs-s3:index:${component}`;
        it(`${component}: a component, described, its arguments plain data or ids/ARNs/names as inputs, each described`, () => {
            const resource = schema.resources[token];
            assert.ok(resource, `no ${token}`);
            assert.strictEqual(resource.isComponent, true);
            assert.ok(resource.description?.includes(want.description), `${component}'s description: ${resource.description}`);
            const inputs: Record<string, any> = resource.inputProperties;
            assert.deepStrictEqual(Object.fromEntries(Object.entries(inputs).map(([k, p]) => [k, shape(p)])), want.inputs);
            for (const [name, prop] of Object.entries(inputs)) {
                assert.ok(typeof prop.description === "string" && prop.description.length > 10, `${component}.${name}: no description`);
            }
        });

        it(`${component}: the arguments without a default are required, the others are not`, () => {
            const required = Object.entries(want.inputs).filter(([, s]) => !s.endsWith("?")).map(([k]) => k).sort();
            assert.deepStrictEqual([...(schema.resources[token].requiredInputs ?? [])].sort(), required);
        });

        it(`${component}: its outputs, typed, described and all required`, () => {
            const outputs: Record<string, any> = schema.resources[token].properties;
            assert.deepStrictEqual(Object.fromEntries(Object.entries(outputs).map(([k, p]) => [k, shape(p, false)])), want.outputs);
            for (const [name, prop] of Object.entries(outputs)) {
                assert.ok(prop.description, `${component}.${name}: no description`);
            }
            assert.deepStrictEqual([...schema.resources[token].required].sort(), Object.keys(want.outputs).sort());
        });
    }

    // A type's own doc comment does not reach the schema (the SDK's generateSchema keeps only its properties), so
    // what describes a type is its fields' descriptions and the argument's that uses it.
    it("the building blocks' object types: their fields (ids and role names as inputs), each described, the ones without a default required", () => {
        for (const [name, fields] of Object.entries(BUILDING_BLOCK_TYPES)) {
            const type = typeOf(`#/types/fargate-efs-s3:index:${name}`);
            assert.ok(type, `no type ${name}`);
            assert.deepStrictEqual(Object.fromEntries(Object.entries<any>(type.properties).map(([k, p]) => [k, shape(p)])), fields, `${name}'s fields`);
            for (const [field, prop] of Object.entries<any>(type.properties)) {
                assert.ok(prop.description, `${name}.${field}: no description`);
            }
            assert.deepStrictEqual([...(type.required ?? [])].sort(), Object.entries(fields).filter(([, s]) => !s.endsWith("?")).map(([k]) => k).sort(), `${name}'s required fields`);
        }
    });

    it("every example program (YAML, and the Python one's keyword arguments) uses only exposed components and their arguments, with every required one", () => {
        const problems: string[] = [];
        /** A value against its schema property: the fields of the package's object types, recursively. */
        const check = (value: unknown, prop: any, where: string): void => {
            if (typeof value === "string" && value.includes("${")) return; // an output of another resource
            const ref = String(prop.$ref ?? "");
            if (ref.startsWith("#/types/")) {
                const type = typeOf(ref);
                if (type.type !== "object" || !value || typeof value !== "object") return;
                fields(value as Record<string, unknown>, type.properties, type.required ?? [], where);
            } else if (prop.type === "array" && Array.isArray(value)) {
                value.forEach((item, i) => check(item, prop.items, `${where}[${i}]`));
            } else if (prop.additionalProperties && value && typeof value === "object") {
                for (const [k, v] of Object.entries(value)) check(v, prop.additionalProperties, `${where}.${k}`);
            }
        };
        const fields = (value: Record<string, unknown>, properties: Record<string, any>, required: string[], where: string) => {
            for (const [k, v] of Object.entries(value)) {
                if (!(k in properties)) problems.push(`${where}.${k}: no such argument`);
                else check(v, properties[k], `${where}.${k}`);
            }
            for (const k of required) if (!(k in value)) problems.push(`${where}.${k}: required, missing`);
        };
        const examples = fs.readdirSync(path.join(REPO_ROOT, "examples")).filter((d) => fs.existsSync(path.join(REPO_ROOT, "examples", d, "Pulumi.yaml")));
        const used = new Set<string>();
        for (const example of examples) {
            const program = parseYaml(fs.readFileSync(path.join(REPO_ROOT, "examples", example, "Pulumi.yaml"), "utf8"));
            for (const [name, resource] of Object.entries<any>(program.resources ?? {})) {
                if (!String(resource.type).startsWith("fargate-efs-s3:")) continue;
                const token = `fargate-efs-s3:index:${String(resource.type).split(":").pop()}`;
                const component = schema.resources[token];
                if (!component) {
                    problems.push(`${example}/${name}: ${resource.type} is not exposed`);
                    continue;
                }
                used.add(token);
                fields(resource.properties ?? {}, component.inputProperties, component.requiredInputs ?? [], `${example}/${name}`);
            }
        }
        // The Python example (examples/python/__main__.py): each keyword argument of a component the SDK generates is
        // the snake_case of one of that component's inputs (Python codegen's naming), every required one given.
        const python = path.join(REPO_ROOT, "examples", "python", "__main__.py");
        const source = fs.readFileSync(python, "utf8");
        const calls = [...source.matchAll(/fargate_efs_s3\.(\w+)\(\s*"[^"]*",([^)]*)\)/g)];
        assert.ok(calls.length > 0, "examples/python/__main__.py constructs a component of the package");
        const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        for (const [, cls, args] of calls) {
            const component = schema.resources[`fargate-efs-s3:index:${cls}`];
            if (!component) {
                problems.push(`python: ${cls} is not exposed`);
                continue;
            }
            used.add(`fargate-efs-s3:index:${cls}`);
            const given = [...args.matchAll(/^\s*(\w+)=/gm)].map((m) => m[1]);
            const inputs = new Map(Object.keys(component.inputProperties).map((k) => [snake(k), k]));
            for (const g of given) if (!inputs.has(g)) problems.push(`python: ${cls}(${g}=…): no such argument`);
            for (const k of component.requiredInputs ?? []) if (!given.includes(snake(k))) problems.push(`python: ${cls}: ${snake(k)} required, missing`);
        }
        assert.deepStrictEqual(problems, []);
        // Architecture and at least one building block wired by ids are shown.
        assert.ok(used.has(TOKEN) && used.has("fargate-efs-s3:index:SharedFileSystem"), `the examples use ${[...used].join(", ")}`);
    });
});
