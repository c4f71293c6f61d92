// Type checking is done once by `npm run typecheck` (tsc --noEmit) before mocha starts,
// so the specs themselves are only transpiled.
process.env.TS_NODE_TRANSPILE_ONLY = "true";
// `npx mocha test/app/input.spec.ts` runs just that file; with no file named, every spec runs.
const named = process.argv.slice(2).some((a) => a.endsWith(".ts"));
module.exports = {
    require: ["ts-node/register"],
    extension: ["ts"],
    ...(named ? {} : { spec: ["test/**/*.spec.ts"] }),
    timeout: 120000,
    reporter: "spec",
};
