/**
 * Records every S3 request an app process signs, as IAM authorizes it, one JSON line per request appended to the file
 * named by S3_CALL_LOG. Loaded into the app with NODE_OPTIONS=--require by the app specs and the IAM spec; without
 * S3_CALL_LOG it does nothing. test/iam/taskRole.spec.ts evaluates each line with @cloud-copilot/iam-simulate against
 * the policies the program renders, so a new S3 call in the app without a matching grant fails that spec.
 *
 * Two hooks, because the app signs requests two ways:
 * - an SDK middleware on every S3Client, at the initialize step, so that getSignedUrl (which runs the client's
 *   middleware up to signing and returns the URL instead of sending) passes through it as well as client.send;
 * - a wrapper of SignatureV4#sign for requests signed outside any SDK middleware stack (the app's own single-part
 *   PutObject in app/src/s3/put.ts), mapped from the HTTP request as S3 maps it.
 *
 * Actions as S3 authorizes them: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html
 * A request naming a version id is authorized as the *Version action; HeadObject as GetObject; every request of a
 * multipart upload but the abort as PutObject; ListObjectsV2 as ListBucket with the s3:prefix it asked for.
 * aws:SecureTransport is recorded as in AWS: the app sets S3_ENDPOINT only for a local server, and without it the SDK
 * and app/src/s3/put.ts speak HTTPS only.
 */
"use strict";
const fs = require("fs");
const Module = require("module");
const { AsyncLocalStorage } = require("async_hooks");

const LOG = process.env.S3_CALL_LOG;
const PATCHED = Symbol.for("fargate-efs-s3.s3CallRecorder");
const inSdk = new AsyncLocalStorage();
const command = process.argv[2] ?? "unknown";

function record(call) {
    const line = { ...call, command, archivePrefix: process.env.ARCHIVE_PREFIX ?? "uploads/", pid: process.pid };
    line.context = { "aws:SecureTransport": "true", ...call.context };
    fs.appendFileSync(LOG, JSON.stringify(line) + "\n");
}

const objectArn = (bucket, key) => `arn:aws:s3:::${bucket}/${key}`;
const bucketArn = (bucket) => `arn:aws:s3:::${bucket}`;

/** The IAM request(s) of one SDK command, from its name and input. */
function fromCommand(name, input) {
    const { Bucket: bucket, Key: key, VersionId: versionId } = input ?? {};
    const versioned = (action) => (versionId !== undefined ? `${action}Version` : action);
    switch (name) {
        case "GetObjectCommand":
            return [{ action: versioned("s3:GetObject"), resource: objectArn(bucket, key) }];
        case "HeadObjectCommand":
            return [
                { action: versioned("s3:GetObject"), resource: objectArn(bucket, key) },
                // On a missing key S3 answers 404 only to a caller that may list the bucket (403 otherwise):
                // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
                { action: "s3:ListBucket", resource: bucketArn(bucket), implied: "HeadObject on a missing key answers 404, not 403" },
            ];
        case "ListObjectsV2Command":
        case "ListObjectsCommand":
            return [{ action: "s3:ListBucket", resource: bucketArn(bucket), context: input.Prefix !== undefined ? { "s3:prefix": input.Prefix } : {} }];
        case "PutObjectCommand":
        case "CreateMultipartUploadCommand":
        case "UploadPartCommand":
        case "CompleteMultipartUploadCommand":
            return [{ action: "s3:PutObject", resource: objectArn(bucket, key) }];
        case "AbortMultipartUploadCommand":
            return [{ action: "s3:AbortMultipartUpload", resource: objectArn(bucket, key) }];
        default: {
            // Unknown to this table: recorded under its API name, which the simulation refuses unless granted.
            const action = `s3:${String(name).replace(/Command$/, "")}`;
            return [{ action, resource: key !== undefined ? objectArn(bucket, key) : bucketArn(bucket), unmapped: true }];
        }
    }
}

/** The IAM request of a signed HTTP request, as S3 maps method, path and query to an action. */
function fromHttp(request) {
    const host = String(request.hostname ?? "");
    const virtual = /^(.+)\.s3[.-]/.exec(host);
    const segments = String(request.path ?? "/").split("/").slice(1).map((s) => decodeURIComponent(s));
    const bucket = virtual ? virtual[1] : segments.shift();
    const key = segments.join("/");
    const q = request.query ?? {};
    const m = String(request.method).toUpperCase();
    if (key === "") {
        return { action: m === "GET" || m === "HEAD" ? "s3:ListBucket" : `unmapped:${m} bucket`, resource: bucketArn(bucket), context: q.prefix !== undefined ? { "s3:prefix": q.prefix } : {} };
    }
    const resource = objectArn(bucket, key);
    if (m === "PUT" || m === "POST") return { action: "s3:PutObject", resource };
    if (m === "GET" || m === "HEAD") return { action: q.versionId !== undefined ? "s3:GetObjectVersion" : "s3:GetObject", resource };
    if (m === "DELETE") return { action: q.uploadId !== undefined ? "s3:AbortMultipartUpload" : q.versionId !== undefined ? "s3:DeleteObjectVersion" : "s3:DeleteObject", resource };
    return { action: `unmapped:${m}`, resource };
}

const recorderMiddleware = (next, context) => (args) =>
    inSdk.run(true, () => {
        for (const call of fromCommand(context.commandName, args.input)) record({ ...call, via: "sdk", api: context.commandName });
        return next(args);
    });

function patchClientModule(exports) {
    const Base = exports.S3Client;
    if (!Base || Base[PATCHED]) return;
    class RecordedS3Client extends Base {
        constructor(...args) {
            super(...args);
            this.middlewareStack.add(recorderMiddleware, { step: "initialize", priority: "high", name: "s3CallRecorder" });
        }
    }
    RecordedS3Client[PATCHED] = true;
    exports.S3Client = RecordedS3Client;
}

function patchSignerModule(exports) {
    const proto = exports.SignatureV4 && exports.SignatureV4.prototype;
    if (!proto || proto[PATCHED]) return;
    const sign = proto.sign;
    proto.sign = function (request, ...rest) {
        // Requests of the SDK were recorded by the middleware; this sees only what is signed by hand. Other services'
        // requests (the SQS work queue's client signs through this class too) are not S3's to record.
        if (!inSdk.getStore() && request && request.method && (this.service ?? "s3") === "s3") record({ ...fromHttp(request), via: "signer" });
        return sign.call(this, request, ...rest);
    };
    proto[PATCHED] = true;
}

if (LOG) {
    const load = Module._load;
    Module._load = function (request, ...rest) {
        const exports = load.call(this, request, ...rest);
        if (request === "@aws-sdk/client-s3") patchClientModule(exports);
        else if (request === "@smithy/signature-v4") patchSignerModule(exports);
        return exports;
    };
}
