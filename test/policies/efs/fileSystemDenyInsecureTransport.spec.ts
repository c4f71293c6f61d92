import * as assert from "assert";

import { U, compliantStack, denyInsecureTransport } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

describe("efs-filesystem-deny-insecure-transport", () => {
    const P = "efs-filesystem-deny-insecure-transport";
    const policy = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    it("passes a file system whose policy denies non-TLS clients", () => expectNoViolation(P, compliantStack().resources));
    it("catches a file system without a file-system policy", () =>
        expectOneViolation(P, compliantStack().remove("data-policy").resources, "data", /"data".*no file-system policy refers to it/));
    it("tells the fix as a Deny to \"*\" when aws:SecureTransport is false, and warns against an Allow to \"*\"", async () => {
        const d = await expectOneViolation(P, compliantStack().remove("data-policy").resources, "data", /Deny statement for requests without TLS/, {
            fix: /\{ Effect: "Deny", Principal: "\*", Action: "\*", Resource: <file system arn>, Condition: \{ Bool: \{ "aws:SecureTransport": "false" \} \} \}/,
        });
        assert.match(d.message, /never write an Allow to Principal "\*"/);
        assert.doesNotMatch(d.message, /Add [^.]*\{ Effect: "Allow"/);
    });
    it("catches a policy without the aws:SecureTransport deny", () =>
        expectOneViolation(
            P,
            compliantStack().change("data-policy", (i) => (i.policy = policy([{ Effect: "Allow", Principal: { AWS: "*" }, Action: "elasticfilesystem:ClientMount" }]))).resources,
            "data",
            /has no such statement/,
        ));
    it("catches a deny that only applies when aws:SecureTransport is true", () => {
        const wrong = { ...denyInsecureTransport("*"), Condition: { Bool: { "aws:SecureTransport": "true" } } };
        return expectOneViolation(P, compliantStack().change("data-policy", (i) => (i.policy = policy([wrong]))).resources, "data", /no such statement/);
    });
    it("treats a policy document unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("data-policy", (i) => (i.policy = U)).resources, "data", /unknown during preview/));
});
