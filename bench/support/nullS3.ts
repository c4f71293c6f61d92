/**
 * A do-nothing S3 endpoint for benchmarks: shows a client's own ceiling, with no server work in the way.
 */
import { createHash, randomUUID } from "crypto";
import * as http from "http";
import { freePort } from "../../test/support/s3server";

export interface NullS3 {
    readonly kind: string;
    readonly endpoint: string;
    /** Objects created (PutObject or CompleteMultipartUpload answered 2xx), by key. */
    readonly created: Map<string, Record<string, string>>;
    /** Called with the key of each object created. */
    onCreated?: (key: string) => void;
    reset(bucket?: string): Promise<void>;
    stop(): Promise<void>;
}

/**
 * Answers like S3 and keeps nothing but, per key, the size and checksum headers (so the archiver's
 * HeadObject verification has something to compare). Bodies are read and discarded.
 */
export async function startNullS3(): Promise<NullS3> {
    const objects = new Map<string, Record<string, string>>();
    const created = (key: string, headers: Record<string, string>) => {
        objects.set(key, headers);
        self.onCreated?.(key);
    };
    const uploads = new Map<string, { key: string; parts: Map<number, Buffer>; headers: Record<string, string>; size: number }>();
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        const [, , ...keyParts] = url.pathname.split("/");
        const key = decodeURIComponent(keyParts.join("/"));
        let bytes = 0;
        let tail: Buffer = Buffer.alloc(0);
        req.on("data", (d: Buffer) => {
            bytes += d.length;
            tail = d.length >= 200 ? d.subarray(-200) : Buffer.concat([tail, d]).subarray(-200);
        });
        req.on("end", () => {
            const q = url.searchParams;
            const checksum = () => {
                const h = req.headers["x-amz-checksum-sha256"];
                if (typeof h === "string") return h;
                const m = /x-amz-checksum-sha256:([A-Za-z0-9+/=]+)/.exec(tail.toString("latin1"));
                return m?.[1];
            };
            const size = Number(req.headers["x-amz-decoded-content-length"] ?? bytes);
            const meta = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith("x-amz-meta-")).map(([k, v]) => [k, String(v)]));
            const xml = (body: string) => {
                res.writeHead(200, { "content-type": "application/xml" });
                res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
            };
            if (req.method === "GET" && keyParts.length === 0) {
                return xml(`<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>${q.get("prefix") ?? ""}</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
            }
            if (req.method === "HEAD" && keyParts.length === 0) return res.writeHead(200).end();
            if (req.method === "POST" && q.has("uploads")) {
                const id = randomUUID();
                uploads.set(id, { key, parts: new Map(), headers: meta, size: 0 });
                return xml(`<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
            }
            if (req.method === "PUT" && q.has("uploadId")) {
                const c = checksum();
                const u = uploads.get(q.get("uploadId")!);
                u?.parts.set(Number(q.get("partNumber")), c ? Buffer.from(c, "base64") : Buffer.alloc(0));
                if (u) u.size += size;
                const h: Record<string, string> = { etag: `"${randomUUID()}"` };
                if (c) h["x-amz-checksum-sha256"] = c;
                return res.writeHead(200, h).end();
            }
            // As S3 does, a conditional write (If-None-Match: *) to a key that holds an object is refused with 412.
            const refused = () => req.headers["if-none-match"] === "*" && objects.has(key);
            if (req.method === "POST" && q.has("uploadId")) {
                if (refused()) return res.writeHead(412, { "content-type": "application/xml" }).end("<Error><Code>PreconditionFailed</Code></Error>");
                const u = uploads.get(q.get("uploadId")!);
                uploads.delete(q.get("uploadId")!);
                const parts = [...(u?.parts.entries() ?? [])].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
                const composite = `${createHash("sha256").update(Buffer.concat(parts)).digest("base64")}-${parts.length}`;
                created(key, { ...(u?.headers ?? {}), "x-amz-checksum-sha256": composite, "content-length": String(u?.size ?? 0) });
                return xml(`<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><ETag>"x-${parts.length}"</ETag><ChecksumSHA256>${composite}</ChecksumSHA256></CompleteMultipartUploadResult>`);
            }
            if (req.method === "PUT") {
                if (refused()) return res.writeHead(412, { "content-type": "application/xml" }).end("<Error><Code>PreconditionFailed</Code></Error>");
                const c = checksum();
                created(key, { ...meta, "content-length": String(size), ...(c ? { "x-amz-checksum-sha256": c } : {}) });
                return res.writeHead(200, { etag: `"${randomUUID()}"`, ...(c ? { "x-amz-checksum-sha256": c } : {}) }).end();
            }
            if (req.method === "DELETE" && q.has("uploadId")) {
                uploads.delete(q.get("uploadId")!);
                return res.writeHead(204).end();
            }
            if (req.method === "HEAD") {
                const o = objects.get(key);
                if (!o) return res.writeHead(404).end();
                return res.writeHead(200, { ...o, etag: '"e"', "last-modified": new Date().toUTCString() }).end();
            }
            res.writeHead(501).end();
        });
    });
    server.keepAliveTimeout = 60_000;
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    const self: NullS3 = {
        created: objects,
        kind: "null (do-nothing S3 endpoint)",
        endpoint: `http://127.0.0.1:${port}`,
        reset: async () => objects.clear(),
        stop: () =>
            new Promise((r) => {
                server.closeAllConnections();
                server.close(() => r());
            }),
    };
    return self;
}

