import * as assert from "assert";
import { CostInput, estimateMonthlyCost } from "../../tools/cost/model";
import { formatJson, formatText, Plan, planExitCode, shouldColor } from "../../tools/preview/format";
import { applyPriceOverrides, LIST_PRICES } from "../../tools/cost/prices";

const stackUrn = "urn:pulumi:dev::fargate-efs-s3::pulumi:pulumi:Stack::fargate-efs-s3-dev";
const fsUrn = "urn:pulumi:dev::fargate-efs-s3::fargate-efs-s3:storage:SharedFileSystem::files";
const efsUrn = "urn:pulumi:dev::fargate-efs-s3::fargate-efs-s3:storage:SharedFileSystem$aws:efs/fileSystem:FileSystem::files-fs";

const costInput: CostInput = {
    usage: { efsStoredGb: 10, efsInfrequentAccessPercent: 0, efsElasticReadGb: 0, efsElasticWriteGb: 0, s3StandardGb: 5, s3GlacierGb: 0, s3PutRequests: 0, s3GetRequests: 0, natDataGb: 0 },
    efs: { throughputMode: "bursting", backupEnabled: false },
    service: { cpu: 256, memoryMib: 512, taskCount: 1 },
    natGatewayCount: 1,
    loadBalancerCount: 1,
    azCount: 2,
};

const plan = (diagnostics: Plan["diagnostics"]): Plan => ({
    stack: "dev",
    resources: [
        { urn: stackUrn, type: "pulumi:pulumi:Stack", name: "fargate-efs-s3-dev" },
        { urn: fsUrn, type: "fargate-efs-s3:storage:SharedFileSystem", name: "files", parent: stackUrn },
        { urn: efsUrn, type: "aws:efs/fileSystem:FileSystem", name: "files-fs", parent: fsUrn },
    ],
    diagnostics,
    cost: estimateMonthlyCost(costInput, LIST_PRICES),
});

const advisory = { policy: "efs-file-system-lifecycle", enforcementLevel: "advisory", urn: efsUrn, message: "Set a lifecycle\npolicy." };
const mandatory = { policy: "efs-file-system-encrypted", enforcementLevel: "mandatory", urn: efsUrn, message: "Encrypt files-fs." };

describe("plan output", () => {
    it("exits 1 only when a diagnostic is mandatory", () => {
        assert.strictEqual(planExitCode(plan([])), 0);
        assert.strictEqual(planExitCode(plan([advisory])), 0);
        assert.strictEqual(planExitCode(plan([advisory, mandatory])), 1);
    });

    it("nests each resource under the component that parents it", () => {
        const lines = formatText(plan([]), { color: false }).split("\n");
        const at = (name: string) => lines.findIndex((l) => l.includes(`- ${name} (`));
        assert.match(lines[at("fargate-efs-s3-dev")]!, /^- fargate/);
        assert.match(lines[at("files")]!, /^ {2}- files \(fargate-efs-s3:storage:SharedFileSystem\)/);
        assert.match(lines[at("files-fs")]!, /^ {4}- files-fs \(aws:efs\/fileSystem:FileSystem\)/);
    });

    it("groups diagnostics by level, most severe first, naming the resource", () => {
        const text = formatText(plan([advisory, mandatory]), { color: false });
        const mandatoryAt = text.indexOf("### mandatory (1)");
        const advisoryAt = text.indexOf("### advisory (1)");
        assert.ok(mandatoryAt > 0 && advisoryAt > mandatoryAt, text);
        assert.ok(text.includes("- efs-file-system-encrypted on files-fs (aws:efs/fileSystem:FileSystem): Encrypt files-fs."));
        assert.ok(text.includes("Set a lifecycle policy."), "multi-line messages are joined on one line");
        assert.match(text.trimEnd().split("\n").pop()!, /^FAIL: 1 mandatory policy violation, 1 other diagnostic — 3 resources, about \$\d+\.\d\d\/month\.$/);
    });

    it("shows each cost line with quantity, unit price and total, and the monthly sum", () => {
        const text = formatText(plan([]), { color: false });
        assert.match(text, /\| EFS Standard storage +\| +10 \| GB-month +\| +\$0\.30 \| +\$3\.00 \|/);
        assert.match(text, /\| Fargate memory +\| +365 \| GB-hour +\| +\$0\.004445 \| +\$1\.62 \|/);
        assert.ok(text.includes(`## Estimated monthly cost: $${plan([]).cost.monthlyUsd.toFixed(2)}`));
    });

    it("says which unit prices were overridden, and by which file", () => {
        const prices = applyPriceOverrides(LIST_PRICES, { natGatewayHours: 0.05 }, "cheaper-nat.yaml");
        const cost = estimateMonthlyCost({ ...costInput, natGatewayCount: 1 }, prices);
        const text = formatText({ ...plan([]), cost, pricesFile: "cheaper-nat.yaml" }, { color: false });
        assert.match(text, /^- NAT gateway hours: .*unit price override from cheaper-nat\.yaml$/m);
        assert.ok(!/^- Fargate vCPU: .*override/m.test(text));
        assert.ok(text.includes("with overrides from cheaper-nat.yaml"));
    });

    it("writes no colour codes unless asked, and asks only on a terminal without NO_COLOR", () => {
        assert.ok(!formatText(plan([advisory, mandatory]), { color: false }).includes("\u001b["));
        assert.ok(formatText(plan([advisory, mandatory]), { color: true }).includes("\u001b[31m"));
        assert.strictEqual(shouldColor({ isTTY: true }, {}), true);
        assert.strictEqual(shouldColor({ isTTY: undefined }, {}), false);
        assert.strictEqual(shouldColor({ isTTY: true }, { NO_COLOR: "1" }), false);
    });

    it("prints JSON with the contract's fields", () => {
        const json = JSON.parse(formatJson(plan([mandatory])));
        assert.deepStrictEqual(Object.keys(json), ["stack", "resources", "diagnostics", "cost"]);
        assert.deepStrictEqual(json.resources[2], { urn: efsUrn, type: "aws:efs/fileSystem:FileSystem", name: "files-fs", parent: fsUrn });
        assert.deepStrictEqual(json.diagnostics, [mandatory]);
        assert.ok(json.cost.lines.every((l: Record<string, unknown>) => ["item", "quantity", "unit", "usd"].every((k) => k in l)));
        assert.strictEqual(typeof json.cost.monthlyUsd, "number");
    });
});
