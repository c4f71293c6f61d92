"use strict";
// Preloaded (`node -r`) into the policy pack's transpiled copy, which `npm run plan` runs with plain node from the
// copy's directory: its stack traces name the lines of the pack's TypeScript, and it resolves the installed packages
// from a cache of its own (compiled.js: mapPackStackTraces, cacheResolutions).
const compiled = require("./compiled");
compiled.mapPackStackTraces(process.cwd());
compiled.cacheResolutions(undefined, "pack");
// The plan stops the pack with SIGTERM. Leaving through exit() (with the status a SIGTERM death reports) runs the
// exit handlers, which keep what this run learned for the next.
process.once("SIGTERM", () => process.exit(143));
