/**
 * Issue 11: the archived logs registered for Athena. The Glue table projects `task` (injected) and `dt` (date) over
 * exactly the key layout the app writes (app/src/observability/logKey.ts), the workgroup enforces its result location, encryption
 * and scan limit, results expire, and the task roles gain nothing.
 * https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html
 * https://docs.aws.amazon.com/athena/latest/ug/workgroups-settings-override.html
 */
import * as assert from "assert";
import { ARCHIVED_LOG_DATE_FORMAT, ARCHIVED_LOG_KEY_TEMPLATE } from "../../app/src/observability/logKey";
import { ConfigError, parseStackConfig } from "../../config";
import { allOfType, json, oneOfType, PROD_UPDATE_OVERRIDES, stackRun } from "../mocks";

const T = {
    table: "aws:glue/catalogTable:CatalogTable",
    database: "aws:glue/catalogDatabase:CatalogDatabase",
    workgroup: "aws:athena/workgroup:Workgroup",
    namedQuery: "aws:athena/namedQuery:NamedQuery",
    bucket: "aws:s3/bucket:Bucket",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
};

describe("program: archived logs registered for Athena (logAnalytics)", function () {
    this.timeout(120_000);
    const dev = () => stackRun({ stack: "dev" });
    const prod = () => stackRun({ stack: "prod", overrides: PROD_UPDATE_OVERRIDES });

    it("the Glue table's storage.location.template is the bucket plus the app's own archived-log key template, dt in the app's date format", async () => {
        const run = await dev();
        const bucket = oneOfType(run, T.bucket, "archive-bucket").outputs.bucket;
        const p: any = oneOfType(run, T.table).inputs.parameters;
        assert.strictEqual(p["storage.location.template"], `s3://${bucket}/${ARCHIVED_LOG_KEY_TEMPLATE}`);
        assert.strictEqual(p["storage.location.template"], `s3://${bucket}/logs/\${task}/\${dt}/`, "pinned: the layout the README documents");
        assert.strictEqual(p["projection.dt.format"], ARCHIVED_LOG_DATE_FORMAT);
        assert.strictEqual(p["projection.dt.format"], "yyyy/MM/dd");
    });

    it("projects task as injected and dt as a date over the last logQueryDays, with no crawler", async () => {
        for (const [run, days] of [[await dev(), 30], [await prod(), 90]] as const) {
            const t = oneOfType(run, T.table);
            assert.deepStrictEqual(
                Object.fromEntries(Object.entries(t.inputs.parameters as Record<string, unknown>).filter(([k]) => k.startsWith("projection."))),
                {
                    "projection.enabled": "true",
                    "projection.task.type": "injected",
                    "projection.dt.type": "date",
                    "projection.dt.format": "yyyy/MM/dd",
                    "projection.dt.range": `NOW-${days}DAYS,NOW`,
                    "projection.dt.interval": "1",
                    "projection.dt.interval.unit": "DAYS",
                },
            );
            assert.deepStrictEqual((t.inputs.partitionKeys as any[]).map((k: any) => `${k.name}:${k.type}`), ["task:string", "dt:string"]);
            assert.strictEqual(allOfType(run, "aws:glue/crawler:Crawler").length, 0);
        }
    });

    it("reads the app's JSON lines with the OpenX JSON SerDe, the log fields as columns", async () => {
        const sd: any = oneOfType(await dev(), T.table).inputs.storageDescriptor;
        assert.strictEqual(sd.serDeInfo.serializationLibrary, "org.openx.data.jsonserde.JsonSerDe");
        assert.strictEqual(sd.inputFormat, "org.apache.hadoop.mapred.TextInputFormat");
        const cols = sd.columns.map((c: any) => c.name);
        for (const field of ["time", "level", "msg", "uploadid", "key", "ms", "reason", "error"]) assert.ok(cols.includes(field), `column ${field}`);
        assert.ok(!cols.includes("task"), "task is the partition key, not a data column as well");
        assert.match(sd.location, /^s3:\/\/[^/]+\/logs\/$/);
    });

    it("the workgroup enforces its configuration, a per-query scan limit, and SSE-encrypted results under athena-results/", async () => {
        for (const [run, mb] of [[await dev(), 100], [await prod(), 10240]] as const) {
            const c: any = oneOfType(run, T.workgroup).inputs.configuration;
            const bucket = oneOfType(run, T.bucket, "archive-bucket").outputs.bucket;
            assert.strictEqual(c.enforceWorkgroupConfiguration, true);
            assert.strictEqual(c.bytesScannedCutoffPerQuery, mb * 1024 * 1024);
            assert.strictEqual(c.resultConfiguration.outputLocation, `s3://${bucket}/athena-results/`);
            assert.deepStrictEqual(c.resultConfiguration.encryptionConfiguration, { encryptionOption: "SSE_S3" });
        }
    });

    it("a KMS-encrypted archive encrypts query results with the same key", async () => {
        const key = "arn:aws:kms:us-east-1:210987654321:key/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901";
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:archiveKmsKeyArn": key } });
        assert.deepStrictEqual((oneOfType(run, T.workgroup).inputs.configuration as any).resultConfiguration.encryptionConfiguration, { encryptionOption: "SSE_KMS", kmsKeyArn: key });
    });

    it("query results expire after 7 days (old versions a day later); the archive's own rules are unchanged", async () => {
        const rules = oneOfType(await dev(), T.lifecycle, "archive-lifecycle").inputs.rules as any[];
        const expire = rules.find((r) => r.filter?.prefix === "athena-results/");
        assert.ok(expire, `a rule for athena-results/: ${JSON.stringify(rules.map((r) => r.id))}`);
        assert.deepStrictEqual([expire.status, expire.expiration.days, expire.noncurrentVersionExpiration.noncurrentDays], ["Enabled", 7, 1]);
        assert.ok(rules.some((r) => r.id === "archive-current-versions"));
    });

    it("registers the three named queries in the workgroup, against the logs database", async () => {
        const run = await dev();
        const names = allOfType(run, T.namedQuery).map((q) => q.inputs.name).sort();
        assert.deepStrictEqual(names, ["errors-per-task-per-hour", "quarantines", "slowest-archives"]);
        const wg = oneOfType(run, T.workgroup).inputs.name;
        const db = oneOfType(run, T.database).inputs.name;
        assert.match(String(db), /^[a-z0-9_]+$/, "a Glue/Athena name that needs no quoting");
        for (const q of allOfType(run, T.namedQuery)) assert.deepStrictEqual([q.inputs.workgroup, q.inputs.database], [wg, db]);
    });

    it("the task roles gain nothing: no identity policy names Athena or Glue", async () => {
        const run = await prod();
        for (const p of allOfType(run, T.rolePolicy)) {
            const actions = JSON.stringify(json(p.inputs.policy).Statement.flatMap((s: any) => s.Action));
            assert.doesNotMatch(actions, /athena:|glue:/, `${p.name}: ${actions}`);
            assert.doesNotMatch(JSON.stringify(json(p.inputs.policy)), /athena-results/, `${p.name} reaches no query result`);
        }
    });

    it("without logAnalytics there is no table, workgroup or results rule", async () => {
        const run = await stackRun({ stack: "dev", overrides: { "fargate-efs-s3:logAnalytics": "false" } });
        assert.deepStrictEqual([allOfType(run, T.table).length, allOfType(run, T.workgroup).length], [0, 0]);
        assert.ok(!(oneOfType(run, T.lifecycle, "archive-lifecycle").inputs.rules as any[]).some((r) => r.filter?.prefix === "athena-results/"));
    });
});

describe("config: logQueryDays must end before the archive's Glacier transition", () => {
    const BASE = { "aws:region": "us-east-1", "fargate-efs-s3:allowPlainHttp": "true", "fargate-efs-s3:logAnalytics": "true" };
    const problems = (o: Record<string, string>) => {
        try {
            parseStackConfig({ ...BASE, ...o });
            return [];
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return e.problems;
        }
    };

    it("logQueryDays past the default 90-day Glacier transition is refused, naming both keys", () => {
        const p = problems({ "fargate-efs-s3:logQueryDays": "120" });
        assert.strictEqual(p.length, 1, JSON.stringify(p));
        assert.strictEqual(p[0].key, "fargate-efs-s3:logQueryDays");
        assert.match(p[0].reason, /archiveLifecycle\.transitions .*after 90 days.*at most 90/);
    });
    it("up to the transition is accepted (90 of 90), and a DEEP_ARCHIVE transition counts too", () => {
        assert.deepStrictEqual(problems({ "fargate-efs-s3:logQueryDays": "90" }), []);
        const lifecycle = JSON.stringify({ transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 60, storageClass: "DEEP_ARCHIVE" }] });
        const p = problems({ "fargate-efs-s3:logQueryDays": "61", "fargate-efs-s3:archiveLifecycle": lifecycle });
        assert.deepStrictEqual(p.map((x) => x.key), ["fargate-efs-s3:logQueryDays"]);
        assert.match(p[0].reason, /after 60 days/);
    });
    it("a scan limit under Athena's 10 MB minimum is refused by its key", () => {
        assert.deepStrictEqual(problems({ "fargate-efs-s3:athenaBytesScannedCutoffMb": "5" }).map((x) => x.key), ["fargate-efs-s3:athenaBytesScannedCutoffMb"]);
    });
});
