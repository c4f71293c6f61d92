/**
 * Issue 22: the README's feature table against the CDK constructs and terraform-aws-modules is "kept true by the
 * specs that cover each row", and "What it costs, and what the defaults save" quotes figures of the shipped stacks.
 * This spec holds the README to both: every spec a row names exists, the pack's rule count is the pack's, and the
 * savings quoted are what the cost model prices for Pulumi.dev.yaml and Pulumi.prod.yaml.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { policies } from "../../policies/rules";
import { estimateMonthlyCost } from "../../tools/cost/model";
import { LIST_PRICES } from "../../tools/cost/prices";
import { costInputFromStack } from "../../tools/preview/costInput";
import { loadStackConfigFromFile } from "../../tools/stackConfigFile";

const ROOT = path.join(__dirname, "..", "..");
const README = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The body of the README section that starts with `heading`, up to the next `## `. */
function section(heading: string): string {
    const start = README.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `README has no section "${heading}"`);
    const end = README.indexOf("\n## ", start + heading.length + 2);
    return README.slice(start, end < 0 ? undefined : end);
}

/** The feature table's rows: feature → its last column's cells. */
function featureRows(): { feature: string; here: string; specs: string[] }[] {
    const rows = section("## Compared with the CDK constructs and terraform-aws-modules")
        .split("\n")
        .filter((l) => l.startsWith("| ") && !l.startsWith("| feature") && !l.startsWith("|---"));
    return rows.map((l) => {
        const cells = l.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
        return { feature: cells[0]!, here: cells[3]!, specs: [...cells[4]!.matchAll(/`(test\/[^`]+\.spec\.ts)`/g)].map((m) => m[1]!) };
    });
}

describe("README: the feature table and the savings it quotes stay true (issue 22)", () => {
    it("names at least one existing spec on every row, and only specs that exist", () => {
        const rows = featureRows();
        assert.ok(rows.length >= 10, `expected the table's rows, got ${rows.length}`);
        for (const row of rows) {
            assert.ok(row.specs.length > 0, `row "${row.feature}" names no spec`);
            for (const spec of row.specs) {
                assert.ok(fs.existsSync(path.join(ROOT, spec)), `row "${row.feature}" names ${spec}, which does not exist`);
            }
        }
    });
    it("states the pack's rule count as the pack has it", () => {
        const row = featureRows().find((r) => r.feature === "Policy pack in the preview");
        assert.ok(row, "a row for the policy pack");
        assert.match(row.here, new RegExp(`\\b${policies.length} rules\\b`), `the pack has ${policies.length} rules`);
    });
    it("quotes what the defaults save on dev and prod as the cost model prices the shipped stack files", () => {
        const priced = (stack: string) => estimateMonthlyCost(costInputFromStack(loadStackConfigFromFile(path.join(ROOT, `Pulumi.${stack}.yaml`)), []), LIST_PRICES);
        const total = (xs: { usd: number }[] | undefined) => `$${(xs ?? []).reduce((sum, x) => sum + x.usd, 0).toFixed(2)}`;
        const text = section("### What it costs, and what the defaults save");
        const dev = priced("dev");
        const prod = priced("prod");
        assert.match(text, new RegExp(`- dev: \\${total(dev.savings)} a month`));
        assert.match(text, new RegExp(`- prod: \\${total(prod.savings)} a month`));
        for (const saving of [...(prod.savings ?? []), ...(prod.savingsAtMaxCount ?? [])]) {
            assert.ok(text.includes(`$${saving.usd.toFixed(2)}`), `the README quotes prod's "${saving.item}": $${saving.usd.toFixed(2)}`);
        }
    });
});
