import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { applyPriceOverrides, LIST_PRICES, loadPriceTable, PRICE_KEYS, PriceOverrideError } from "../../tools/cost/prices";

describe("price table", () => {
    it("documents every list price with its AWS pricing page", () => {
        for (const key of PRICE_KEYS) {
            const price = LIST_PRICES[key];
            assert.match(price.source, /aws\.amazon\.com\/[a-z0-9]+\/pricing/, key);
            assert.ok(price.unit.length > 0, key);
            assert.ok(price.usd >= 0, key);
        }
    });

    it("holds the list price of EFS provisioned throughput, not the article's $0.05", () => {
        assert.strictEqual(LIST_PRICES.efsProvisionedThroughput.usd, 6);
    });

    it("replaces only the overridden prices and says where they came from", () => {
        const table = applyPriceOverrides(LIST_PRICES, { s3StandardStorage: 0.021 }, "cheap.yaml");
        assert.strictEqual(table.s3StandardStorage.usd, 0.021);
        assert.match(table.s3StandardStorage.source, /cheap\.yaml/);
        assert.deepStrictEqual(table.efsStandardStorage, LIST_PRICES.efsStandardStorage);
    });

    it("rejects an override file naming every unknown key and bad value at once", () => {
        assert.throws(
            () => applyPriceOverrides(LIST_PRICES, { efsThroughput: 1, s3GetRequests: "cheap", natGatewayHours: -1 }, "bad.yaml"),
            (err: unknown) => {
                assert.ok(err instanceof PriceOverrideError);
                assert.deepStrictEqual(err.problems.map((p) => p.key), ["efsThroughput", "s3GetRequests", "natGatewayHours"]);
                assert.match(err.problems[0]!.reason, /efsProvisionedThroughput/);
                return true;
            },
        );
    });

    it("reads YAML override files and reports one that is not a map", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-"));
        const good = path.join(dir, "good.yaml");
        fs.writeFileSync(good, "# cheaper NAT\nnatGatewayData: 0.01\n");
        assert.strictEqual(loadPriceTable(good).natGatewayData.usd, 0.01);
        const list = path.join(dir, "list.yaml");
        fs.writeFileSync(list, "- 1\n- 2\n");
        assert.throws(() => loadPriceTable(list), PriceOverrideError);
        assert.throws(() => loadPriceTable(path.join(dir, "missing.yaml")), /cannot be read/);
    });
});
