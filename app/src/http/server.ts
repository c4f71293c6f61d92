import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { promises as fsp } from "fs";
import * as http from "http";
import * as path from "path";
import { pipeline } from "stream/promises";
import { Archiver } from "../archive/archiver";
import { watchBody } from "./bodyWatch";
import { lingeringClose } from "./linger";
import { attachment } from "./disposition";
import { requestPath } from "./paths";
import { cdnUrls } from "./cdn";
import { skewCorrectedNow } from "../s3/clock";
import { AppConfig } from "../config";
import { HttpError, ingest } from "./ingest";
import { errorFields, Logger } from "../observability/log";
import { Lease } from "../store/lease";
import { Metrics } from "../observability/metrics";
import { Probes } from "./health";
import { findItem } from "../store/claims";
import { Layout, list, ORIGINAL, readMeta, REASON } from "../store/store";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `/uploads/<id>` and `/uploads/<id>/content`, on the raw path (paths.ts); the id is checked against UUID after. */
const UPLOAD_PATH = /^\/uploads\/([^/]+)(\/content)?$/;
const RETRY_AFTER_SECONDS = 30;
/**
 * How often the backlog figure is brought up to date from the heartbeats (a few small reads, whatever the backlog);
 * the upload path only reads it. Peers' counters are as fresh as their last heartbeat (a quarter of the lease).
 */
const BACKLOG_REFRESH_MS = 2000;

interface Context {
    readonly config: AppConfig;
    readonly layout: Layout;
    readonly client: S3Client;
    readonly log: Logger;
    readonly metrics: Metrics;
    readonly archiver: Archiver;
    readonly lease: Lease;
}

/** The HTTP interface of the app contract (ARCHITECTURE.md, "The app"). */
export function createServer(ctx: Context): http.Server {
    const gauge = ctx.lease.backlog;
    gauge.start(BACKLOG_REFRESH_MS, (e) => ctx.log.error("backlog refresh failed", errorFields(e)));
    const probes = new Probes(ctx);
    const keepAliveTimeout = ctx.config.keepAliveTimeoutSeconds * 1000;
    const options: http.ServerOptions = {
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
        // One catch around everything a request can make this process do, URL parsing included: a hostile request
        // may fail, never the process.
        try {
            handle(ctx, gauge, probes, req, res);
        } catch (e) {
            failed(ctx, req, res, e);
        }
    });
}

function failed(ctx: Context, req: http.IncomingMessage, res: http.ServerResponse, e: unknown): void {
    ctx.log.error("request failed", { method: req.method, target: String(req.url).slice(0, 200), ...errorFields(e) });
    if (res.headersSent) {
        res.destroy();
        return;
    }
    res.writeHead(500, { "content-type": "application/json", connection: "close" });
    lingeringClose(req, res);
    res.end(JSON.stringify({ error: "internal error", field: "request" }));
}

/** Whether the request announces a body (RFC 9112 §6.3: Content-Length or Transfer-Encoding). */
function hasBody(req: http.IncomingMessage): boolean {
    return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** One request as the handlers see it: where it goes, and the two ways it is answered. */
interface Exchange {
    readonly ctx: Context;
    readonly gauge: Context["lease"]["backlog"];
    readonly probes: Probes;
    readonly req: http.IncomingMessage;
    readonly res: http.ServerResponse;
    /** The raw path (paths.ts), exact. */
    readonly path: string;
    /** A JSON answer; closes the connection (in stages) when the request's body was not read. */
    send(status: number, body: unknown, headers?: Record<string, string>): void;
    /** A refusal ({@link HttpError}), after the body if it is of an acceptable size. */
    refuse(e: HttpError): void;
}

interface Route {
    readonly method: string;
    /** The path's match (a RegExp match, or true), or nothing when the route does not apply. */
    readonly match: (path: string) => RegExpExecArray | boolean | null;
    readonly run: (x: Exchange, match: RegExpExecArray | boolean) => Promise<void>;
}

/** The API (app/README.md "HTTP"), in the order the routes are tried; anything else is 404. */
const ROUTES: readonly Route[] = [
    { method: "POST", match: (p) => p === "/uploads", run: postUpload },
    { method: "GET", match: (p) => UPLOAD_PATH.exec(p), run: getUpload },
    { method: "GET", match: (p) => p === "/healthz", run: liveness },
    { method: "GET", match: (p) => p === "/status", run: status },
    { method: "GET", match: (p) => p === "/metrics", run: metrics },
];

function handle(ctx: Context, gauge: Context["lease"]["backlog"], probes: Probes, req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = requestPath(req.url);
    const x = exchange(ctx, gauge, probes, req, res, target.ok ? target.path : "(refused)");
    // Every body, on any path and whether the request is refused or not, is read under the same watchdog as an
    // upload's: a body that stops or drips ends the request and its connection after about one window.
    if (hasBody(req)) watchRequestBody(x);
    const route = async (): Promise<void> => {
        if (!target.ok) return x.refuse(new HttpError(400, "path", target.reason));
        for (const r of ROUTES) {
            if (r.method !== req.method) continue;
            const match = r.match(target.path);
            if (match) return r.run(x, match);
        }
        x.refuse(new HttpError(404, "path", `no route ${req.method} ${target.path}`));
    };
    route().catch((e) => failed(ctx, req, res, e));
}

function exchange(ctx: Context, gauge: Context["lease"]["backlog"], probes: Probes, req: http.IncomingMessage, res: http.ServerResponse, path: string): Exchange {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.headersSent) return;
        // A body nobody read (a GET to /healthz with one) is not waited for on a kept-alive connection: the
        // answer closes it (in stages, linger.ts, so the client reads the answer rather than a reset).
        const unread = !req.complete && hasBody(req);
        const closing = unread || /^close$/i.test(headers.connection ?? "");
        res.writeHead(status, { "content-type": "application/json", "x-content-type-options": "nosniff", ...headers, ...(unread ? { connection: "close" } : {}) });
        if (closing) lingeringClose(req, res);
        res.end(JSON.stringify(body));
    };
    const refuse = (e: HttpError) => {
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
            return;
        }
        let seen = 0;
        req.on("data", (d: Buffer) => {
            seen += d.length;
            if (seen > cap) send(e.status, body, { ...e.headers, connection: "close" });
        });
        req.on("end", () => send(e.status, body, e.headers));
        req.resume();
    };
    return { ctx, gauge, probes, req, res, path, send, refuse };
}

/** Ends a body that stops or drips (bodyWatch.ts) with 408, or, once answered, by destroying the request. */
function watchRequestBody({ ctx, req, res, path }: Exchange): void {
    const { uploadIdleTimeoutSeconds: window, uploadMinBytesPerSecond: rate } = ctx.config;
    watchBody(req, window * 1000, rate, (received) => {
        ctx.log.warn("request body too slow: connection closed", { method: req.method, path, bytesInWindow: received, windowSeconds: window });
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
}

/** POST /uploads: 503 at once while the backlog is full, else the upload onto EFS (ingest.ts) and 202. */
async function postUpload({ ctx, gauge, req, send, refuse }: Exchange): Promise<void> {
    const b = await gauge.current();
    if (b.bytes >= ctx.config.backlogMaxBytes) {
        ctx.metrics.uploadsRejected++;
        // At once, without waiting for the body: the answer closes the connection (in stages, linger.ts:
        // what is still arriving is read and dropped for a few seconds, so the client reads this answer
        // rather than a reset), and a full backlog costs no wait.
        send(503, { error: `EFS backlog is ${b.bytes} bytes, above BACKLOG_MAX_BYTES=${ctx.config.backlogMaxBytes}; retry later`, field: "BACKLOG_MAX_BYTES" }, { "retry-after": String(RETRY_AFTER_SECONDS), connection: "close" });
        return;
    }
    try {
        const accepted = await ingest(req, ctx.config, ctx.layout, ctx.log, ctx.archiver.enqueuer);
        gauge.addAccepted(accepted.size);
        ctx.metrics.uploadsAccepted++;
        send(202, accepted, { location: `/uploads/${accepted.id}` });
    } catch (e) {
        ctx.metrics.uploadsRejected++;
        refuse(e instanceof HttpError ? e : new HttpError(500, "file", String(e)));
    }
}

/** GET /uploads/:id (its status) and /uploads/:id/content (the original from EFS, or a redirect to S3). */
async function getUpload(x: Exchange, match: RegExpExecArray | boolean): Promise<void> {
    const { ctx, send, refuse } = x;
    const [, id, contentSuffix] = match as RegExpExecArray;
    if (!UUID.test(id)) return refuse(new HttpError(400, "id", `${JSON.stringify(id)} is not an upload id (a UUID as returned by POST /uploads)`));
    const found = await locateOrRefuse(ctx, id, refuse);
    if (found === "refused") return;
    if (!found) return refuse(new HttpError(404, "id", `no upload ${id}`));
    if (contentSuffix === undefined) return send(200, found.status);
    if (found.dir) {
        if (await streamOriginal(x, found.dir, found.status, found.contentType)) return;
        const again = await locateOrRefuse(ctx, id, refuse);
        if (again === "refused") return;
        if (!again?.status.key || again.dir) return refuse(new HttpError(503, "id", "the upload is moving to S3; retry", { "retry-after": "1" }));
        found.status = again.status;
    }
    await redirectToS3(x, found.status);
}

/** The original, from EFS; false if the archiver removed it first (the caller then looks in S3). */
async function streamOriginal({ res }: Exchange, dir: string, status: UploadStatus, contentType: string): Promise<boolean> {
    // Opened before streaming: if the archiver deletes the file meanwhile, the open handle still reads it.
    const fh = await fsp.open(path.join(dir, ORIGINAL), "r").catch(() => undefined);
    if (!fh) return false;
    res.writeHead(200, {
        "content-type": contentType,
        "content-length": String(status.size),
        "content-disposition": attachment(status.name),
        "x-content-type-options": "nosniff",
    });
    await pipeline(fh.createReadStream(), res);
    return true;
}

/** 302 to a presigned GET of the archived object, valid 5 minutes. */
async function redirectToS3({ ctx, res }: Exchange, status: UploadStatus): Promise<void> {
    const signed = await getSignedUrl(
        ctx.client,
        new GetObjectCommand({
            Bucket: ctx.config.bucket,
            Key: status.key,
            VersionId: status.versionId,
            ResponseContentDisposition: attachment(status.name),
        }),
        // Signed at S3's time as the client measured it (clock.ts), like every other signed request.
        { expiresIn: 300, signingDate: skewCorrectedNow(ctx.client) },
    );
    res.writeHead(302, { location: signed });
    res.end();
}

/** GET /healthz: the container's liveness (health.ts). */
async function liveness({ probes, send }: Exchange): Promise<void> {
    const h = await probes.liveness();
    send(h.ok ? 200 : 503, h);
}

/** GET /status: readiness and the operator's view (health.ts). */
async function status({ probes, send }: Exchange): Promise<void> {
    const st = await probes.status();
    send(st.ok ? 200 : 503, st);
}

/** GET /metrics: Prometheus text (metrics.ts). */
async function metrics({ ctx, gauge, probes, res }: Exchange): Promise<void> {
    const [b, quarantined, s3] = await Promise.all([gauge.current(), list(ctx.layout.quarantine), probes.bucket()]);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(ctx.metrics.render(b, quarantined.length, s3.reachable));
}

interface UploadStatus {
    id: string;
    name: string;
    size: number;
    sha256: string;
    status: "stored" | "archived";
    key?: string;
    versionId?: string;
    quarantined?: string;
    /** CDN URLs of this upload's archived objects under the served prefixes (CDN_SERVED_PREFIXES). */
    cdnUrls?: string[];
}

/**
 * {@link locate}, with S3 unreachable (an outage, throttling, a network error) answered as what it is: 503 with
 * Retry-After naming S3, instead of a 500 "internal error" for every upload that is not (or no longer) on EFS.
 */
async function locateOrRefuse(ctx: Context, id: string, refuse: (e: HttpError) => void): Promise<Awaited<ReturnType<typeof locate>> | "refused"> {
    try {
        return await locate(ctx, id);
    } catch (e) {
        const error = errorFields(e);
        ctx.log.warn("upload lookup: S3 did not answer", { uploadId: id, ...error });
        // The error's name only: its message can name the endpoint or the bucket, which a public client has no use for.
        refuse(new HttpError(503, "id", `upload ${id} is not on EFS and S3 could not be asked about it (${String(error.errorName ?? "error")}); retry later`, { "retry-after": String(RETRY_AFTER_SECONDS) }));
        return "refused";
    }
}

/** EFS first (stored), then S3 (archived), then EFS again (it may have moved between the two looks). */
async function locate(ctx: Context, id: string): Promise<{ status: UploadStatus; dir?: string; contentType: string } | undefined> {
    const onEfs = async () => {
        const item = await findItem(ctx.layout, id);
        if (!item) return undefined;
        try {
            const meta = await readMeta(item.dir);
            if (meta.kind !== "upload") return undefined;
            const status: UploadStatus = { id, name: meta.name, size: meta.size, sha256: meta.sha256, status: "stored" };
            if (item.quarantined) {
                const reason = JSON.parse(await fsp.readFile(path.join(item.dir, REASON), "utf8").catch(() => "{}")) as { reason?: string };
                status.quarantined = reason.reason ?? "unknown";
            }
            return { status, dir: item.dir, contentType: meta.contentType };
        } catch {
            return undefined;
        }
    };
    const efs = await onEfs();
    if (efs) return efs;
    const prefix = `${ctx.config.archivePrefix}${id}/`;
    const listed = await ctx.client.send(new ListObjectsV2Command({ Bucket: ctx.config.bucket, Prefix: prefix, Delimiter: "/", MaxKeys: 10 }));
    const key = listed.Contents?.[0]?.Key;
    if (key) {
        const head = await ctx.client.send(new HeadObjectCommand({ Bucket: ctx.config.bucket, Key: key }));
        // The thumbnails sit one level down (uploads/<id>/thumbnails/), outside the delimited listing above.
        const all = ctx.config.cdn ? await ctx.client.send(new ListObjectsV2Command({ Bucket: ctx.config.bucket, Prefix: prefix, MaxKeys: 100 })) : undefined;
        const urls = cdnUrls(ctx.config.cdn, all?.Contents ?? []);
        return {
            status: { id, name: key.slice(prefix.length), size: head.ContentLength ?? 0, sha256: head.Metadata?.sha256 ?? "", status: "archived", key, versionId: head.VersionId, ...(urls.length > 0 ? { cdnUrls: urls } : {}) },
            contentType: head.ContentType ?? "application/octet-stream",
        };
    }
    return onEfs();
}
