/**
 * tools/preview/compiled.js: what `npm run plan` runs instead of ts-node must never run stale code — the pack's
 * transpiled copy and the transpile cache follow every change of the sources they come from.
 */
import * as assert from "assert";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { compiledPolicyPack } from "../../tools/preview/compiled";

const ROOT = path.join(__dirname, "..", "..");
// Inside the repository, so that a pack resolves its dependencies from the root node_modules as policies/ does.
const TMP = path.join(ROOT, ".test-tmp");

/** A pack's package.json (main: index.ts), PulumiPolicy.yaml and tsconfig.json in `dir`: its sources are the spec's. */
function writePackManifest(dir: string): void {
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", main: "index.ts" }));
    fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "es2022", module: "commonjs", strict: true } }));
}

describe("npm run plan without ts-node (tools/preview/compiled.js)", () => {
    let dir: string;
    beforeEach(() => {
        fs.mkdirSync(TMP, { recursive: true });
        dir = fs.mkdtempSync(path.join(TMP, "compiled-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("is what `npm run plan` runs", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
        assert.equal(pkg.scripts.plan, "node tools/preview/main.js");
    });

    it("serves a copy of the pack that follows every change of its sources, with main pointing at the JavaScript", () => {
        writePackManifest(dir);
        fs.mkdirSync(path.join(dir, "lib"));
        fs.writeFileSync(path.join(dir, "index.ts"), 'import { level } from "./lib/level";\nexport const pack: string = level;\n');
        fs.writeFileSync(path.join(dir, "lib", "level.ts"), 'export const level: string = "advisory";\n');
        const load = (out: string) => execFileSync(process.execPath, ["-p", `require(${JSON.stringify(out)}).pack`], { encoding: "utf8" }).trim();

        const first = compiledPolicyPack(dir);
        assert.equal(path.dirname(first), path.join(dir, "bin"));
        assert.equal(JSON.parse(fs.readFileSync(path.join(first, "package.json"), "utf8")).main, "index.js");
        assert.equal(fs.readFileSync(path.join(first, "PulumiPolicy.yaml"), "utf8"), "runtime: nodejs\n");
        assert.equal(load(first), "advisory");
        assert.equal(compiledPolicyPack(dir), first, "unchanged sources reuse the copy");

        fs.writeFileSync(path.join(dir, "lib", "level.ts"), 'export const level: string = "mandatory";\n');
        const second = compiledPolicyPack(dir);
        assert.notEqual(second, first);
        assert.equal(load(second), "mandatory");
        // A copy another plan may still be starting from stays; one left for ten minutes goes at the next build.
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "bin")).sort(), [path.basename(first), path.basename(second)].sort());
        const old = new Date(Date.now() - 11 * 60 * 1000);
        fs.utimesSync(first, old, old);
        fs.writeFileSync(path.join(dir, "lib", "level.ts"), 'export const level: string = "disabled";\n');
        const third = compiledPolicyPack(dir);
        assert.equal(load(third), "disabled");
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "bin")).sort(), [path.basename(second), path.basename(third)].sort());
    });

    it("runs the pack's copy with stack traces on the pack's own TypeScript files and lines (packStacks.js, as the plan starts it)", () => {
        writePackManifest(dir);
        fs.mkdirSync(path.join(dir, "rules"));
        fs.writeFileSync(path.join(dir, "index.ts"), 'import { check } from "./rules/check";\ncheck();\n');
        // Type-only lines vanish from the JavaScript, so only the source map can name line 7.
        fs.writeFileSync(path.join(dir, "rules", "check.ts"), 'interface A {\n    a: number;\n}\ninterface B {\n    b: number;\n}\nexport function check(): void { throw new Error("rule broke"); }\n');
        const copy = compiledPolicyPack(dir);
        const preload = path.join(ROOT, "tools", "preview", "packStacks.js");
        assert.throws(() => execFileSync(process.execPath, ["-r", preload, path.join(copy, "index.js")], { cwd: copy, stdio: "pipe" }), (err: { stderr: Buffer }) => {
            const stderr = err.stderr.toString();
            assert.ok(stderr.includes(`${path.join(dir, "rules", "check.ts")}:7:`), stderr);
            assert.ok(stderr.includes(`${path.join(dir, "index.ts")}:2:`), stderr);
            return true;
        });
    });

    it("keeps the pack's copy serving after an error escapes it, as run-policy-pack does, and lets SIGTERM stop it at once", async () => {
        const preload = path.join(ROOT, "tools", "preview", "packStacks.js");
        // An unhandled rejection, then work that would never run if it had ended the process; then it waits to be stopped.
        fs.writeFileSync(path.join(dir, "escape.js"), 'Promise.reject(new Error("escaped a policy"));\nsetImmediate(() => console.log("still serving"));\n');
        const escaped = spawnSync(process.execPath, ["-r", preload, path.join(dir, "escape.js")], { cwd: dir, encoding: "utf8" });
        assert.match(escaped.stderr, /escaped a policy/);
        assert.equal(escaped.stdout.trim(), "still serving");
        assert.equal(escaped.status, 1, "the error still fails the process at its end, as under run-policy-pack");

        fs.writeFileSync(path.join(dir, "serve.js"), 'console.log("serving");\nsetInterval(() => undefined, 1 << 30);\n');
        const child = spawn(process.execPath, ["-r", preload, path.join(dir, "serve.js")], { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
        await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
        const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
        child.kill("SIGTERM");
        assert.equal(await exited, "SIGTERM", "no handler holds SIGTERM back until the pack's JavaScript yields");
    });

    describe("remembers where installed packages resolved (cacheResolutions), never past an install or a removed file", () => {
        const write = (file: string, text: string) => {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.writeFileSync(file, text);
        };
        // An npm install rewrites node_modules/.package-lock.json; a new time (and here a new size) is a new install.
        const install = (installs: number) => {
            write(path.join(dir, "node_modules", ".package-lock.json"), JSON.stringify({ installs }));
            const t = new Date(Date.now() + installs * 1000);
            fs.utimesSync(path.join(dir, "node_modules", ".package-lock.json"), t, t);
        };
        const mainOf = (main: string) => write(path.join(dir, "node_modules", "pkg", "package.json"), JSON.stringify({ name: "pkg", main }));
        const run = () =>
            execFileSync(
                process.execPath,
                ["-e", `require(${JSON.stringify(path.join(ROOT, "tools", "preview", "compiled.js"))}).cacheResolutions(${JSON.stringify(dir)}); console.log(require(${JSON.stringify(path.join(dir, "app.js"))}))`],
                { encoding: "utf8" },
            ).trim();
        const cacheFiles = () => fs.readdirSync(path.join(dir, "node_modules", ".cache", "fargate-efs-s3")).filter((f) => f.startsWith("resolved-"));

        beforeEach(() => {
            write(path.join(dir, "app.js"), 'module.exports = require("pkg");\n');
            for (const v of ["a", "b", "c"]) write(path.join(dir, "node_modules", "pkg", `${v}.js`), `module.exports = "${v}";\n`);
            mainOf("a.js");
            install(1);
        });

        it("resolves as Node does, then answers from the cache", () => {
            assert.equal(run(), "a");
            assert.equal(cacheFiles().length, 1);
            const cached = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", ".cache", "fargate-efs-s3", cacheFiles()[0]!), "utf8"));
            assert.deepStrictEqual(Object.values(cached), [path.join(dir, "node_modules", "pkg", "a.js")]);
            assert.equal(run(), "a");
        });

        it("starts afresh after an install", () => {
            assert.equal(run(), "a");
            mainOf("b.js");
            install(22);
            assert.equal(run(), "b");
            assert.equal(cacheFiles().length, 2);
        });

        it("resolves afresh when the remembered file is gone", () => {
            assert.equal(run(), "a");
            fs.rmSync(path.join(dir, "node_modules", "pkg", "a.js"));
            mainOf("c.js");
            assert.equal(run(), "c");
        });
    });

    it("loads a .ts file's current content through the transpile cache, with stack traces on its own lines", () => {
        const file = path.join(dir, "value.ts");
        const run = () =>
            execFileSync(
                process.execPath,
                ["-e", `require(${JSON.stringify(path.join(ROOT, "tools", "preview", "compiled.js"))}).registerTypeScript(); console.log(require(${JSON.stringify(file)}).value)`],
                { encoding: "utf8" },
            ).trim();
        fs.writeFileSync(file, 'export const value: number = 1;\n');
        assert.equal(run(), "1");
        assert.equal(run(), "1");
        fs.writeFileSync(file, 'export const value: number = 2;\n');
        assert.equal(run(), "2");

        // Type-only lines vanish from the JavaScript, so only the source map can name line 10.
        fs.writeFileSync(file, 'interface Shape {\n    a: number;\n    b: number;\n    c: number;\n    d: number;\n}\nconst s: Shape = { a: 1, b: 2, c: 3, d: 4 };\nexport const value: number = s.a;\n\nthrow new Error("line 10");\n');
        assert.throws(() => execFileSync(process.execPath, ["-e", `require(${JSON.stringify(path.join(ROOT, "tools", "preview", "compiled.js"))}).registerTypeScript(); require(${JSON.stringify(file)})`], { stdio: "pipe" }), (err: { stderr: Buffer }) => {
            assert.match(err.stderr.toString(), new RegExp(`${path.basename(file)}:10:`));
            return true;
        });
    });
});
