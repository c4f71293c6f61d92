"use strict";
// `npm run plan`: the offline preview (plan.ts), with its TypeScript loaded through the transpile cache of
// compiled.js instead of ts-node, so that a start costs neither a compiler nor a type-check. Node's on-disk
// compile cache (https://nodejs.org/api/module.html#module-compile-cache) keeps V8's code for the large SDKs
// (@pulumi/aws alone is thousands of modules) between runs; set in the environment, it serves the policy pack's
// process too.
const path = require("path");
process.env.NODE_COMPILE_CACHE ??= path.join(__dirname, "..", "..", "node_modules", ".cache", "fargate-efs-s3", "v8");
require("module").enableCompileCache?.(process.env.NODE_COMPILE_CACHE);
const compiled = require("./compiled");
compiled.cacheResolutions();
compiled.registerTypeScript();
require("./plan.ts").runCli();
