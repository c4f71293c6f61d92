/**
 * Issue 22: the deploy workflow can build the image for both architectures a stack can run (linux/arm64 for
 * Graviton, the default on FARGATE and FARGATE_SPOT; linux/amd64 with cpuArchitecture: X86_64): QEMU with arm64 and buildx are set up before the first step that
 * can build (the preview and the update run the program, whose awsx.ecr.Image builds with `platform`).
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

const up = YAML.parse(fs.readFileSync(path.join(__dirname, "..", "..", ".github", "workflows", "up.yml"), "utf8"));

describe("workflow up.yml builds images for arm64 and amd64", () => {
    for (const [name, job] of Object.entries<any>(up.jobs)) {
        it(`${name}: sets up QEMU for arm64 and buildx before pulumi runs the program`, () => {
            const steps: { uses?: string; run?: string; with?: Record<string, string> }[] = job.steps;
            const at = (test: (s: (typeof steps)[number]) => boolean) => steps.findIndex(test);
            const qemu = at((s) => s.uses?.startsWith("docker/setup-qemu-action") === true);
            const buildx = at((s) => s.uses?.startsWith("docker/setup-buildx-action") === true);
            const firstPulumi = at((s) => /^pulumi (preview|up)\b/.test(s.run ?? ""));
            assert.ok(qemu >= 0 && buildx >= 0, "QEMU and buildx are set up");
            assert.match(String(steps[qemu]!.with?.platforms ?? "all"), /arm64|all/);
            assert.ok(firstPulumi > Math.max(qemu, buildx), "before the program runs");
        });
    }
});
