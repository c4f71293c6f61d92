"use strict";
// The decode-only floor of bench/policy.bench.ts. @pulumi/policy's server (the same one that serves policies/)
// receives each request, decodes it and deserialises the properties of the resources it hands to a policy —
// for Analyze, once per resource for every resource policy that applies to its type; for AnalyzeStack, every
// resource once per stack policy. One policy of each kind that applies to every type and does nothing makes
// the server do that work once per request and nothing else: what any pack pays before its first rule runs.
const { PolicyPack } = require("@pulumi/policy");

new PolicyPack("decode-floor", {
    policies: [
        {
            name: "decode-only-resource",
            description: "Runs no rule: the server deserialises the resource and calls this.",
            enforcementLevel: "advisory",
            validateResource: () => undefined,
        },
        {
            name: "decode-only-stack",
            description: "Runs no rule: the server deserialises every resource of the stack and calls this.",
            enforcementLevel: "advisory",
            validateStack: () => undefined,
        },
    ],
});
