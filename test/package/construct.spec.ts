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
