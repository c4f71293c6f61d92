/**
 * `npm run bench -- plan`: the wall time of a whole `npm run plan` process (ts-node start, the program
 * under mocks, the policy pack, the cost estimate, the output) for the dev and prod stacks, the median
 * of five runs each. Prints `{ "bench": "plan", "stack", "wallMs", "resources", ... }` per stack, with
 * the median moments (ms after the process started) at which the program was recorded and the policy
 * pack was ready: the two run side by side, and the later one decides the wall time.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const RUNS = 5;
const root = path.join(__dirname, "..");
const tsNode = require.resolve("ts-node/dist/bin.js", { paths: [root] });

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

for (const stack of ["dev", "prod"]) {
    // The same command `npm run plan` runs, without npm's own start-up.
    const args = [tsNode, "--transpile-only", "tools/preview/plan.ts", "--stack", stack, "--format", "json"];
    const walls: number[] = [];
    const recorded: number[] = [];
    const packReady: number[] = [];
    let resources = 0;
    let exitCode: number | null = null;
    for (let i = 0; i < RUNS; i++) {
        const started = process.hrtime.bigint();
        const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", PLAN_TIMINGS: "1" } });
        walls.push(Number(process.hrtime.bigint() - started) / 1e6);
        exitCode = run.status;
        if (run.status !== 0 && run.status !== 1) {
            throw new Error(`plan --stack ${stack} exited ${run.status ?? run.signal}: ${run.stderr}`);
        }
        resources = (JSON.parse(run.stdout) as { resources: unknown[] }).resources.length;
        const timingLine = run.stderr.split("\n").find((l) => l.startsWith('{"timings"'));
        if (timingLine !== undefined) {
            const { timings } = JSON.parse(timingLine) as { timings: Record<string, number> };
            if (timings.recorded !== undefined) recorded.push(timings.recorded);
            if (timings.packReady !== undefined) packReady.push(timings.packReady);
        }
    }
    console.log(
        JSON.stringify({
            bench: "plan",
            stack,
            wallMs: Math.round(median(walls)),
            resources,
            runs: RUNS,
            minMs: Math.round(Math.min(...walls)),
            maxMs: Math.round(Math.max(...walls)),
            programRecordedMs: recorded.length > 0 ? Math.round(median(recorded)) : null,
            policyPackReadyMs: packReady.length > 0 ? Math.round(median(packReady)) : null,
            exitCode,
        }),
    );
}
