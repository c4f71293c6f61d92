// Type checking is done once by `npm run typecheck` (tsc --noEmit) before mocha starts,
// so the specs themselves are only transpiled.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
module.exports = {
    require: ["ts-node/register"],
    extension: ["ts"],
    spec: ["test/**/*.spec.ts"],
    timeout: 120000,
    reporter: "spec",
};
