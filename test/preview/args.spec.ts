import * as assert from "assert";
import { parsePlanArgs, UsageError } from "../../tools/preview/args";

describe("plan command line", () => {
    it("plans the dev stack as text when given no arguments", () => {
        assert.deepStrictEqual(parsePlanArgs([]), { stack: "dev", format: "text", help: false });
    });

    it("accepts every flag of the contract", () => {
        const options = parsePlanArgs(["--stack", "prod", "--config", "a.yaml", "--policy-pack-config", "p.json", "--format", "json", "--prices", "x.yaml"]);
        assert.deepStrictEqual(options, { stack: "prod", configFile: "a.yaml", policyPackConfigFile: "p.json", format: "json", pricesFile: "x.yaml", help: false });
    });

    for (const [argv, flag] of [
        [["--stak", "dev"], "--stak"],
        [["--stack"], "--stack"],
        [["--stack", "--format", "json"], "--stack"],
        [["--format", "yaml"], "--format"],
        [["--config"], "--config"],
        [["dev"], "dev"],
    ] as const) {
        it(`rejects ${argv.join(" ")} with a message naming ${flag}`, () => {
            assert.throws(() => parsePlanArgs(argv), (err: unknown) => err instanceof UsageError && err.message.includes(flag));
        });
    }
});
