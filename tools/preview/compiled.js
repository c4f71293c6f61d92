"use strict";
/**
 * How `npm run plan` runs TypeScript without paying for a compiler at every start.
 *
 * - The plan's own modules, the program and its components load through a `.ts` require hook that transpiles
 *   each file once (TypeScript's `transpileModule`, as ts-node's transpile-only mode does) and keeps the result
 *   in `node_modules/.cache/fargate-efs-s3/`, keyed by the file's content, the tsconfig and the TypeScript
 *   version: a warm start loads neither the compiler nor ts-node's source-map-support (which would otherwise
 *   map every stack trace the Pulumi SDK takes for each resource). Stack traces still point into the `.ts`
 *   sources, through Node's own source-map support and the inline maps.
 * - The policy pack is served from a transpiled copy of `policies/` in `policies/bin/<content hash>/`, run by
 *   the analyzer client exactly as the Pulumi CLI runs a pack whose `main` is JavaScript. `pulumi preview
 *   --policy-pack policies` itself is unchanged: it loads `policies/index.ts` and type-checks it.
 *
 * Neither path type-checks: `npm run typecheck` (part of `npm test` and CI) does, over the program, the tools
 * and the pack alike.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const ROOT = path.join(__dirname, "..", "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache", "fargate-efs-s3", "transpiled");
const TS_VERSION = require("typescript/package.json").version;

/** @type {typeof import("typescript") | undefined} */
let ts;
const typescript = () => (ts ??= require("typescript"));

const hash = (...parts) => {
    const h = crypto.createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
};

/** tsconfig.json path → { text, options } (options parsed only when something has to be transpiled). */
const tsconfigs = new Map();
function tsconfig(file) {
    let entry = tsconfigs.get(file);
    if (!entry) {
        entry = { text: fs.readFileSync(file, "utf8"), options: undefined };
        tsconfigs.set(file, entry);
    }
    return entry;
}
function compilerOptions(file) {
    const entry = tsconfig(file);
    if (!entry.options) {
        const t = typescript();
        const parsed = t.parseConfigFileTextToJson(file, entry.text);
        if (parsed.error) throw new Error(`${file}: ${t.flattenDiagnosticMessageText(parsed.error.messageText, "\n")}`);
        const { options, errors } = t.convertCompilerOptionsFromJson(parsed.config.compilerOptions ?? {}, path.dirname(file));
        if (errors.length > 0) throw new Error(`${file}: ${errors.map((e) => t.flattenDiagnosticMessageText(e.messageText, "\n")).join("; ")}`);
        entry.options = { ...options, sourceMap: false, inlineSourceMap: true, inlineSources: true, declaration: false, noEmit: false };
    }
    return entry.options;
}

/** JavaScript for `source` (the TypeScript at `file`), with an inline source map back to it. */
function transpile(file, source, tsconfigFile) {
    return typescript().transpileModule(source, { compilerOptions: compilerOptions(tsconfigFile), fileName: file, reportDiagnostics: false })
        .outputText;
}

/** Writes `text` to `file` atomically: concurrent plans may fill the same cache. */
function writeAtomic(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
}

/** Loads `.ts` files as cached transpiled JavaScript, with the root tsconfig's options. */
function registerTypeScript(tsconfigFile = path.join(ROOT, "tsconfig.json")) {
    // Maps for these files only: mapping the SDKs' own frames too (node_modules) would cost every stack trace
    // the Pulumi SDK takes, one per promise it creates, for frames nobody debugs here.
    const mod = require("module");
    if (typeof mod.setSourceMapsSupport === "function") mod.setSourceMapsSupport(true, { nodeModules: false, generatedCode: false });
    else process.setSourceMapsEnabled(true);
    require.extensions[".ts"] = (module, filename) => {
        const source = fs.readFileSync(filename, "utf8");
        const cached = path.join(CACHE_DIR, `${hash(TS_VERSION, tsconfig(tsconfigFile).text, filename, source)}.js`);
        let js;
        try {
            js = fs.readFileSync(cached, "utf8");
        } catch {
            js = transpile(filename, source, tsconfigFile);
            writeAtomic(cached, js);
        }
        module._compile(js, filename);
    };
}

/** The pack's TypeScript sources, relative to `packDir` (compiled output and dependencies left out). */
function packSources(packDir, rel = "") {
    return fs
        .readdirSync(path.join(packDir, rel), { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))
        .flatMap((e) => {
            const r = path.join(rel, e.name);
            if (e.isDirectory()) return e.name === "node_modules" || e.name === "bin" || e.name.startsWith(".") ? [] : packSources(packDir, r);
            return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [r] : [];
        });
}

/**
 * A copy of the policy pack in `packDir` with every TypeScript file transpiled and `main` pointing at the
 * JavaScript, in `<packDir>/bin/<hash of the sources>/`: inside the pack, so that it resolves its dependencies
 * exactly as the pack itself does. Built on first use after a change; returns its directory.
 */
function compiledPolicyPack(packDir) {
    const dir = path.resolve(packDir);
    const tsconfigFile = path.join(dir, "tsconfig.json");
    const sources = packSources(dir).map((rel) => ({ rel, text: fs.readFileSync(path.join(dir, rel), "utf8") }));
    const manifest = fs.readFileSync(path.join(dir, "package.json"), "utf8");
    const project = fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8");
    const key = hash(TS_VERSION, tsconfig(tsconfigFile).text, manifest, project, ...sources.flatMap((s) => [s.rel, s.text])).slice(0, 16);
    const bin = path.join(dir, "bin");
    const out = path.join(bin, key);
    if (fs.existsSync(path.join(out, "package.json"))) {
        // Marks it in use, so that a build of other sources leaves it alone (see the pruning below).
        const now = new Date();
        fs.utimesSync(out, now, now);
        return out;
    }

    const tmp = `${out}.${process.pid}.tmp`;
    fs.rmSync(tmp, { recursive: true, force: true });
    for (const s of sources) {
        const js = transpile(path.join(dir, s.rel), s.text, tsconfigFile);
        fs.mkdirSync(path.dirname(path.join(tmp, s.rel)), { recursive: true });
        fs.writeFileSync(path.join(tmp, s.rel.replace(/\.ts$/, ".js")), js);
    }
    const pkg = JSON.parse(manifest);
    pkg.main = String(pkg.main ?? "index.js").replace(/\.ts$/, ".js");
    fs.writeFileSync(path.join(tmp, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
    fs.writeFileSync(path.join(tmp, "PulumiPolicy.yaml"), project);
    try {
        fs.renameSync(tmp, out);
    } catch (err) {
        // Another plan built the same sources first: use its copy.
        fs.rmSync(tmp, { recursive: true, force: true });
        if (!fs.existsSync(path.join(out, "package.json"))) throw err;
    }
    // Copies of older sources are of no further use once no plan still starting could be loading one.
    const stale = Date.now() - 10 * 60 * 1000;
    for (const old of fs.readdirSync(bin)) {
        const file = path.join(bin, old);
        try {
            if (old !== key && fs.statSync(file).mtimeMs < stale) fs.rmSync(file, { recursive: true, force: true });
        } catch {
            // Pruned by another plan meanwhile.
        }
    }
    return out;
}

module.exports = { registerTypeScript, compiledPolicyPack };
