/**
 * The `pulumi new` template (issue 21): Pulumi.yaml's `template:` prompts, rendered into a stack file as `pulumi new`
 * renders them, make a stack that `npm run plan` previews with exit 0; what a prompt asks reaches what is built.
 *
 * How `pulumi new` renders the prompts (pulumi/pulumi pkg/cmd/pulumi/project/newcmd/config.go): a key without a
 * namespace is put in the project's; the answer, or else the prompt's `default`, is saved as a string; an empty one
 * is not saved ("Don't add empty values to the config").
 */
import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import type { ConfigError } from "../../config";
import { KEYS, NAMESPACE } from "../../config/keys";
import { REPO_ROOT } from "../../tools/stackRun";

const project = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8"));
const prompts: Record<string, { description?: string; default?: string; secret?: boolean }> = project.template?.config ?? {};

/** The stack file `pulumi new` writes for these answers (unanswered prompts take their default). */
function renderStackFile(answers: Readonly<Record<string, string>>, projectName = NAMESPACE): string {
    const config: Record<string, string> = {};
    for (const [key, prompt] of Object.entries(prompts)) {
        const value = answers[key] ?? prompt.default ?? "";
        if (value === "") continue;
        config[key.includes(":") ? key : `${projectName}:${key}`] = value;
    }
    return YAML.stringify({ config });
}

interface Run {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

function plan(configFile: string): Promise<Run> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["tools/preview/main.js", "--stack", "fromtemplate", "--config", configFile, "--format", "json"], { cwd: REPO_ROOT });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.once("error", reject);
        child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("template: pulumi new makes a stack that plans", function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "h21-template-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const write = (name: string, text: string) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };

    it("the template asks for the region, the task size, a certificate or the plain-HTTP opt-out, and an alarm e-mail", () => {
        assert.deepStrictEqual(Object.keys(prompts).sort(), ["alarmEmail", "allowPlainHttp", "aws:region", "certificateArn", "cpu", "memory", "natGateways"]);
        assert.ok(typeof project.template.description === "string" && project.template.description.length > 0, "template.description");
    });

    it("every prompt is a key the program reads (or aws:region), so Pulumi.yaml's declaration types it", () => {
        const unknown = Object.keys(prompts).filter((k) => k !== "aws:region" && !(k in KEYS));
        assert.deepStrictEqual(unknown, [], "template prompts that config/keys.ts KEYS does not read");
        for (const [key, prompt] of Object.entries(prompts)) {
            assert.ok(prompt.description && !prompt.description.includes("\n"), `${key}: a one-line prompt`);
        }
    });

    it("the plain-HTTP opt-out with an alarm e-mail plans with exit 0, and the e-mail is subscribed to the alarm topic", async () => {
        const file = write("plain.yaml", renderStackFile({ allowPlainHttp: "true", natGateways: "Single", alarmEmail: "ops@example.com" }));
        const run = await plan(file);
        assert.strictEqual(run.code, 0, `${run.stdout}\n${run.stderr}`);
        const resources: { type: string }[] = JSON.parse(run.stdout).resources;
        assert.ok(resources.some((r) => r.type === "aws:sns/topicSubscription:TopicSubscription"), "no e-mail subscription to the alarm topic");
    });

    it("a certificate (no opt-out) plans with exit 0", async () => {
        const file = write("https.yaml", renderStackFile({ certificateArn: "arn:aws:acm:us-east-1:210987654321:certificate/abcd1234-5678-90ab-cdef-1234567890ab", cpu: "512", memory: "1024" }));
        const run = await plan(file);
        assert.strictEqual(run.code, 0, `${run.stdout}\n${run.stderr}`);
    });

    it("the defaults alone are refused with exit 2, naming certificateArn and allowPlainHttp (secure by default)", async () => {
        const file = write("defaults.yaml", renderStackFile({}));
        const run = await plan(file);
        assert.strictEqual(run.code, 2, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout + run.stderr, /certificateArn/);
        assert.match(run.stdout + run.stderr, /allowPlainHttp/);
    });
});

describe("template: a project named otherwise reads its own namespace", () => {
    /** readStackConfig as the program runs it, for a project of that name (mocks answer the AZ lookup). */
    async function readAs(projectName: string, config: Record<string, string>) {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
                call: (args) => (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones" ? { names: ["us-east-1a", "us-east-1b", "us-east-1c"], zoneIds: [] } : args.inputs),
            },
            projectName,
            "dev",
            true,
        );
        pulumi.runtime.setAllConfig(config);
        const { readStackConfig } = require("../../config") as typeof import("../../config");
        return readStackConfig();
    }
    const problemsOf = async (projectName: string, config: Record<string, string>) => {
        try {
            await readAs(projectName, config);
            return [];
        } catch (error) {
            return (error as ConfigError).problems.map((p) => p.key);
        }
    };

    it("the template's prompts rendered for project my-uploads configure the stack", async () => {
        const rendered = YAML.parse(renderStackFile({ allowPlainHttp: "true", cpu: "512", memory: "1024", alarmEmail: "ops@example.com" }, "my-uploads")).config;
        const config = await readAs("my-uploads", rendered);
        assert.strictEqual(config.service.cpu, 512);
        assert.strictEqual(config.service.allowPlainHttp, true);
        assert.strictEqual(config.monitoring.alarmEmail, "ops@example.com");
    });

    it("a bad value is reported by the key the stack set, my-uploads:azCount", async () => {
        assert.deepStrictEqual(await problemsOf("my-uploads", { "aws:region": "us-east-1", "my-uploads:allowPlainHttp": "true", "my-uploads:azCount": "9" }), ["my-uploads:azCount"]);
    });

    it("a key left in the template's namespace (a copied stack file) is reported with the key to set, with every other problem", async () => {
        // The CLI writes each declared default into my-uploads:<key>; a copied fargate-efs-s3:<key> would silently lose to it.
        assert.deepStrictEqual(await problemsOf("my-uploads", { "aws:region": "us-east-1", "my-uploads:allowPlainHttp": "true", "fargate-efs-s3:natGateways": "Single", "my-uploads:azCount": "9" }), [
            "fargate-efs-s3:natGateways",
            "my-uploads:azCount",
        ]);
    });

    it("alarmEmail and monitoring.alarmEmail must agree, and alarmEmail must be an address", async () => {
        const base = { "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true" };
        assert.deepStrictEqual(await problemsOf(NAMESPACE, { ...base, "fargate-efs-s3:alarmEmail": "a@example.com", "fargate-efs-s3:monitoring": '{"alarmEmail":"b@example.com"}' }), ["fargate-efs-s3:alarmEmail"]);
        assert.deepStrictEqual(await problemsOf(NAMESPACE, { ...base, "fargate-efs-s3:alarmEmail": "not-an-address" }), ["fargate-efs-s3:alarmEmail"]);
    });
});
