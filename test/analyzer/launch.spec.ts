/**
 * `npm run plan` starts the pack's transpiled copy with plain node (spawn.ts, launch "direct"), not through
 * run-policy-pack and ts-node as the Pulumi CLI starts `policies/`. That is only a faster start if the pack answers
 * exactly as the CLI's does: the same policies, and the same diagnostics for the same stacks.
 */
import * as assert from "assert";
import * as path from "path";

import { PolicyPackProcess, runPolicies, startPolicyPack } from "../../tools/analyzer/client";
import { compiledPolicyPack } from "../../tools/preview/compiled";
import { compliantStack } from "../policies/fixtures";
import { check, pack, PACK_DIR } from "../policies/harness";
import { stackRun } from "../mocks";

describe("the plan's start of the pack (plain node on the transpiled copy) answers as the CLI's (run-policy-pack, ts-node)", function () {
    this.timeout(120000);
    let direct: PolicyPackProcess;

    before(async () => {
        direct = await startPolicyPack(compiledPolicyPack(PACK_DIR), {
            stack: "test",
            launch: "direct",
            preload: [path.join(__dirname, "..", "..", "tools", "preview", "packStacks.js")],
        });
    });
    after(async () => direct?.close());

    it("describes the same pack and policies", async () => {
        assert.deepStrictEqual(await direct.getAnalyzerInfo(), await (await pack()).getAnalyzerInfo());
    });

    const cases: [string, () => Promise<Parameters<typeof check>[0]>][] = [
        ["the dev stack (preview)", async () => (await stackRun({ stack: "dev", preview: true })).resources],
        ["the prod stack (preview)", async () => (await stackRun({ stack: "prod", preview: true })).resources],
        ["a stack that breaks mandatory and advisory rules", async () => compliantStack().change("archive-versioning", (i) => (i.versioningConfiguration.status = "Suspended")).change("data", (i) => (i.encrypted = false)).resources],
    ];
    for (const [what, resources] of cases) {
        it(`gives the same diagnostics for ${what}`, async () => {
            const rs = await resources();
            const fromCli = await check(rs);
            const { diagnostics: fromDirect } = await runPolicies(rs, { pack: direct });
            assert.ok(fromCli.length > 0, "every case has diagnostics to compare (advisories at least)");
            assert.deepStrictEqual(fromDirect, fromCli);
        });
    }

    it("refuses a TypeScript main, which only the CLI's start can load", async () => {
        await assert.rejects(startPolicyPack(PACK_DIR, { launch: "direct" }), /launch "direct" needs a JavaScript main, not index\.ts/);
    });
});
