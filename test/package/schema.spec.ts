/**
 * The component package's schema (issue 21): the provider, started as the CLI starts it, answers GetSchema over gRPC
 * with every exposed component, its types, descriptions and required fields. The schema is the interface other
 * languages compile against: its arguments are the stack config's keys (config/keys.ts KEYS) as plain data.
 */
import * as assert from "assert";
import { KEYS } from "../../config/keys";
import { parseLifecycle, parseWorker } from "../../config/sections";
import { parseCdn } from "../../config/delivery";
import { parseMonitoringSettings, Problem } from "../../components";
import { CONFIG_KEYS_NOT_ARGUMENTS } from "../../package/architecture";
import { getSchema, ProviderProcess, startProvider } from "./providerProcess";

const TOKEN = "fargate-efs-s3:index:Architecture";

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
});
