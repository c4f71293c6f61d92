"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.createServer = createServer;
const client_s3_1 = require("@aws-sdk/client-s3");
const s3_request_presigner_1 = require("@aws-sdk/s3-request-presigner");
const fs_1 = require("fs");
const http = __importStar(require("http"));
const path = __importStar(require("path"));
const promises_1 = require("stream/promises");
const bodyWatch_1 = require("./bodyWatch");
const cdn_1 = require("./cdn");
const ingest_1 = require("./ingest");
const log_1 = require("./log");
const health_1 = require("./health");
const store_1 = require("./store");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const RETRY_AFTER_SECONDS = 30;
/**
 * How often the backlog figure is brought up to date from the heartbeats (a few small reads, whatever the backlog);
 * the upload path only reads it. Peers' counters are as fresh as their last heartbeat (a quarter of the lease).
 */
const BACKLOG_REFRESH_MS = 2000;
/** The HTTP interface of the app contract (ARCHITECTURE.md, "The app"). */
function createServer(ctx) {
    const gauge = ctx.lease.backlog;
    gauge.start(BACKLOG_REFRESH_MS, (e) => ctx.log.error("backlog refresh failed", (0, log_1.errorFields)(e)));
    const probes = new health_1.Probes(ctx);
    const keepAliveTimeout = ctx.config.keepAliveTimeoutSeconds * 1000;
    const options = {
        // Longer than the ALB's idle timeout (300 s here), so the ALB, not the task, closes an idle connection;
        // otherwise the ALB can send a request on a connection the task is closing and answer 502.
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout
        // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html#http-502-issues
        keepAliveTimeout,
        // Headers get longer than a connection may idle, as Node's guidance for servers behind a load balancer has it.
        headersTimeout: keepAliveTimeout + 1000,
        // No limit on a whole request: a large upload on a slow but live link must finish. Bodies that stop or
        // drip are ended by watchBody (UPLOAD_IDLE_TIMEOUT_SECONDS, UPLOAD_MIN_BYTES_PER_SECOND).
        requestTimeout: 0,
    };
    return http.createServer(options, (req, res) => {
        const url = new URL(req.url ?? "/", "http://localhost");
        const send = (status, body, headers = {}) => {
            if (res.headersSent)
                return;
            res.writeHead(status, { "content-type": "application/json", "x-content-type-options": "nosniff", ...headers });
            res.end(JSON.stringify(body));
        };
        const refuse = (e) => {
            const body = { error: e.message, field: e.field };
            if (req.complete || req.readableEnded) {
                send(e.status, body, e.headers);
                return;
            }
            // Many clients fail with EPIPE if the answer comes while they are still sending, so a body of
            // an acceptable size is read and dropped first; a larger one gets the answer and a closed connection.
            const declared = Number(req.headers["content-length"] ?? 0);
            const cap = ctx.config.maxUploadBytes + 64 * 1024;
            if (declared > cap) {
                send(e.status, body, { ...e.headers, connection: "close" });
                req.destroy();
                return;
            }
            let seen = 0;
            req.on("data", (d) => {
                seen += d.length;
                if (seen > cap) {
                    send(e.status, body, { ...e.headers, connection: "close" });
                    req.destroy();
                }
            });
            req.on("end", () => send(e.status, body, e.headers));
            req.resume();
        };
        const route = async () => {
            const parts = url.pathname.split("/").filter((p) => p !== "");
            if (req.method === "POST" && url.pathname === "/uploads") {
                const b = await gauge.current();
                if (b.bytes >= ctx.config.backlogMaxBytes) {
                    ctx.metrics.uploadsRejected++;
                    refuse(new ingest_1.HttpError(503, "BACKLOG_MAX_BYTES", `EFS backlog is ${b.bytes} bytes, above BACKLOG_MAX_BYTES=${ctx.config.backlogMaxBytes}; retry later`, { "retry-after": String(RETRY_AFTER_SECONDS) }));
                    return;
                }
                const { uploadIdleTimeoutSeconds: window, uploadMinBytesPerSecond: rate } = ctx.config;
                (0, bodyWatch_1.watchBody)(req, window * 1000, rate, (received) => {
                    ctx.log.warn("upload body too slow: connection closed", { bytesInWindow: received, windowSeconds: window });
                    const reason = `the body arrived at ${received} bytes in ${window} s, below UPLOAD_MIN_BYTES_PER_SECOND=${rate} over UPLOAD_IDLE_TIMEOUT_SECONDS=${window}`;
                    // The request itself is destroyed, not just its socket: once a response has finished, Node no
                    // longer ends the request when the socket closes, and ingest would wait for the body forever.
                    if (res.headersSent) {
                        req.destroy();
                        return;
                    }
                    res.writeHead(408, { "content-type": "application/json", connection: "close" });
                    res.end(JSON.stringify({ error: reason, field: "body" }), () => req.destroy());
                });
                try {
                    const accepted = await (0, ingest_1.ingest)(req, ctx.config, ctx.layout, ctx.log);
                    gauge.addAccepted(accepted.size);
                    ctx.metrics.uploadsAccepted++;
                    send(202, accepted, { location: `/uploads/${accepted.id}` });
                    ctx.archiver.notify();
                }
                catch (e) {
                    ctx.metrics.uploadsRejected++;
                    refuse(e instanceof ingest_1.HttpError ? e : new ingest_1.HttpError(500, "file", String(e)));
                }
                return;
            }
            if (req.method === "GET" && parts[0] === "uploads" && (parts.length === 2 || (parts.length === 3 && parts[2] === "content"))) {
                const id = parts[1];
                if (!UUID.test(id)) {
                    refuse(new ingest_1.HttpError(400, "id", `${JSON.stringify(id)} is not an upload id (a UUID as returned by POST /uploads)`));
                    return;
                }
                const found = await locate(ctx, id);
                if (!found) {
                    refuse(new ingest_1.HttpError(404, "id", `no upload ${id}`));
                    return;
                }
                if (parts.length === 2) {
                    send(200, found.status);
                    return;
                }
                if (found.dir) {
                    // Opened before streaming: if the archiver deletes the file meanwhile, the open handle still reads it.
                    const fh = await fs_1.promises.open(path.join(found.dir, store_1.ORIGINAL), "r").catch(() => undefined);
                    if (fh) {
                        res.writeHead(200, {
                            "content-type": found.contentType,
                            "content-length": String(found.status.size),
                            "content-disposition": `attachment; filename*=UTF-8''${encodeURIComponent(found.status.name)}`,
                            "x-content-type-options": "nosniff",
                        });
                        await (0, promises_1.pipeline)(fh.createReadStream(), res);
                        return;
                    }
                    const again = await locate(ctx, id);
                    if (!again?.status.key || again.dir) {
                        refuse(new ingest_1.HttpError(503, "id", "the upload is moving to S3; retry", { "retry-after": "1" }));
                        return;
                    }
                    found.status = again.status;
                }
                const signed = await (0, s3_request_presigner_1.getSignedUrl)(ctx.client, new client_s3_1.GetObjectCommand({
                    Bucket: ctx.config.bucket,
                    Key: found.status.key,
                    VersionId: found.status.versionId,
                    ResponseContentDisposition: `attachment; filename*=UTF-8''${encodeURIComponent(found.status.name)}`,
                }), { expiresIn: 300 });
                res.writeHead(302, { location: signed });
                res.end();
                return;
            }
            if (req.method === "GET" && url.pathname === "/healthz") {
                const h = await probes.liveness();
                send(h.ok ? 200 : 503, h);
                return;
            }
            if (req.method === "GET" && url.pathname === "/status") {
                const st = await probes.status();
                send(st.ok ? 200 : 503, st);
                return;
            }
            if (req.method === "GET" && url.pathname === "/metrics") {
                const [b, quarantined, s3] = await Promise.all([gauge.current(), (0, store_1.list)(ctx.layout.quarantine), probes.bucket()]);
                res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
                res.end(ctx.metrics.render(b, quarantined.length, s3.reachable));
                return;
            }
            refuse(new ingest_1.HttpError(404, "path", `no route ${req.method} ${url.pathname}`));
        };
        route().catch((e) => {
            ctx.log.error("request failed", { method: req.method, path: url.pathname, ...(0, log_1.errorFields)(e) });
            if (res.headersSent)
                res.destroy();
            else
                refuse(new ingest_1.HttpError(500, "request", "internal error"));
        });
    });
}
/** EFS first (stored), then S3 (archived), then EFS again (it may have moved between the two looks). */
async function locate(ctx, id) {
    const onEfs = async () => {
        const item = await (0, store_1.findItem)(ctx.layout, id);
        if (!item)
            return undefined;
        try {
            const meta = await (0, store_1.readMeta)(item.dir);
            if (meta.kind !== "upload")
                return undefined;
            const status = { id, name: meta.name, size: meta.size, sha256: meta.sha256, status: "stored" };
            if (item.quarantined) {
                const reason = JSON.parse(await fs_1.promises.readFile(path.join(item.dir, store_1.REASON), "utf8").catch(() => "{}"));
                status.quarantined = reason.reason ?? "unknown";
            }
            return { status, dir: item.dir, contentType: meta.contentType };
        }
        catch {
            return undefined;
        }
    };
    const efs = await onEfs();
    if (efs)
        return efs;
    const prefix = `${ctx.config.archivePrefix}${id}/`;
    const listed = await ctx.client.send(new client_s3_1.ListObjectsV2Command({ Bucket: ctx.config.bucket, Prefix: prefix, Delimiter: "/", MaxKeys: 10 }));
    const key = listed.Contents?.[0]?.Key;
    if (key) {
        const head = await ctx.client.send(new client_s3_1.HeadObjectCommand({ Bucket: ctx.config.bucket, Key: key }));
        // The thumbnails sit one level down (uploads/<id>/thumbnails/), outside the delimited listing above.
        const all = ctx.config.cdn ? await ctx.client.send(new client_s3_1.ListObjectsV2Command({ Bucket: ctx.config.bucket, Prefix: prefix, MaxKeys: 100 })) : undefined;
        const urls = (0, cdn_1.cdnUrls)(ctx.config.cdn, (all?.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
        return {
            status: { id, name: key.slice(prefix.length), size: head.ContentLength ?? 0, sha256: head.Metadata?.sha256 ?? "", status: "archived", key, versionId: head.VersionId, ...(urls.length > 0 ? { cdnUrls: urls } : {}) },
            contentType: head.ContentType ?? "application/octet-stream",
        };
    }
    return onEfs();
}
//# sourceMappingURL=server.js.map