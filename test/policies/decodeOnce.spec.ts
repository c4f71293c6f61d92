/**
 * policies/lib/decodeOnce.ts, in process against @pulumi/policy's own server functions: AnalyzeStack decodes
 * each resource's properties once however many stack policies read them, and every policy still sees them,
 * unknowns included, through its own unknown-checking proxy.
 */
import * as assert from "assert";

import { PolicyResource } from "@pulumi/policy";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";

import { UNKNOWN_SENTINEL as U, analyzeStackRequest } from "../../tools/analyzer/client";
import { decodeEachResourceOnce } from "../../policies/lib/decodeOnce";
import { StackIndex } from "../../policies/lib/stack";
import { plainObject, UNKNOWN } from "../../policies/lib/values";

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const deserialize = require("@pulumi/policy/deserialize") as { deserializeProperties: Deserialize };
// eslint-disable-next-line @typescript-eslint/no-var-requires
const server = require("@pulumi/policy/server") as {
    makeAnalyzeStackRpcFun(name: string, version: string, level: string, policies: unknown[]): (call: { request: unknown }, cb: (err: unknown) => void) => void;
};

describe("the pack decodes each resource once per request (policies/lib/decodeOnce.ts)", () => {
    const original = deserialize.deserializeProperties;
    let decodes = 0;
    before(() => {
        // Count the library's own decoding, then let the pack wrap the counter as it wraps the library.
        deserialize.deserializeProperties = (struct, proxySecrets) => {
            decodes++;
            return original(struct, proxySecrets);
        };
        assert.equal(decodeEachResourceOnce(), true);
    });
    after(() => {
        deserialize.deserializeProperties = original;
    });

    const resources = ["a", "b", "c", "d"].map((name) => ({
        urn: `urn:pulumi:test::p::aws:s3/bucket:Bucket::${name}`,
        type: "aws:s3/bucket:Bucket",
        name,
        custom: true,
        inputs: {},
        outputs: { bucket: name, arn: U, tags: { team: "storage" } },
        dependencies: [],
        propertyDependencies: {},
    }));

    it("decodes every resource once for three stack policies, and each policy reads every value and unknown", async () => {
        const seen: Record<string, unknown>[][] = [];
        const policy = (name: string) => ({
            name,
            description: name,
            enforcementLevel: "advisory",
            validateStack: (args: { resources: { props: unknown }[] }) => {
                seen.push(args.resources.map((r) => plainObject(r.props)));
            },
        });
        const request = pb.AnalyzeStackRequest.deserializeBinary(analyzeStackRequest(resources).bytes);
        decodes = 0;
        await new Promise<void>((resolve, reject) =>
            server.makeAnalyzeStackRpcFun("t", "1", "advisory", [policy("one"), policy("two"), policy("three")])({ request }, (err) =>
                err ? reject(err) : resolve(),
            ),
        );
        assert.equal(decodes, resources.length);
        assert.equal(seen.length, 3);
        for (const view of seen) {
            assert.deepStrictEqual(
                view,
                resources.map((r) => ({ bucket: r.name, arn: UNKNOWN, tags: { team: "storage" } })),
            );
        }
    });

    it("still gives remediation, which keeps secrets wrapped, a copy of its own", () => {
        const struct = pb.AnalyzeStackRequest.deserializeBinary(analyzeStackRequest(resources).bytes).getResourcesList()[0]!.getProperties()!;
        decodes = 0;
        const first = deserialize.deserializeProperties(struct, true);
        const second = deserialize.deserializeProperties(struct, true);
        assert.equal(decodes, 2);
        assert.notStrictEqual(first, second);
    });
});

describe("the stack policies of one request share one StackIndex (policies/lib/stack.ts StackIndex.of)", () => {
    before(() => assert.equal(decodeEachResourceOnce(), true));
    const resources = ["a", "b"].map((name) => ({
        urn: `urn:pulumi:test::p::aws:s3/bucket:Bucket::${name}`,
        type: "aws:s3/bucket:Bucket",
        name,
        custom: true,
        inputs: {},
        outputs: { bucket: name, arn: U },
        dependencies: [],
        propertyDependencies: {},
    }));
    const run = async (n: number) => {
        const indexes: StackIndex[] = [];
        const policies = Array.from({ length: n }, (_, i) => ({
            name: `p${i}`,
            description: `p${i}`,
            enforcementLevel: "advisory",
            validateStack: (args: { resources: PolicyResource[] }) => {
                indexes.push(StackIndex.of(args.resources));
            },
        }));
        const request = pb.AnalyzeStackRequest.deserializeBinary(analyzeStackRequest(resources).bytes);
        await new Promise<void>((resolve, reject) => server.makeAnalyzeStackRpcFun("t", "1", "advisory", policies)({ request }, (err) => (err ? reject(err) : resolve())));
        return indexes;
    };

    it("hands every stack policy of a request the same index, with every resource", async () => {
        const [first, ...rest] = await run(3);
        for (const other of rest) {
            assert.strictEqual(other, first);
        }
        assert.deepStrictEqual(first.ofType("aws:s3/bucket:Bucket").map((n) => n.props.bucket), ["a", "b"]);
    });

    it("builds a new index for the next request", async () => {
        const [one] = await run(1);
        const [two] = await run(1);
        assert.notStrictEqual(one, two);
    });
});
