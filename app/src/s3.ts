import { HeadBucketCommand, HeadObjectCommand, HeadObjectCommandOutput, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash, Hash } from "crypto";
import { createReadStream } from "fs";
import { Agent } from "http";
import { Agent as HttpsAgent } from "https";
import { Transform, TransformCallback } from "stream";
import { AppConfig } from "./config";

export function makeClient(config: AppConfig): S3Client {
    const agentOptions = { keepAlive: true, maxSockets: Math.max(16, config.archiveConcurrency * 4) };
    return new S3Client({
        region: config.region,
        endpoint: config.s3Endpoint,
        forcePathStyle: config.s3Endpoint !== undefined,
        // Network failures are retried by the archiver (the file stays on EFS), so keep the SDK's own retries short.
        maxAttempts: 2,
        requestHandler: {
            httpAgent: new Agent(agentOptions),
            httpsAgent: new HttpsAgent(agentOptions),
            connectionTimeout: 3000,
            requestTimeout: 120000,
        },
    });
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
 * Uploads one file so that nothing is ever overwritten (If-None-Match: *), then confirms with
 * HeadObject (checksum mode enabled) that S3 holds exactly these bytes. Resolves only when the
 * caller may delete the file from EFS.
 */
export async function putVerified(client: S3Client, bucket: string, obj: ObjectToArchive, partSize: number): Promise<Archived> {
    const singlePart = obj.size <= partSize;
    const sha256Base64 = Buffer.from(obj.sha256Hex, "hex").toString("base64");
    const hashing = new HashingStream(partSize, obj.sha256Hex, obj.size);
    const source = createReadStream(obj.file, { highWaterMark: 1024 * 1024 });
    source.on("error", (e) => hashing.destroy(e));
    source.pipe(hashing);

    const upload = new Upload({
        client,
        partSize,
        // Four parts in flight per file: bounded memory (4 × partSize) whatever the file size.
        queueSize: 4,
        leavePartsOnError: false,
        params: {
            Bucket: bucket,
            Key: obj.key,
            Body: hashing,
            ContentLength: obj.size,
            ContentType: obj.contentType,
            Metadata: { ...obj.metadata, sha256: obj.sha256Hex },
            ChecksumAlgorithm: "SHA256",
            // One part: S3 checks this full-object SHA-256 itself and rejects the PUT if the bytes differ.
            ...(singlePart ? { ChecksumSHA256: sha256Base64 } : {}),
            IfNoneMatch: "*",
        },
    });

    let alreadyThere = false;
    let versionId: string | undefined;
    try {
        const result = await upload.done();
        versionId = result.VersionId;
    } catch (e) {
        source.destroy();
        if (!isPreconditionFailed(e)) throw e;
        alreadyThere = true;
    }
    const expected = singlePart ? sha256Base64 : hashing.composite();
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: obj.key, ChecksumMode: "ENABLED" }));
    const problem = verify(head, obj, expected, alreadyThere ? undefined : hashing);
    if (problem !== undefined) {
        if (alreadyThere) throw new ConflictError(`s3://${bucket}/${obj.key} already holds a different object: ${problem}`);
        throw new IntegrityError(`s3://${bucket}/${obj.key} does not hold the bytes sent: ${problem}`);
    }
    return { key: obj.key, versionId: versionId ?? head.VersionId, alreadyThere };
}

/** Returns why the stored object is not the expected one, or undefined when it is. */
function verify(head: HeadObjectCommandOutput, obj: ObjectToArchive, expectedChecksum: string, _sent?: HashingStream): string | undefined {
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
