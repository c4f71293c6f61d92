/**
 * Issue 11: the named Athena queries are tested, not just declared. Each is parsed with sqlglot's Trino dialect (the
 * engine Athena v3 is built on), so a syntax error fails here; then it is transpiled to DuckDB and run over the logs
 * the app really archived to S3 (moto) during this spec, downloaded with the aws CLI into a directory laid out like
 * the bucket, with the table defined like the Glue one (same columns, task and dt from the key template).
 *
 * What this cannot prove about Athena: that Athena's planner accepts `?` as the static value an injected partition
 * needs, that the OpenX SerDe reads these lines exactly as DuckDB's read_json does (types, case folding, malformed
 * lines), partition pruning and the bytes a query scans, or functions whose Trino and DuckDB semantics differ beyond
 * what sqlglot maps (time zones, date_format patterns). Those are Athena's to show on a real `pulumi up`.
 * https://docs.aws.amazon.com/athena/latest/ug/engine-versions-reference-0003.html
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import { ARCHIVED_LOG_DATE_FORMAT, ARCHIVED_LOG_KEY_TEMPLATE } from "../../app/src/observability/logKey";
import { LOG_COLUMNS, LOG_DATE_FORMAT, LOG_KEY_TEMPLATE, NAMED_QUERIES } from "../../components/logQueries";
import { pdf, removeTempDataDirs, runApp, startApp, tempDataDir, upload, waitFor } from "../app/helpers";
import { aws, createVersionedBucket, ensureMoto, S3Server, startMoto, VENV_PYTHON } from "../support/s3server";

const RUNNER = path.join(__dirname, "runQueries.py");

/**
 * The regular expression a key (relative to the bucket) must match to lie under the projection's
 * `storage.location.template`: `${task}` one path segment, `${dt}` the date format's digits.
 */
export function projectionKeyPattern(template: string, dateFormat: string): RegExp {
    const dt = dateFormat.replace(/yyyy/, "\\d{4}").replace(/MM/, "(?:0[1-9]|1[0-2])").replace(/dd/, "(?:0[1-9]|[12]\\d|3[01])");
    const body = template
        .split(/(\$\{task\}|\$\{dt\})/)
        .map((part) => (part === "${task}" ? "([^/]+)" : part === "${dt}" ? `(${dt})` : part.replace(/[.*+?^()|[\]\\{}$]/g, "\\$&")))
        .join("");
    return new RegExp(`^${body}[^/]+\\.jsonl$`);
}

interface Answer {
    parsed: Record<string, string>;
    errors: Record<string, string>;
    results: Record<string, any[]>;
}

function runQueries(queries: Record<string, string>, extra: { logDir?: string; params?: string[] } = {}): Answer {
    const request = { queries, columns: LOG_COLUMNS, logDir: extra.logDir ?? null, params: extra.params ?? [], keyPattern: projectionKeyPattern(LOG_KEY_TEMPLATE, LOG_DATE_FORMAT).source };
    return JSON.parse(execFileSync(VENV_PYTHON, [RUNNER], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }));
}

const sqlOf = Object.fromEntries(Object.entries(NAMED_QUERIES).map(([n, q]) => [n, q.sql]));

describe("analytics: the named Athena queries parse as Trino and answer over logs the app archived", function () {
    this.timeout(300_000);
    let s3: S3Server;

    before(async () => {
        ensureMoto();
        s3 = await startMoto();
    });
    after(async () => {
        await s3?.stop();
        removeTempDataDirs();
    });

    it("every named query parses with sqlglot's trino dialect and transpiles to DuckDB", () => {
        const a = runQueries(sqlOf);
        assert.deepStrictEqual(a.errors, {});
        assert.deepStrictEqual(Object.keys(a.parsed).sort(), ["errors-per-task-per-hour", "quarantines", "slowest-archives"]);
    });

    it("(control) a query with a syntax error is refused by the parser, by name", () => {
        const a = runQueries({ broken: sqlOf["quarantines"].replace("ORDER BY", "ORDER"), fine: sqlOf["quarantines"] });
        assert.deepStrictEqual(Object.keys(a.errors), ["broken"]);
        assert.match(a.errors.broken, /ParseError/);
    });

    it("the table's key template is the app's, and the app's archived log keys parse under it", async () => {
        assert.strictEqual(LOG_KEY_TEMPLATE, ARCHIVED_LOG_KEY_TEMPLATE);
        assert.strictEqual(LOG_DATE_FORMAT, ARCHIVED_LOG_DATE_FORMAT);
        const pattern = projectionKeyPattern(LOG_KEY_TEMPLATE, LOG_DATE_FORMAT);
        assert.ok(!pattern.test("logs/web/2026-11-28T00-00-00-000Z.jsonl"), "(control) the old undated layout does not parse");
        assert.ok(!pattern.test("logs/web/2026/13/01/a.jsonl"), "(control) nor a month that is no month");
    });

    it("over the app's own archived logs: its error shows in errors-per-task-per-hour, its archives in slowest-archives, its quarantine with the reason", async () => {
        const bucket = `analytics-spec-${process.pid}`;
        createVersionedBucket(s3.endpoint, bucket);
        const dataDir = tempDataDir();
        const env = { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: s3.endpoint, CLAIM_LEASE_SECONDS: "2" };
        const app = await startApp({ ...env, TASK_ID: "web-1" });
        const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));
        const png: Buffer = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#00ff00" } }).png().toBuffer();
        // A PNG signature and header, then zeros: accepted as image/png, then quarantined (an error line) by processing.
        const broken = await upload(app.url, "broken.png", Buffer.concat([png.subarray(0, 33), Buffer.alloc(5000)]));
        const good = await upload(app.url, "report.pdf", pdf(200_000));
        assert.deepStrictEqual([broken.status, good.status], [202, 202]);
        await waitFor("the quarantine and the archive", () =>
            app.lines().some((l) => l.msg === "quarantined" && l.uploadId === broken.body.id) && app.lines().some((l) => l.msg === "archived" && l.uploadId === good.body.id) ? true : undefined,
        );
        await app.stop();
        // serve queued its log when it stopped; archive --once (another task) archives it, and its own log.
        const once = await runApp(["archive", "--once"], { ...env, TASK_ID: "archiver-1" });
        assert.ok(once.code === 0 || once.code === 1, once.stderr);

        const keys: string[] = (aws(s3.endpoint, ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "logs/"])?.Contents ?? []).map((o: any) => o.Key);
        const pattern = projectionKeyPattern(LOG_KEY_TEMPLATE, LOG_DATE_FORMAT);
        assert.ok(keys.some((k) => k.startsWith("logs/web-1/")), `web-1's log is archived: ${keys.join(", ")}`);
        for (const k of keys) assert.match(k, pattern, `${k} lies under the projection template`);
        const today = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
        assert.ok(keys.every((k) => k.match(pattern)![2] <= today), "dated by the file's last write, never in the future");

        const logDir = tempDataDir();
        aws(s3.endpoint, ["s3", "sync", `s3://${bucket}/`, logDir, "--only-show-errors"]);
        const a = runQueries(sqlOf, { logDir, params: ["web-1"] });
        assert.deepStrictEqual(a.errors, {});

        const errorLines = app.lines().filter((l) => l.level === "error");
        assert.ok(errorLines.length >= 1);
        const perHour = new Map<string, number>();
        for (const l of errorLines) {
            const hour = `${l.time.slice(0, 10)} ${l.time.slice(11, 13)}:00:00+00:00`;
            perHour.set(hour, (perHour.get(hour) ?? 0) + 1);
        }
        assert.deepStrictEqual(
            a.results["errors-per-task-per-hour"].map((r) => [r.task, String(r.hour), r.errors]),
            [...perHour].map(([hour, n]) => ["web-1", hour, n]),
            "the task's error lines, counted per UTC hour, as the app printed them",
        );

        const slowest = a.results["slowest-archives"];
        const archived = app.lines().filter((l) => l.msg === "archived");
        assert.strictEqual(slowest.length, archived.length);
        assert.deepStrictEqual(slowest.map((r) => r.ms), archived.map((l) => l.ms).sort((x, y) => y - x), "slowest first");
        const report = slowest.find((r) => r.uploadid === good.body.id);
        assert.ok(report && report.size === 200_000 && report.key.endsWith("/report.pdf"), JSON.stringify(slowest));

        const q = a.results["quarantines"];
        assert.deepStrictEqual(q.map((r) => r.uploadid), [broken.body.id]);
        assert.match(q[0].reason, /cannot decode image\/png/);

        const other = runQueries(sqlOf, { logDir, params: ["archiver-1"] });
        assert.deepStrictEqual(other.results["quarantines"], [], "another task's partition holds none of web-1's lines");
    });
});
