"use strict";
// Preloaded (`node -r`) into the policy pack's transpiled copy, which `npm run plan` runs with plain node from the
// copy's directory instead of under run-policy-pack (tools/analyzer/spawn.ts, launch "direct"). It gives the pack
// what run-policy-pack would have: stack traces on the pack's TypeScript lines, and errors that escape a policy
// reported without stopping the pack. And it resolves installed packages from a cache of its own (compiled.js).
const compiled = require("./compiled");
compiled.mapPackStackTraces(process.cwd());
const saveResolutions = compiled.cacheResolutions(undefined, "pack");
// The plan stops the pack with SIGTERM, which runs no exit handlers: what this run learned is kept once the pack's
// modules are loaded (the first turn of the event loop comes after the main module), with V8's compile cache.
setImmediate(() => {
    saveResolutions();
    require("module").flushCompileCache?.();
});
// As run-policy-pack does (@pulumi/pulumi cmd/run-policy-pack): report the error, keep serving, exit 1 at the end.
const report = (err) => {
    console.error(err instanceof Error ? err.stack ?? err.message : String(err));
    process.exitCode = 1;
};
process.on("uncaughtException", report);
process.on("unhandledRejection", report);
