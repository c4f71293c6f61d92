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
exports.SignedPut = void 0;
const signature_v4_1 = require("@smithy/signature-v4");
const crypto_1 = require("crypto");
const http = __importStar(require("http"));
const https = __importStar(require("https"));
/**
 * A single-part, conditional PutObject signed with the SDK's own SigV4 signer and credential chain and
 * sent over a keep-alive agent. Measured here, the full SDK v3 middleware stack costs ~1.9 ms of CPU per
 * PutObject against ~0.6 ms for this; with thousands of small files on 2 vCPUs that is the archiver's
 * ceiling. Used only for what it can do exactly like the SDK would: one PUT with fixed headers; anything
 * else (multipart, HEAD, retries, endpoint discovery) stays with the SDK.
 */
class SignedPut {
    region;
    endpoint;
    signer;
    httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
    constructor(client, region, endpoint) {
        this.region = region;
        this.endpoint = endpoint;
        this.signer = new signature_v4_1.SignatureV4({
            service: "s3",
            region,
            credentials: client.config.credentials,
            sha256: NodeSha256,
            uriEscapePath: false, // S3 signs the path as sent, encoded once
            applyChecksum: false,
        });
    }
    /**
     * The request URL: path-style on a custom endpoint and for bucket names with dots (which a
     * virtual-hosted TLS certificate cannot cover), virtual-hosted on AWS otherwise.
     */
    url(bucket, key) {
        const path = key.split("/").map(encodeKeySegment).join("/");
        if (this.endpoint)
            return new URL(`${this.endpoint.replace(/\/$/, "")}/${bucket}/${path}`);
        if (bucket.includes("."))
            return new URL(`https://s3.${this.region}.amazonaws.com/${bucket}/${path}`);
        return new URL(`https://${bucket}.s3.${this.region}.amazonaws.com/${path}`);
    }
    async put(bucket, key, body, sha256, headers) {
        const url = this.url(bucket, key);
        const signed = await this.signer.sign({
            method: "PUT",
            protocol: url.protocol,
            hostname: url.hostname,
            port: url.port ? Number(url.port) : undefined,
            path: url.pathname,
            query: {},
            headers: {
                host: url.host,
                "content-length": String(body.length),
                "x-amz-content-sha256": sha256.toString("hex"),
                "x-amz-checksum-sha256": sha256.toString("base64"),
                "x-amz-sdk-checksum-algorithm": "SHA256",
                ...headers,
            },
        });
        const agent = url.protocol === "https:" ? this.httpsAgent : this.httpAgent;
        const request = url.protocol === "https:" ? https.request : http.request;
        return new Promise((resolve, reject) => {
            const req = request(url, { method: "PUT", headers: signed.headers, agent, timeout: 120_000 }, (res) => {
                const chunks = [];
                res.on("data", (d) => chunks.push(d));
                res.on("error", reject);
                res.on("end", () => {
                    const status = res.statusCode ?? 0;
                    const text = Buffer.concat(chunks).toString("utf8");
                    resolve({
                        status,
                        checksumSha256: header(res.headers["x-amz-checksum-sha256"]),
                        versionId: header(res.headers["x-amz-version-id"]),
                        code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1],
                        message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1],
                    });
                });
            });
            req.on("timeout", () => req.destroy(new Error("PUT timed out")));
            req.on("error", reject);
            req.end(body);
        });
    }
}
exports.SignedPut = SignedPut;
function header(v) {
    return Array.isArray(v) ? v[0] : v;
}
/** RFC 3986 encoding as S3 expects in a path segment. */
function encodeKeySegment(segment) {
    return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/** The signer's hash interface, backed by Node's OpenSSL. */
class NodeSha256 {
    hash;
    constructor(secret) {
        this.hash = secret === undefined ? (0, crypto_1.createHash)("sha256") : (0, crypto_1.createHmac)("sha256", toBuffer(secret));
    }
    update(data) {
        this.hash.update(toBuffer(data));
    }
    async digest() {
        return this.hash.digest();
    }
    reset() {
        throw new Error("not supported");
    }
}
function toBuffer(data) {
    if (typeof data === "string")
        return Buffer.from(data, "utf8");
    if (ArrayBuffer.isView(data))
        return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return Buffer.from(data);
}
//# sourceMappingURL=put.js.map