/**
 * IAM proven by simulation (issue 8): every S3 request the app makes, as recorded by test/support/s3CallRecorder.js
 * in a run of its own here (upload → archive → download → status, and `archive --once`) and in the app specs when
 * they ran first, is evaluated with @cloud-copilot/iam-simulate against the policies the program really renders
 * (run under the mocks) for the role that makes it: the task role for `serve`, the drain task role for
 * `archive --once`. Every one must be allowed; a list of requests that must be refused must be refused.
 * Evaluation as IAM does it, same account: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
import { strict as assert } from "assert";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import * as fs from "fs";
import * as path from "path";
import { allOfType, deps, oneOfType, PROD_UPDATE_OVERRIDES, stackRun } from "../mocks";
import { serviceDefaults } from "../../components";
import { createVersionedBucket, startMoto } from "../support/s3server";
import { pdf, removeTempDataDirs, runApp, S3_CALL_LOG, S3_CALL_RECORDER, startApp, tempDataDir, upload, waitFor } from "../app/helpers";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/2222-s3`;

interface Call {
    action: string;
    resource: string;
    context: Record<string, string>;
    command: string;
    archivePrefix: string;
    via: string;
    api?: string;
}
type Policy = { Version: string; Statement: any[] };
interface Rendered {
    bucketName: string;
    archivePrefix: string;
    bucketPolicy: Policy;
    roles: Record<"serve" | "archive", { arn: string; policies: { name: string; policy: Policy }[] }>;
    fileSystemArn: string;
    fileSystemPolicy: Policy;
    accessPointArn: string;
    kmsKey?: string;
}

const readCalls = (file: string): Call[] => fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

async function rendered(stack: string, overrides: Record<string, string> = {}): Promise<Rendered> {
    // An update, as `pulumi up` renders it: prod's shipped certificate is a placeholder that an update refuses.
    const run = await stackRun({ stack, overrides: stack === "prod" ? { ...PROD_UPDATE_OVERRIDES, ...overrides } : overrides });
    const role = (name: string) => {
        const r = oneOfType(run, "aws:iam/role:Role", name);
        const policies = allOfType(run, "aws:iam/rolePolicy:RolePolicy")
            .filter((p) => deps(p, "role").includes(r.urn))
            .map((p) => ({ name: p.name, policy: JSON.parse(p.inputs.policy as string) }));
        return { arn: r.outputs.arn as string, policies };
    };
    return {
        bucketName: run.outputs.bucketName as string,
        archivePrefix: serviceDefaults(run.config.service).archivePrefix,
        bucketPolicy: JSON.parse(oneOfType(run, "aws:s3/bucketPolicy:BucketPolicy", "archive-policy").inputs.policy as string),
        roles: { serve: role("app-task-role"), archive: role("app-drain-task-role") },
        fileSystemArn: oneOfType(run, "aws:efs/fileSystem:FileSystem").outputs.arn as string,
        fileSystemPolicy: JSON.parse(oneOfType(run, "aws:efs/fileSystemPolicy:FileSystemPolicy").inputs.policy as string),
        accessPointArn: oneOfType(run, "aws:efs/accessPoint:AccessPoint").outputs.arn as string,
        kmsKey: overrides["fargate-efs-s3:archiveKmsKeyArn"],
    };
}

/** A recorded call as it would reach the stack's bucket: the bucket and the archive prefix the app used, renamed. */
function onStack(call: Call, r: Rendered): Call {
    const rename = (key: string) => (key.startsWith(call.archivePrefix) ? r.archivePrefix + key.slice(call.archivePrefix.length) : key);
    const m = /^arn:aws:s3:::([^/]+)(?:\/(.*))?$/.exec(call.resource);
    assert.ok(m, `not an S3 ARN: ${call.resource}`);
    const resource = m[2] === undefined ? `arn:aws:s3:::${r.bucketName}` : `arn:aws:s3:::${r.bucketName}/${rename(m[2])}`;
    const context = { ...call.context };
    if (context["s3:prefix"] !== undefined) context["s3:prefix"] = rename(context["s3:prefix"]);
    return { ...call, resource, context };
}

/** The KMS requests S3 makes as the caller for an object request under SSE-KMS (none for HEAD). */
function kmsCallsFor(call: Call, key: string): Call[] {
    const via = { "kms:ViaService": `s3.${REGION}.amazonaws.com`, "kms:CallerAccount": ACCOUNT };
    const kms = (action: string): Call => ({ ...call, action, resource: key, context: { ...call.context, ...via } });
    if (call.action === "s3:PutObject") return call.api && call.api !== "PutObjectCommand" ? [kms("kms:GenerateDataKey"), kms("kms:Decrypt")] : [kms("kms:GenerateDataKey")];
    if ((call.action === "s3:GetObject" || call.action === "s3:GetObjectVersion") && call.api !== "HeadObjectCommand") return [kms("kms:Decrypt")];
    return [];
}

/** The key policy AWS creates by default: the account's IAM policies decide. */
const defaultKeyPolicy = (): Policy => ({
    Version: "2012-10-17",
    Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
});

async function decide(principal: string, policies: { name: string; policy: Policy }[], call: Pick<Call, "action" | "resource" | "context">, resourcePolicy: Policy): Promise<string> {
    const result = await runSimulation(
        {
            request: { principal, action: call.action, resource: { resource: call.resource, accountId: ACCOUNT }, contextVariables: call.context },
            identityPolicies: policies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy,
        },
        {},
    );
    if (result.resultType === "error") throw new Error(`${call.action} on ${call.resource}: ${JSON.stringify(result.errors)}`);
    return result.overallResult;
}

/** Every call the simulation does not allow, with why it was asked, for the failure message. */
async function refused(r: Rendered, calls: Call[], roles = r.roles): Promise<string[]> {
    const out: string[] = [];
    for (const raw of calls) {
        const role = roles[raw.command === "archive" ? "archive" : "serve"];
        const call = onStack(raw, r);
        const checks: [Call, Policy][] = [[call, r.bucketPolicy]];
        if (r.kmsKey) for (const k of kmsCallsFor(call, r.kmsKey)) checks.push([k, defaultKeyPolicy()]);
        for (const [c, resourcePolicy] of checks) {
            const verdict = await decide(role.arn, role.policies, c, resourcePolicy);
            if (verdict !== "Allowed") out.push(`${verdict}: ${raw.command} ${c.action} ${c.resource} ${JSON.stringify(c.context)} (${raw.via}${raw.api ? ` ${raw.api}` : ""})`);
        }
    }
    return [...new Set(out)];
}

/** One distinct call per (command, action, resource shape, context keys): the log repeats the same few calls. */
function distinct(calls: Call[]): Call[] {
    const seen = new Map<string, Call>();
    for (const c of calls) {
        const shape = c.resource.replace(/[0-9a-f-]{36}/g, "<id>").replace(/\/[^/]+$/, "/<name>");
        seen.set(JSON.stringify([c.command, c.action, shape, c.archivePrefix, Object.keys(c.context).sort(), c.context["s3:prefix"]?.replace(/[0-9a-f-]{36}/g, "<id>"), c.api]), c);
    }
    return [...seen.values()];
}

describe("IAM proven by simulation: the app's S3 requests against the rendered policies (issue 8)", function () {
    this.timeout(600_000);
    let own: Call[] = [];
    let fromAppSpecs: Call[] = [];

    before(async function () {
        // The app run of this spec: upload (single part and multipart), archive, download the archived version,
        // status, an unknown id, a graceful stop (the app archives its own log), then `archive --once`.
        const s3 = await startMoto();
        const log = path.join(path.dirname(S3_CALL_LOG), `s3-calls-iam-${process.pid}.jsonl`);
        fs.rmSync(log, { force: true });
        try {
            const bucket = `iam-spec-${process.pid}`;
            createVersionedBucket(s3.endpoint, bucket);
            const dataDir = tempDataDir();
            const env = { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: s3.endpoint, S3_CALL_LOG: log, NODE_OPTIONS: `--require ${S3_CALL_RECORDER}`, MULTIPART_PART_BYTES: String(5 * 1024 * 1024) };
            const app = await startApp(env);
            try {
                const small = await upload(app.url, "small.pdf", pdf(2048));
                const large = await upload(app.url, "large.pdf", pdf(6 * 1024 * 1024));
                assert.equal(small.status, 202);
                assert.equal(large.status, 202);
                for (const id of [small.body.id, large.body.id]) {
                    await waitFor(`upload ${id} archived`, async () => (((await (await fetch(`${app.url}/uploads/${id}`)).json()) as { status?: string }).status === "archived" ? true : undefined));
                }
                const content = await fetch(`${app.url}/uploads/${small.body.id}/content`, { redirect: "manual" });
                assert.equal(content.status, 302, "an archived upload is served by a presigned URL");
                for (const probe of ["/status", "/healthz"]) await (await fetch(`${app.url}${probe}`)).text();
                assert.equal((await fetch(`${app.url}/uploads/00000000-0000-4000-8000-000000000000`)).status, 404);
            } finally {
                await app.stop("SIGTERM");
            }
            const drain = await runApp(["archive", "--once"], env);
            assert.equal(drain.code, 0, drain.stderr);
        } finally {
            await s3.stop();
            removeTempDataDirs();
        }
        assert.ok(fs.existsSync(log), `the recorder wrote nothing to ${log}: is test/support/s3CallRecorder.js loaded by NODE_OPTIONS?`);
        own = readCalls(log);
        fromAppSpecs = fs.existsSync(S3_CALL_LOG) ? readCalls(S3_CALL_LOG) : [];
    });

    it("(control) the recorder saw the app's requests, each kind the app makes, from both commands", () => {
        const seen = new Set(own.map((c) => `${c.command} ${c.action}${c.api ? ` ${c.api}` : ""}`));
        for (const expected of [
            "serve s3:PutObject",
            "serve s3:PutObject CreateMultipartUploadCommand",
            "serve s3:PutObject UploadPartCommand",
            "serve s3:GetObject HeadObjectCommand",
            "serve s3:GetObjectVersion GetObjectCommand",
            "serve s3:ListBucket ListObjectsV2Command",
            "archive s3:PutObject",
        ]) {
            assert.ok(seen.has(expected), `no "${expected}" among ${[...seen].join("; ")}`);
        }
    });

    const variants: [string, string, Record<string, string>][] = [
        ["dev", "dev", {}],
        ["prod", "prod", {}],
        ["prod with a KMS key for the bucket", "prod", { "fargate-efs-s3:archiveKmsKeyArn": KMS_KEY }],
    ];
    for (const [label, stack, overrides] of variants) {
        describe(label, () => {
            let r: Rendered;
            before(async () => {
                r = await rendered(stack, overrides);
            });

            it("allows every S3 request of this spec's app run, as the role that makes it", async () => {
                assert.deepEqual(await refused(r, distinct(own)), []);
            });

            it("allows every S3 request the app specs recorded in this mocha run (none when they did not run)", async () => {
                assert.deepEqual(await refused(r, distinct(fromAppSpecs)), []);
            });

            it("refuses what the roles must never do: another prefix, another bucket, DeleteObject, a request without TLS" + (overrides["fargate-efs-s3:archiveKmsKeyArn"] ? ", the key outside S3" : ""), async () => {
                const bucket = `arn:aws:s3:::${r.bucketName}`;
                const tls = { "aws:SecureTransport": "true" };
                const mustDeny: [string, Call["action"], string, Record<string, string>, Policy?][] = [
                    ["serve", "s3:PutObject", `${bucket}/other/x`, tls],
                    ["serve", "s3:GetObject", `${bucket}/other/x`, tls],
                    ["serve", "s3:DeleteObject", `${bucket}/${r.archivePrefix}x/y`, tls],
                    ["serve", "s3:DeleteObjectVersion", `${bucket}/${r.archivePrefix}x/y`, tls],
                    ["serve", "s3:GetObject", `${bucket}/${r.archivePrefix}x/y`, { "aws:SecureTransport": "false" }],
                    ["serve", "s3:PutObject", "arn:aws:s3:::someone-elses-bucket/uploads/x", tls],
                    ["serve", "s3:PutBucketPolicy", bucket, tls],
                    ["archive", "s3:GetObjectVersion", `${bucket}/${r.archivePrefix}x/y`, tls],
                    ["archive", "s3:PutObject", `${bucket}/other/x`, tls],
                ];
                if (r.kmsKey) {
                    mustDeny.push(["serve", "kms:Decrypt", r.kmsKey, tls, defaultKeyPolicy()], ["serve", "kms:Decrypt", r.kmsKey, { ...tls, "kms:ViaService": `sqs.${REGION}.amazonaws.com` }, defaultKeyPolicy()]);
                }
                for (const [command, action, resource, context, resourcePolicy] of mustDeny) {
                    const role = r.roles[command as "serve" | "archive"];
                    const verdict = await decide(role.arn, role.policies, { action, resource, context }, resourcePolicy ?? r.bucketPolicy);
                    assert.notEqual(verdict, "Allowed", `${command} ${action} ${resource} ${JSON.stringify(context)}`);
                }
            });

            it("(control) without s3:GetObjectVersion in the task role's grants, the recorded presigned download is refused", async () => {
                const strip = (p: Policy): Policy => ({ ...p, Statement: p.Statement.map((s) => ({ ...s, Action: [s.Action].flat().filter((a: string) => a !== "s3:GetObjectVersion") })) });
                const roles = { ...r.roles, serve: { ...r.roles.serve, policies: r.roles.serve.policies.map((p) => ({ ...p, policy: strip(p.policy) })) } };
                const denied = await refused(r, distinct(own), roles);
                assert.ok(denied.some((d) => d.includes("s3:GetObjectVersion")), denied.join("\n") || "nothing refused");
            });

            it("lets both roles mount EFS only through the access point, over TLS, and never as root", async () => {
                const tls = { "aws:SecureTransport": "true", "elasticfilesystem:AccessedViaMountTarget": "true" };
                const viaAp = { ...tls, "elasticfilesystem:AccessPointArn": r.accessPointArn };
                for (const role of Object.values(r.roles)) {
                    const mount = (action: string, context: Record<string, string>) => decide(role.arn, role.policies, { action, resource: r.fileSystemArn, context }, r.fileSystemPolicy);
                    assert.equal(await mount("elasticfilesystem:ClientMount", viaAp), "Allowed");
                    assert.equal(await mount("elasticfilesystem:ClientWrite", viaAp), "Allowed");
                    assert.notEqual(await mount("elasticfilesystem:ClientMount", tls), "Allowed", "without an access point");
                    assert.notEqual(await mount("elasticfilesystem:ClientMount", { ...viaAp, "aws:SecureTransport": "false" }), "Allowed", "without TLS");
                    assert.notEqual(await mount("elasticfilesystem:ClientRootAccess", viaAp), "Allowed", "as root");
                    assert.notEqual(await mount("elasticfilesystem:ClientMount", { ...viaAp, "elasticfilesystem:AccessPointArn": `${r.accessPointArn}-other` }), "Allowed", "another access point");
                }
            });
        });
    }
});
