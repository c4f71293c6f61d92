/**
 * The rules' type filter judges a resource by its own `args.type`, without @pulumi/policy's private `__pulumiType`,
 * so a rule is right on its own whatever the pack server filters. Called directly here, with no pack server.
 */
import * as assert from "assert";
import { ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";

import { forType, types, whenStackHas } from "../../../policies/lib/policy";

const resourceArgs = (type: string) => ({ type, props: {}, urn: `urn:pulumi:test::p::${type}::r`, name: "r" }) as unknown as ResourceValidationArgs;
const stackArgs = (...typesInStack: string[]) => ({ resources: typesInStack.map((type) => ({ type, props: {} })) }) as unknown as StackValidationArgs;

describe("policies/lib/policy: rules check the resource type themselves", () => {
    it("forType runs the validation for its type token and for none other", () => {
        const seen: string[] = [];
        const validate = forType(types.efsFileSystem, (args) => void seen.push(args.type));
        validate(resourceArgs("aws:efs/accessPoint:AccessPoint"), () => undefined);
        validate(resourceArgs(types.efsFileSystem), () => undefined);
        assert.deepStrictEqual(seen, [types.efsFileSystem]);
    });
    it("forType takes several tokens (a resource and its deprecated alias)", () => {
        const seen: string[] = [];
        const validate = forType(types.s3Buckets, (args) => void seen.push(args.type));
        for (const type of [...types.s3Buckets, "aws:s3/bucketPolicy:BucketPolicy"]) validate(resourceArgs(type), () => undefined);
        assert.deepStrictEqual(seen, [...types.s3Buckets]);
    });
    it("forType tags nothing for the pack server to filter on", () => {
        assert.deepStrictEqual(Object.keys(forType(types.efsFileSystem, () => undefined)), []);
    });
    it("whenStackHas runs the stack validation only when the stack has a resource of its type", () => {
        let runs = 0;
        const validate = whenStackHas(types.efsMountTarget, () => void runs++);
        validate(stackArgs(types.efsFileSystem, types.securityGroup), () => undefined);
        assert.strictEqual(runs, 0);
        validate(stackArgs(types.efsFileSystem, types.efsMountTarget), () => undefined);
        assert.strictEqual(runs, 1);
    });
});
