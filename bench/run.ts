/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process, one after another, so that one
 * benchmark's heap and handles cannot skew the next. Each prints JSON lines `{ "bench": name, ... }`
 * (the contract in ARCHITECTURE.md); this runner passes them through untouched. `npm run bench -- plan`
 * runs only the benchmarks whose file name contains "plan".
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const filters = process.argv.slice(2);
const benches = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();

let failed = 0;
for (const file of benches) {
    const result = spawnSync(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(__dirname, file)],
        { stdio: "inherit", cwd: path.join(__dirname, "..") },
    );
    if (result.status !== 0) {
        failed++;
        console.error(`bench ${file} exited with ${result.status ?? result.signal}`);
    }
}
process.exit(failed === 0 ? 0 : 1);
