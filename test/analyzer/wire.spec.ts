import * as assert from "assert";

import { UNKNOWN_SENTINEL, secret } from "../../tools/analyzer/client";
import { toAnalyzerProperties } from "../../tools/analyzer/wire";

const SIG = "4dabf18193072939515e22adb298388d";

describe("analyzer wire form (what the CLI sends with KeepUnknowns and KeepSecrets)", () => {
    it("keeps unknowns as the unknown sentinel and secrets as secret objects", () => {
        const props = { a: UNKNOWN_SENTINEL, b: secret("x"), c: [secret(UNKNOWN_SENTINEL)] };
        assert.deepStrictEqual(toAnalyzerProperties(props), props);
    });

    it("sends a resource reference as the resource's id, or its URN when it has none", () => {
        const ref = (id?: string) => ({ [SIG]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:s::p::t::n", ...(id === undefined ? {} : { id }) });
        assert.deepStrictEqual(toAnalyzerProperties({ a: ref("sg-1"), b: ref(""), c: ref(), d: ref(UNKNOWN_SENTINEL) }), {
            a: "sg-1",
            b: "urn:pulumi:s::p::t::n",
            c: "urn:pulumi:s::p::t::n",
            d: UNKNOWN_SENTINEL,
        });
    });

    it("sends an output value as its plain value, unknown when it has none, and secret when it is secret", () => {
        const out = (extra: Record<string, unknown>) => ({ [SIG]: "d0e6a833031e9bbcd3f4e8bde6ca49a4", ...extra });
        assert.deepStrictEqual(toAnalyzerProperties({ a: out({ value: 1 }), b: out({}), c: out({ value: "s", secret: true }) }), {
            a: 1,
            b: UNKNOWN_SENTINEL,
            c: secret("s"),
        });
    });
});
