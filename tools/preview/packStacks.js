"use strict";
// Preloaded (`node -r`) into the policy pack's transpiled copy, which `npm run plan` runs with plain node from the
// copy's directory: its stack traces name the lines of the pack's TypeScript (compiled.js, mapPackStackTraces).
require("./compiled").mapPackStackTraces(process.cwd());
