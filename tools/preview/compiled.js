"use strict";
/**
 * How `npm run plan` runs TypeScript without paying for a compiler at every start.
 *
 * - The plan's own modules, the program and its components load through a `.ts` require hook that transpiles
 *   each file once (TypeScript's `transpileModule`, as ts-node's transpile-only mode does) and keeps the result
 *   in `node_modules/.cache/fargate-efs-s3/`, keyed by the file's content, the tsconfig and the TypeScript
 *   version: a warm start loads neither the compiler nor ts-node's source-map-support (which would otherwise
 *   map every stack trace the Pulumi SDK takes for each resource). Stack traces still point into the `.ts`
 *   sources, through the inline maps (mapStackTraces).
 * - The policy pack is served from a transpiled copy of `policies/` in `policies/bin/<content hash>/`, started
 *   with plain node (spawn.ts, launch "direct"; test/analyzer/launch.spec.ts proves it answers as the pack the
 *   CLI starts). `pulumi preview --policy-pack policies` itself is unchanged: the CLI runs run-policy-pack, which
 *   loads `policies/index.ts` through ts-node and type-checks it.
 * - Where each installed package's `require` resolved is remembered between plans, per npm install
 *   (cacheResolutions).
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

/** Transpiled file → where its JavaScript (with the inline source map) is cached; see mapStackTraces. */
const transpiledFiles = new Map();
/** JavaScript file → its parsed inline source map (null if it has none), parsed the first time a frame needs it. */
const sourceMaps = new Map();

function sourceMapOf(jsFile) {
    let map = sourceMaps.get(jsFile);
    if (map === undefined) {
        map = null;
        try {
            const js = fs.readFileSync(jsFile, "utf8");
            const inline = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
            if (inline) map = new (require("module").SourceMap)(JSON.parse(Buffer.from(inline[1], "base64").toString("utf8")));
        } catch {
            // No map: the frame keeps the JavaScript's position.
        }
        sourceMaps.set(jsFile, map);
    }
    return map;
}

/**
 * Stack traces name the TypeScript line of every frame in a transpiled file. Node's own source-map support
 * (`--enable-source-maps`, `setSourceMapsSupport`) would do it too, but looks every frame of every trace up by
 * URL, and the Pulumi SDK takes an unbounded trace for each resource and each promise it creates: a sixth of
 * the plan's time went there. This formats frames as V8 does and maps only those of the files `origin` knows:
 * it names the JavaScript that carries the file's inline map, and the TypeScript file to show.
 */
function mapStackTraces(origin) {
    const frame = (callsite) => {
        const file = callsite.getFileName();
        const from = file ? origin(file) : undefined;
        const text = String(callsite);
        if (from === undefined) return text;
        const line = callsite.getLineNumber();
        const column = callsite.getColumnNumber();
        const entry = line && column ? sourceMapOf(from.js)?.findEntry(line - 1, column - 1) : undefined;
        if (!entry || entry.originalLine === undefined) return text;
        const at = `${file}:${line}:${column}`;
        const i = text.lastIndexOf(at);
        return i < 0 ? text : `${text.slice(0, i)}${from.ts}:${entry.originalLine + 1}:${entry.originalColumn + 1}${text.slice(i + at.length)}`;
    };
    Error.prepareStackTrace = (error, callsites) => {
        let head;
        try {
            head = Error.prototype.toString.call(error);
        } catch {
            head = "Error";
        }
        return callsites.length === 0 ? head : `${head}\n    at ${callsites.map(frame).join("\n    at ")}`;
    };
}

/**
 * For the pack's transpiled copy (`<pack>/bin/<hash>/`), run as plain JavaScript with packStacks.js preloaded
 * (plan.ts): its stack traces name the pack's own TypeScript files and lines, as under run-policy-pack.
 */
function mapPackStackTraces(copyDir) {
    const copy = path.resolve(copyDir);
    const pack = path.dirname(path.dirname(copy));
    mapStackTraces((file) => {
        const rel = path.relative(copy, file);
        return rel.startsWith("..") || path.isAbsolute(rel) || !rel.endsWith(".js") ? undefined : { js: file, ts: path.join(pack, rel.replace(/\.js$/, ".ts")) };
    });
}

/**
 * Remembers, from one plan to the next, where a `require` of an installed package resolved to. Node resolves each
 * of the ~800 modules a plan loads by probing the file system (candidate files, every package.json on the way) and
 * keeps nothing between runs; that was an eighth of the plan's time. The hook is on `Module._resolveFilename`, the
 * resolver's long-standing override point. cache-require-paths does the same, but caches every path, the
 * repository's own imports included, and never invalidates anything: after an install it keeps answering with the
 * old paths. Hence these few lines.
 *
 * Only answers inside `node_modules/` are kept, for bare specifiers and for requests made from within
 * `node_modules/`: they change only when packages are installed, and npm rewrites `node_modules/.package-lock.json`
 * on every install, so the cache is keyed by that file's size and time, the Node release and the flags Node runs
 * with (conditions, symlink handling), and a new install starts a new one. The repository's own relative imports are
 * always resolved afresh. An answer whose file has gone (node_modules edited by hand) is resolved afresh too. Each
 * `role` (the plan, the pack it starts) keeps a file of its own, so that the two processes never overwrite each
 * other's answers. Returns a function that saves what this process learned (also called at its exit).
 */
function cacheResolutions(root = ROOT, role = "plan") {
    const Module = require("module");
    const nodeModules = `${path.join(root, "node_modules")}${path.sep}`;
    let installed;
    try {
        installed = fs.statSync(path.join(nodeModules, ".package-lock.json"));
    } catch {
        return () => undefined; // not installed by npm: nothing to key the cache by
    }
    const key = hash(process.version, String(installed.mtimeMs), String(installed.size), process.execArgv.join(" "), process.env.NODE_OPTIONS ?? "");
    const file = path.join(nodeModules, ".cache", "fargate-efs-s3", `resolved-${role}-${key.slice(0, 16)}.json`);
    let known = {};
    try {
        const parsed = JSON.parse(fs.readFileSync(file, "utf8"));
        if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) known = parsed;
    } catch {
        // First plan after an install.
    }
    let learned = 0;
    /** Answers whose file was seen to exist in this process. */
    const present = new Set();
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, parent, isMain, options) {
        const from = parent?.filename;
        if (isMain || options !== undefined || typeof from !== "string" || Module.isBuiltin(request)) return resolve.apply(this, arguments);
        const bare = !request.startsWith(".") && !path.isAbsolute(request);
        if (!bare && !from.startsWith(nodeModules)) return resolve.apply(this, arguments);
        const at = `${path.dirname(from)}\0${request}`;
        const hit = Object.hasOwn(known, at) ? known[at] : undefined;
        if (typeof hit === "string" && (present.has(hit) || (fs.existsSync(hit) && present.add(hit)))) return hit;
        const resolved = resolve.apply(this, arguments);
        if (resolved.startsWith(nodeModules)) {
            known[at] = resolved;
            learned++;
        }
        return resolved;
    };
    const save = () => {
        if (learned === 0) return;
        learned = 0;
        try {
            writeAtomic(file, JSON.stringify(known));
        } catch {
            // A read-only checkout plans as fast as before this cache existed.
        }
    };
    process.once("exit", save);
    return save;
}

/** Loads `.ts` files as cached transpiled JavaScript, with the root tsconfig's options. */
function registerTypeScript(tsconfigFile = path.join(ROOT, "tsconfig.json")) {
    mapStackTraces((file) => {
        const js = transpiledFiles.get(file);
        return js === undefined ? undefined : { js, ts: file };
    });
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
        transpiledFiles.set(filename, cached);
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

module.exports = { registerTypeScript, cacheResolutions, compiledPolicyPack, mapPackStackTraces };
