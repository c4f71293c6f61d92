/**
 * Declared config (issue 21): Pulumi.yaml's project `config:` declarations, the keys the program reads
 * (config/keys.ts `KEYS`) and the README's configuration table name the same keys, and what the declarations say
 * (type, default, the fields of a structured key) is what the program does.
 *
 * What the CLI does with a declaration (pulumi/pulumi pkg/workspace/config.go): a declared `default` is written into
 * every stack that leaves the key out; a declared key of the project's namespace without a default is required;
 * a typed key's stack value must be of that type (sdk/go/common/workspace/project.go ValidateConfigValue). The
 * project schema (sdk/go/common/workspace/project.json, simpleConfigType) allows string, integer, boolean, array and
 * object: there is no fractional number type.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { KEYS, NAMESPACE } from "../../config/keys";
import { parseLifecycle, parseUsage, parseWorker } from "../../config/sections";
import { parseCdn } from "../../config/delivery";
import { parseWorkQueue } from "../../config/queue";
import { parseMonitoringSettings, Problem } from "../../components";
import { recordStack, REPO_ROOT } from "../../tools/stackRun";

interface Declaration {
    type?: string;
    description?: string;
    default?: unknown;
    secret?: boolean;
    items?: unknown;
}

const project = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
/** The project's own keys as declared (Pulumi.yaml may also set other namespaces' keys, like pulumi:tags). */
const declared: Record<string, Declaration> = Object.fromEntries(
    Object.entries(project.config as Record<string, Declaration>).filter(([key]) => !key.includes(":") || key.startsWith(`${NAMESPACE}:`)),
);
const read = KEYS as Readonly<Record<string, string>>;

/** The Pulumi type a declaration gives a key of each kind KEYS knows; undefined: declared without a type. */
function expectedType(kind: string, declaration: Declaration): string | undefined {
    if (kind === "number") return undefined; // Pulumi has no fractional number type
    if (declaration.default === "") return kind === "string" ? "string" : undefined; // "" is no integer
    return kind;
}

/** The README's "Configuration reference" table: every key its rows name (`a` / `b` rows name two). */
function readmeKeys(): Set<string> {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.split("## Configuration reference")[1]?.split("\n## ")[0] ?? "";
    const keys = new Set<string>();
    for (const line of section.split("\n")) {
        const cell = line.startsWith("| `") ? line.split("|")[1] : undefined;
        for (const match of cell?.matchAll(/`([^`]+)`/g) ?? []) keys.add(match[1]);
    }
    keys.delete("aws:region");
    return keys;
}

/** A structured key's fields, as the program itself lists them when it refuses an unknown one. */
function fieldsFromRefusal(parse: (problems: Problem[]) => void): string[] {
    const problems: Problem[] = [];
    parse(problems);
    const reason = problems.find((p) => p.property.endsWith(".notAField"))?.reason ?? "";
    return reason.replace(/^.*; use /, "").split(",").map((f) => f.trim()).filter(Boolean);
}

describe("declared config: Pulumi.yaml, config/keys.ts and the README name the same keys", () => {
    it("every key the program reads is declared in Pulumi.yaml's config:", () => {
        const missing = Object.keys(read).filter((key) => !(key in declared));
        assert.deepStrictEqual(
            missing.map((key) => `${NAMESPACE}:${key} is read by config/keys.ts (KEYS) but not declared in Pulumi.yaml config: (add "${key}:" with type, description and default)`),
            [],
        );
    });

    it("every declared key is one the program reads", () => {
        const extra = Object.keys(declared).filter((key) => !(key in read));
        assert.deepStrictEqual(
            extra.map((key) => `${NAMESPACE}:${key} is declared in Pulumi.yaml config: but config/keys.ts KEYS does not read it (add it to KEYS, or remove the declaration)`),
            [],
        );
    });

    it("every key the program reads has a row in the README's configuration reference, and every row is a key", () => {
        const rows = readmeKeys();
        const problems = [
            ...Object.keys(read).filter((key) => !rows.has(key)).map((key) => `${NAMESPACE}:${key} is read by config/keys.ts but has no row in README.md "Configuration reference"`),
            ...[...rows].filter((key) => !(key in read)).map((key) => `README.md "Configuration reference" has a row for ${key}, which config/keys.ts KEYS does not read`),
        ];
        assert.deepStrictEqual(problems, []);
    });

    it("each declaration has the type of the key's kind, a one-line description, and a default of that type", () => {
        const problems: string[] = [];
        for (const [key, kind] of Object.entries(read)) {
            const declaration = declared[key];
            if (!declaration) continue; // reported above
            const want = expectedType(kind, declaration);
            if (declaration.type !== want) {
                problems.push(`${key}: Pulumi.yaml declares type ${declaration.type ?? "(none)"}; a ${kind} key${declaration.default === "" ? ' defaulting to ""' : ""} is declared with ${want ?? "no type"}`);
            }
            if (typeof declaration.description !== "string" || declaration.description.trim() === "" || declaration.description.includes("\n")) {
                problems.push(`${key}: needs a one-line description in Pulumi.yaml`);
            }
            // A key without a default is required by the CLI for every stack; this project has no required key.
            if (!("default" in declaration)) {
                problems.push(`${key}: has no default in Pulumi.yaml, so the CLI would require it in every stack; declare its default, or "" for "not set"`);
                continue;
            }
            const value = declaration.default;
            const ok =
                value === "" ||
                (kind === "string" && typeof value === "string") ||
                (kind === "integer" && Number.isInteger(value)) ||
                (kind === "number" && typeof value === "number") ||
                (kind === "boolean" && typeof value === "boolean") ||
                (kind === "object" && value !== null && typeof value === "object" && !Array.isArray(value));
            if (!ok) problems.push(`${key}: default ${JSON.stringify(value)} is not a ${kind}`);
        }
        assert.deepStrictEqual(problems, []);
    });

    it("a structured key's description names every field the program accepts", () => {
        const structured: Record<string, string[]> = {
            worker: fieldsFromRefusal((p) => parseWorker({ enabled: false, notAField: 1 }, p)),
            cdn: fieldsFromRefusal((p) => parseCdn({ enabled: false, notAField: 1 }, undefined, p)),
            monitoring: fieldsFromRefusal((p) => parseMonitoringSettings({ notAField: 1 }, p)),
            usage: fieldsFromRefusal((p) => parseUsage({ notAField: 1 }, p)),
            archiveLifecycle: fieldsFromRefusal((p) => parseLifecycle({ notAField: 1 }, p)),
            workQueue: fieldsFromRefusal((p) => parseWorkQueue({ notAField: 1 }, p)),
            // Their refusals do not list the fields in the "; use a, b" form: pinned here.
            capacityProviders: ["web", "worker", "drain"],
            exec: ["enabled", "logging"],
            efsReplication: ["region", "kmsKeyArn"],
        };
        const problems: string[] = [];
        for (const [key, fields] of Object.entries(structured)) {
            assert.ok(fields.length > 1, `could not read ${key}'s fields from the program's refusal of an unknown field`);
            const description = declared[key]?.description ?? "";
            for (const field of fields) {
                if (!new RegExp(`\\b${field}\\b`).test(description)) problems.push(`${key}.${field} is accepted by the program but not described in Pulumi.yaml's ${key} declaration`);
            }
        }
        for (const key of Object.keys(read).filter((k) => read[k] === "object")) {
            if (!(key in structured)) problems.push(`${key} is a structured key this spec does not check field by field: add it to the spec's list`);
        }
        assert.deepStrictEqual(problems, []);
    });

    it("the README's default column shows each declared default", () => {
        const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
        const problems: string[] = [];
        for (const [key, declaration] of Object.entries(declared)) {
            const value = declaration.default;
            if (value === "" || typeof value === "object") continue; // "not set" / structured: said in words
            const row = readme.split("\n").find((line) => line.startsWith("| `") && line.split("|")[1].includes(`\`${key}\``));
            if (row && !row.split("|")[2].includes(`\`${String(value)}\``)) {
                problems.push(`${key}: Pulumi.yaml declares default ${JSON.stringify(value)}, the README's default column says ${row.split("|")[2].trim()}`);
            }
        }
        assert.deepStrictEqual(problems, []);
    });
});

describe("declared config: the defaults Pulumi writes into a stack build what the program builds without them", () => {
    /** The stack's raw config with every declared default written in where the stack leaves the key out, as the CLI does. */
    function withDeclaredDefaults(stackFile: string): Record<string, string> {
        const set = new Set(Object.keys(YAML.parse(fs.readFileSync(stackFile, "utf8")).config ?? {}).map((k) => (k.includes(":") ? k : `${NAMESPACE}:${k}`)));
        const overrides: Record<string, string> = {};
        for (const [key, declaration] of Object.entries(declared)) {
            const full = `${NAMESPACE}:${key}`;
            if (set.has(full)) continue;
            const value = declaration.default;
            overrides[full] = typeof value === "object" ? JSON.stringify(value) : String(value);
        }
        return overrides;
    }

    function shape(resources: { urn: string; inputs: unknown; parent?: string }[]) {
        return resources.map((r) => ({ urn: r.urn, parent: r.parent, inputs: r.inputs })).sort((a, b) => a.urn.localeCompare(b.urn));
    }

    const minimal = path.join(os.tmpdir(), `h21-minimal-${process.pid}.yaml`);
    before(() => fs.writeFileSync(minimal, "config:\n  aws:region: us-east-1\n  fargate-efs-s3:allowPlainHttp: true\n"));
    after(() => fs.rmSync(minimal, { force: true }));

    for (const stack of ["dev", "prod", "minimal"]) {
        it(`${stack}: same resources and inputs with and without the declared defaults`, async () => {
            const configFile = stack === "minimal" ? minimal : path.join(REPO_ROOT, `Pulumi.${stack}.yaml`);
            // As after an update (every output known), so that values computed from the config, like the task
            // definition's environment, are compared too; prod's placeholder certificate is refused by an update.
            const certificate: Record<string, string> = stack === "prod" ? { [`${NAMESPACE}:certificateArn`]: "arn:aws:acm:us-east-1:210987654321:certificate/abcd1234-5678-90ab-cdef-1234567890ab" } : {};
            const plain = await recordStack({ stack, configFile, overrides: certificate });
            const overrides = withDeclaredDefaults(configFile);
            assert.ok(Object.keys(overrides).length > 0, "the stack sets every key: nothing to compare");
            const defaulted = await recordStack({ stack, configFile, overrides: { ...overrides, ...certificate } });
            assert.deepStrictEqual(shape(defaulted.resources), shape(plain.resources));
        });
    }
});
