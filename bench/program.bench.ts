/**
 * `{"bench":"program"}`: how long the whole program takes to evaluate under mocks, per stack, median of 5 runs
 * after one warm-up (which pays for loading @pulumi/aws once), and how many resources each stack registers. Runs as a
 * preview, as `pulumi preview` and `npm run plan` evaluate it: an update of prod refuses the stack file's placeholder
 * certificate before registering anything.
 */
import { recordStack } from "../tools/stackRun";

const RUNS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
    const warmStart = Date.now();
    await recordStack({ stack: "dev", preview: true });
    const firstRunMs = Date.now() - warmStart;
    const result: Record<string, number> = {};
    const evalMs: Record<string, number> = {};
    for (const stack of ["dev", "prod"]) {
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) {
            const start = process.hrtime.bigint();
            const run = await recordStack({ stack, preview: true });
            times.push(Number(process.hrtime.bigint() - start) / 1e6);
            result[`${stack}Resources`] = run.resources.length;
        }
        evalMs[stack] = Math.round(median(times));
    }
    console.log(JSON.stringify({ bench: "program", ...result, evalMs, firstRunMs, runs: RUNS }));
})().catch((err) => {
    console.error(err);
    process.exit(1);
});
