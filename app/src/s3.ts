import { HeadBucketCommand, HeadObjectCommand, HeadObjectCommandOutput, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash, Hash } from "crypto";
import { createReadStream } from "fs";
import { readFile } from "fs/promises";
import { Agent } from "http";
import { Agent as HttpsAgent } from "https";
import { Transform, TransformCallback } from "stream";
import { AppConfig } from "./config";

export function makeClient(config: AppConfig): S3Client {
    const agentOptions = { keepAlive: true, maxSockets: Math.max(16, config.archiveConcurrency * 4) };
    const client = new S3Client({
        region: config.region,
        endpoint: config.s3Endpoint,
        forcePathStyle: config.s3Endpoint !== undefined,
        // Network failures are retried by the archiver (the file stays on EFS), so keep the SDK's own retries short.
        maxAttempts: 2,
        // The archiver sends its own SHA-256 and verifies what S3 returns; no extra CRC32 on every request.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        requestHandler: {
            httpAgent: new Agent(agentOptions),
            httpsAgent: new HttpsAgent(agentOptions),
            connectionTimeout: 3000,
            requestTimeout: 120000,
        },
    });
    // A request that carries the SHA-256 of its body as x-amz-checksum-sha256 (every PutObject and
    // UploadPart here) already has the SigV4 payload hash: hand it to the signer instead of hashing the
    // body once more. If the body differed, S3 would refuse the request on either value.
    client.middlewareStack.add(
        (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            const checksum = request.headers?.["x-amz-checksum-sha256"];
            if (request.headers && checksum && !("x-amz-content-sha256" in request.headers)) {
                request.headers["x-amz-content-sha256"] = Buffer.from(checksum, "base64").toString("hex");
            }
            return next(args);
        },
        { step: "finalizeRequest", priority: "high", name: "payloadHashFromChecksum" },
    );
    return client;
}

/**
 * Hashes the bytes on their way to S3: the full-object SHA-256 and the SHA-256 of every `partSize`
 * slice, which is exactly how lib-storage cuts a multipart upload. If the bytes read from EFS do not
 * match the SHA-256 recorded at ingest, the stream fails before its end reaches lib-storage, so the
 * PutObject is not sent or the multipart upload is aborted instead of completed.
 */
class HashingStream extends Transform {
    private readonly full = createHash("sha256");
    private readonly partHashes: Buffer[] = [];
    private part: Hash = createHash("sha256");
    private partFill = 0;
    bytes = 0;

    constructor(
        private readonly partSize: number,
        private readonly expectedHex: string,
        private readonly expectedSize: number,
    ) {
        super();
    }

    override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
        this.full.update(chunk);
        this.bytes += chunk.length;
        let offset = 0;
        while (offset < chunk.length) {
            const take = Math.min(this.partSize - this.partFill, chunk.length - offset);
            this.part.update(chunk.subarray(offset, offset + take));
            this.partFill += take;
            offset += take;
            if (this.partFill === this.partSize) {
                this.partHashes.push(this.part.digest());
                this.part = createHash("sha256");
                this.partFill = 0;
            }
        }
        cb(null, chunk);
    }

    override _flush(cb: TransformCallback): void {
        if (this.partFill > 0 || this.partHashes.length === 0) this.partHashes.push(this.part.digest());
        const hex = this.full.digest("hex");
        if (hex !== this.expectedHex || this.bytes !== this.expectedSize) {
            cb(new IntegrityError(`bytes on EFS (sha256 ${hex}, ${this.bytes} bytes) differ from those acknowledged (sha256 ${this.expectedHex}, ${this.expectedSize} bytes)`));
            return;
        }
        cb();
    }

    /** `base64(sha256(concat(part sha256s)))-N`, what S3 reports for a multipart upload with SHA256 parts. */
    composite(): string {
        return `${createHash("sha256").update(Buffer.concat(this.partHashes)).digest("base64")}-${this.partHashes.length}`;
    }
}

export class IntegrityError extends Error {
    override name = "IntegrityError";
}

/** The object at the key is a different one: never overwritten, the item is quarantined. */
export class ConflictError extends Error {
    override name = "ConflictError";
}

export interface ObjectToArchive {
    readonly key: string;
    readonly file: string;
    readonly size: number;
    readonly sha256Hex: string;
    readonly contentType: string;
    readonly metadata: Record<string, string>;
}

export interface Archived {
    readonly key: string;
    readonly versionId?: string;
    /** Whether the object was already in S3 (a previous attempt got that far). */
    readonly alreadyThere: boolean;
}

/**
 * Uploads one file so that nothing is ever overwritten (If-None-Match: *) and resolves only once S3
 * confirmed it holds exactly these bytes, i.e. when the caller may delete the file from EFS: for a
 * single-part PUT, the checksum S3 verified and returned; for a multipart upload, or when the object
 * was already there, HeadObject with checksum mode enabled.
 */
export async function putVerified(client: S3Client, bucket: string, obj: ObjectToArchive, partSize: number): Promise<Archived> {
    const sha256Base64 = Buffer.from(obj.sha256Hex, "hex").toString("base64");
    const params = {
        Bucket: bucket,
        Key: obj.key,
        ContentLength: obj.size,
        ContentType: obj.contentType,
        Metadata: { ...obj.metadata, sha256: obj.sha256Hex },
        ChecksumAlgorithm: "SHA256" as const,
        IfNoneMatch: "*",
    };
    let expected: string;
    let alreadyThere = false;
    let versionId: string | undefined;
    if (obj.size <= partSize) {
        // One part: read it whole (at most partSize bytes, as lib-storage would buffer it anyway), check
        // it against the SHA-256 taken at ingest, and send that SHA-256: S3 recomputes it over the bytes
        // it receives and refuses the PUT (BadDigest) if they differ.
        const body = await readFile(obj.file);
        const hex = createHash("sha256").update(body).digest("hex");
        if (hex !== obj.sha256Hex || body.length !== obj.size) {
            throw new IntegrityError(`bytes on EFS (sha256 ${hex}, ${body.length} bytes) differ from those acknowledged (sha256 ${obj.sha256Hex}, ${obj.size} bytes)`);
        }
        expected = sha256Base64;
        try {
            const result = await client.send(new PutObjectCommand({ ...params, Body: body, ChecksumSHA256: sha256Base64 }));
            versionId = result.VersionId;
            // If-None-Match made this request the one that created the object, and S3 checked our SHA-256
            // against the bytes: the checksum it returns is its confirmation, no second round trip needed.
            // A server that does not return it is asked with HeadObject below.
            if (result.ChecksumSHA256 !== undefined) {
                if (result.ChecksumSHA256 !== sha256Base64) {
                    throw new IntegrityError(`s3://${bucket}/${obj.key}: S3 computed checksum ${result.ChecksumSHA256}, expected ${sha256Base64}`);
                }
                return { key: obj.key, versionId, alreadyThere: false };
            }
        } catch (e) {
            if (!isPreconditionFailed(e)) throw e;
            alreadyThere = true;
        }
    } else {
        // Multipart through lib-storage: parts of partSize, at most 4 in memory per file, each with its
        // SHA-256, which S3 checks; S3 then reports the composite checksum computed here as well.
        const hashing = new HashingStream(partSize, obj.sha256Hex, obj.size);
        const source = createReadStream(obj.file, { highWaterMark: 1024 * 1024 });
        source.on("error", (e) => hashing.destroy(e));
        const upload = new Upload({ client, partSize, queueSize: 4, leavePartsOnError: false, params: { ...params, Body: source.pipe(hashing) } });
        try {
            versionId = (await upload.done()).VersionId;
        } catch (e) {
            source.destroy();
            if (!isPreconditionFailed(e)) throw e;
            alreadyThere = true; // 412 comes from CompleteMultipartUpload, after every part was read and hashed
        }
        expected = hashing.composite();
    }
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: obj.key, ChecksumMode: "ENABLED" }));
    const problem = verify(head, obj, expected);
    if (problem !== undefined) {
        if (alreadyThere) throw new ConflictError(`s3://${bucket}/${obj.key} already holds a different object: ${problem}`);
        throw new IntegrityError(`s3://${bucket}/${obj.key} does not hold the bytes sent: ${problem}`);
    }
    return { key: obj.key, versionId: versionId ?? head.VersionId, alreadyThere };
}

/** Returns why the stored object is not the expected one, or undefined when it is. */
function verify(head: HeadObjectCommandOutput, obj: ObjectToArchive, expectedChecksum: string): string | undefined {
    if (head.ContentLength !== obj.size) return `size ${head.ContentLength}, expected ${obj.size}`;
    if (head.Metadata?.sha256 !== obj.sha256Hex) return `metadata sha256 ${head.Metadata?.sha256}, expected ${obj.sha256Hex}`;
    const stored = head.ChecksumSHA256;
    if (stored === undefined) return "no SHA-256 checksum stored";
    if (!sameChecksum(stored, expectedChecksum)) return `checksum ${stored}, expected ${expectedChecksum}`;
    return undefined;
}

/**
 * Compares S3's ChecksumSHA256 with ours. For multipart objects S3 appends "-<parts>"; some servers
 * (moto 5) store the composite digest without that suffix, so the suffix is compared only when present.
 */
export function sameChecksum(stored: string, expected: string): boolean {
    const [storedDigest, storedParts] = stored.split("-");
    const [expectedDigest, expectedParts] = expected.split("-");
    if (storedDigest !== expectedDigest) return false;
    return storedParts === undefined || storedParts === expectedParts;
}

function isPreconditionFailed(e: unknown): boolean {
    if (e instanceof S3ServiceException) return e.$metadata.httpStatusCode === 412 || e.name === "PreconditionFailed";
    return typeof e === "object" && e !== null && (e as { name?: string }).name === "PreconditionFailed";
}

export async function bucketReachable(client: S3Client, bucket: string): Promise<boolean> {
    try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return true;
    } catch {
        return false;
    }
}
