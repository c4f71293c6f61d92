/**
 * Starting a policy pack's process as the Pulumi CLI does, apart from connecting to it: this module loads
 * nothing but Node's own, so that `npm run plan` can start the pack before it loads gRPC, the protobuf
 * messages or anything else (the pack's start-up is the longest step it waits for).
 *
 * The CLI runs its `pulumi-analyzer-policy` plugin in the pack's directory, which runs
 * `@pulumi/pulumi/cmd/run-policy-pack` from the pack's own node_modules with the engine address and the
 * program "." (pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer); run-policy-pack registers ts-node
 * itself and loads the pack's package.json `main`. The pack prints its gRPC port on stdout.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";

export interface StartOptions {
    /** Project name passed to the pack as the CLI does (PULUMI_NODEJS_PROJECT). Defaults to "fargate-efs-s3". */
    project?: string;
    /** Stack name (PULUMI_NODEJS_STACK and ConfigureStack). Defaults to "dev". */
    stack?: string;
    /** Whether this is a preview (PULUMI_NODEJS_DRY_RUN and ConfigureStack). Defaults to true. */
    dryRun?: boolean;
    /** How long to wait for the pack to print its port. Defaults to 120 s (ts-node type-checks a TypeScript pack first). */
    startTimeoutMs?: number;
    /**
     * How the pack's program is started. "cli" (the default) runs it as the CLI does, under run-policy-pack.
     * "direct" runs its package.json `main` with plain `node` — for a pack already compiled to JavaScript only.
     * run-policy-pack registers ts-node, which a JS pack does not need, connects to V8's inspector for closure
     * serialisation, which no policy performs, and installs source-map-support and handlers that report an error
     * escaping the pack and keep it serving; the plan preloads the last two (tools/preview/packStacks.js). Its start
     * was most of the pack's (`npm run bench -- policy` prints both: startCompiledMs, startDirectMs). The pack, its
     * gRPC server and its answers are the same (test/analyzer/launch.spec.ts); the policy specs start it the CLI's way.
     */
    launch?: "cli" | "direct";
    /** Modules to preload into a "direct" pack (`node -r`), e.g. to map its stack traces to its TypeScript. */
    preload?: string[];
}

/** A pack process that has been started and may not serve yet. */
export interface SpawnedPack {
    /** The pack directory (absolute). */
    readonly dir: string;
    readonly child: ChildProcess;
    /** The gRPC port the pack printed; rejects if it exits or times out first (with its stderr). */
    readonly port: Promise<number>;
    /** Everything the pack wrote to stderr so far. */
    stderr(): string;
}

/** Starts the pack in `packDir` as the CLI does, or its JavaScript `main` with plain node (StartOptions.launch). */
export function spawnPolicyPack(packDir: string, opts: StartOptions = {}): SpawnedPack {
    const dir = path.resolve(packDir);
    const argv = opts.launch === "direct" ? [...(opts.preload ?? []).flatMap((m) => ["-r", m]), directEntry(dir)] : cliEntry(dir);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        // The CLI's environment carries no ts-node settings; ours may (mocha registers ts-node).
        if (!k.startsWith("TS_NODE_")) {
            env[k] = v;
        }
    }
    env.PULUMI_CONFIG = "{}";
    env.PULUMI_NODEJS_PROJECT = opts.project ?? "fargate-efs-s3";
    env.PULUMI_NODEJS_STACK = opts.stack ?? "dev";
    env.PULUMI_NODEJS_DRY_RUN = String(opts.dryRun ?? true);
    const child = spawn(process.execPath, argv, {
        cwd: dir,
        env,
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => (stderr += d));

    const timeoutMs = opts.startTimeoutMs ?? 120000;
    const port = new Promise<number>((resolve, reject) => {
        const lines = readline.createInterface({ input: child.stdout! });
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`policy pack ${dir} did not print its port within ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        lines.on("line", (line) => {
            if (/^\d+$/.test(line.trim())) {
                clearTimeout(timer);
                resolve(Number(line.trim()));
            }
        });
        child.once("exit", (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`policy pack ${dir} exited (${code ?? signal}) before serving:\n${stderr}`));
        });
        child.once("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
    });
    // Whoever holds the pack decides what a failed start means; an unobserved one must not crash the process.
    port.catch(() => undefined);
    return { dir, child, port, stderr: () => stderr };
}

/** run-policy-pack from the pack's own node_modules, with the arguments the CLI passes. */
function cliEntry(dir: string): string[] {
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
    // The engine address (run-policy-pack discards it; there is no engine here) and the program, "." — the
    // pack directory, which is also the working directory.
    return [runPolicyPack, "127.0.0.1:0", "."];
}

/** The pack's JavaScript `main`; a TypeScript one is refused (only the CLI's start registers ts-node). */
function directEntry(dir: string): string {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { main?: unknown };
    const main = typeof manifest.main === "string" ? manifest.main : "index.js";
    if (!/\.c?js$/.test(main)) {
        throw new Error(`policy pack ${dir}: launch "direct" needs a JavaScript main, not ${main}; start it with launch "cli"`);
    }
    return path.join(dir, main);
}

/** Stops a started pack, whether or not it serves yet, and waits for its exit. */
export async function stopPolicyPack(pack: SpawnedPack): Promise<void> {
    if (pack.child.exitCode === null && pack.child.signalCode === null) {
        const exited = new Promise<void>((resolve) => pack.child.once("exit", () => resolve()));
        pack.child.kill();
        await exited;
    }
}
