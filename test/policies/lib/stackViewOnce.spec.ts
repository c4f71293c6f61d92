/**
 * policies/lib/stackViewOnce.ts replaces @pulumi/policy's AnalyzeStack handler with one that builds the stack view
 * once per request. It may change what the pack costs, never what it answers: the pack and the same rules served by
 * the stock server (test/fixtures/stock-pack: neither stackViewOnce nor decodeOnce) give the same AnalyzeStack
 * answer, byte for byte — diagnostics, levels, messages, not-applicable reports — for the same stacks and configs.
 */
import * as assert from "assert";
import * as path from "path";

import * as pb from "@pulumi/pulumi/proto/analyzer_pb";

import { PolicyPackConfig, PolicyPackProcess, RecordedResource, analyzeStackRequest, startPolicyPack } from "../../../tools/analyzer/client";
import { syntheticStack } from "../../../bench/policy.bench";
import { buildStackViewOncePerRequest } from "../../../policies/lib/stackViewOnce";
import { stackRun } from "../../mocks";
import { compliantStack } from "../fixtures";
import { pack } from "../harness";

const STOCK_DIR = path.join(__dirname, "..", "..", "fixtures", "stock-pack");

describe("the pack answers AnalyzeStack as @pulumi/policy's stock server does (policies/lib/stackViewOnce.ts)", function () {
    this.timeout(300000);
    let stock: PolicyPackProcess;

    before(async () => {
        stock = await startPolicyPack(STOCK_DIR, { stack: "test" });
    });
    after(async () => stock?.close());

    it("replaces the handler with the @pulumi/policy version it mirrors (an upgrade must re-read server.js first)", () => {
        assert.equal(buildStackViewOncePerRequest(), true);
    });

    it("leaves the stock handler in place under any other @pulumi/policy version", () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const version = require("@pulumi/policy/version") as { version: string };
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const server = require("@pulumi/policy/server") as { serve: unknown };
        const [installed, serve] = [version.version, server.serve];
        version.version = "1.22.0";
        try {
            assert.equal(buildStackViewOncePerRequest(), false);
            assert.strictEqual(server.serve, serve);
        } finally {
            version.version = installed;
        }
    });

    const stacks: [string, () => Promise<RecordedResource[]>][] = [
        ["the dev stack (preview)", async () => (await stackRun({ stack: "dev", preview: true })).resources],
        ["the prod stack (preview)", async () => (await stackRun({ stack: "prod", preview: true })).resources],
        [
            "a stack that breaks mandatory and advisory rules",
            async () => compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended")).change("data", (i) => (i.encrypted = false)).resources,
        ],
        ["the benchmark's stack, 300 resources, as a preview sees it", async () => syntheticStack(300)],
        ["the benchmark's stack, 300 resources, IDs known", async () => syntheticStack(300, true)],
    ];
    const configs: [string, PolicyPackConfig][] = [
        ["the default config", {}],
        ["every rule mandatory", { all: "mandatory" } as PolicyPackConfig],
        ["every rule disabled but bucket versioning", { all: "disabled", "s3-bucket-versioning-enabled": "mandatory" } as PolicyPackConfig],
        ["a rule's own parameter", { "s3-bucket-lifecycle-glacier": { enforcementLevel: "mandatory", maxDays: 0 } } as PolicyPackConfig],
    ];

    let diagnosticsSeen = 0;
    let notApplicableSeen = 0;
    for (const [what, resources] of stacks) {
        for (const [configured, config] of configs) {
            it(`gives the same answer for ${what} with ${configured}`, async () => {
                const request = analyzeStackRequest(await resources());
                const ours = await pack();
                await ours.configure(config);
                await stock.configure(config);
                const [fromPack, fromStock] = await Promise.all([ours.analyzeStackResponse(request), stock.analyzeStackResponse(request)]);
                const answer = pb.AnalyzeResponse.deserializeBinary(fromStock);
                assert.deepStrictEqual(pb.AnalyzeResponse.deserializeBinary(fromPack).toObject(), answer.toObject());
                assert.ok(fromPack.equals(fromStock), "byte for byte");
                diagnosticsSeen += answer.getDiagnosticsList().length;
                notApplicableSeen += answer.getNotApplicableList().length;
            });
        }
    }

    it("compared answers with diagnostics and with not-applicable reports", () => {
        assert.ok(diagnosticsSeen > 0, "some answer had diagnostics");
        assert.ok(notApplicableSeen > 0, "some answer had not-applicable reports");
    });
});
