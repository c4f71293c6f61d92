import { HeadObjectCommand, HeadObjectCommandOutput, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createHash } from "crypto";
import { createReadStream } from "fs";
import { readFile } from "fs/promises";
import { Agent } from "http";
import { Agent as HttpsAgent } from "https";
import { Transform, TransformCallback } from "stream";
import { AppConfig } from "./config";
import { ForbiddenError, httpStatus, keyListed } from "./objectPresence";
import { SignedPut } from "./put";

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
            // Bounds, not budgets: requestTimeout is the longest a socket may stay silent mid-request (a part upload
            // keeps it busy), so a black-holed endpoint fails in seconds instead of hanging for two minutes.
            connectionTimeout: 3000,
            requestTimeout: 30000,
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
            const input = args.input as { Bucket?: string; Key?: string; PartNumber?: number };
            if (checksum && input.PartNumber !== undefined) sentPartChecksums.get(`${input.Bucket}/${input.Key}`)?.set(input.PartNumber, checksum);
            return next(args);
        },
        { step: "finalizeRequest", priority: "high", name: "payloadHashFromChecksum" },
    );
    return client;
}

/**
 * Hashes the bytes on their way to lib-storage. If they do not match the SHA-256 recorded at ingest,
 * the stream fails before its end reaches lib-storage, so the multipart upload is aborted instead of
 * completed.
 */
class HashingStream extends Transform {
    private readonly full = createHash("sha256");
    private bytes = 0;

    constructor(
        private readonly expectedHex: string,
        private readonly expectedSize: number,
    ) {
        super();
    }

    override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
        this.full.update(chunk);
        this.bytes += chunk.length;
        cb(null, chunk);
    }

    override _flush(cb: TransformCallback): void {
        const hex = this.full.digest("hex");
        if (hex !== this.expectedHex || this.bytes !== this.expectedSize) {
            cb(new IntegrityError(`bytes on EFS (sha256 ${hex}, ${this.bytes} bytes) differ from those acknowledged (sha256 ${this.expectedHex}, ${this.expectedSize} bytes)`));
            return;
        }
        cb();
    }
}

/**
 * The SHA-256 of each part as the SDK computed it from the bytes it sent (the x-amz-checksum-sha256
 * request header of every UploadPart), by bucket/key and part number: what S3's composite checksum must
 * be built from.
 */
const sentPartChecksums = new Map<string, Map<number, string>>();

/** `base64(sha256(sha256(part1) ‖ … ‖ sha256(partN)))-N`, what S3 reports for a multipart upload with SHA256 parts. */
export function compositeChecksum(partChecksumsBase64: readonly string[]): string {
    const joined = Buffer.concat(partChecksumsBase64.map((c) => Buffer.from(c, "base64")));
    return `${createHash("sha256").update(joined).digest("base64")}-${partChecksumsBase64.length}`;
}

export class IntegrityError extends Error {
    override name = "IntegrityError";
}

/** The object at the key is a different one: never overwritten, the item is quarantined. */
export class ConflictError extends Error {
    override name = "ConflictError";
}

/** Parts of one multipart upload in flight (each buffered in memory by lib-storage). */
export const PART_QUEUE = 4;

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
export interface ArchiveTarget {
    readonly client: S3Client;
    readonly signedPut: SignedPut;
    readonly bucket: string;
    readonly partSize: number;
}

export async function putVerified(target: ArchiveTarget, obj: ObjectToArchive): Promise<Archived> {
    const { client, bucket, partSize } = target;
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
        const digest = createHash("sha256").update(body).digest();
        if (digest.toString("hex") !== obj.sha256Hex || body.length !== obj.size) {
            throw new IntegrityError(`bytes on EFS (sha256 ${digest.toString("hex")}, ${body.length} bytes) differ from those acknowledged (sha256 ${obj.sha256Hex}, ${obj.size} bytes)`);
        }
        expected = sha256Base64;
        const headers: Record<string, string> = { "content-type": obj.contentType, "if-none-match": "*" };
        for (const [k, v] of Object.entries(params.Metadata)) headers[`x-amz-meta-${k}`] = v;
        const r = await target.signedPut.put(bucket, obj.key, body, digest, headers);
        if (r.status === 412) {
            alreadyThere = true;
        } else if (r.status >= 200 && r.status < 300) {
            versionId = r.versionId;
            // If-None-Match made this request the one that created the object, and S3 checked our SHA-256
            // against the bytes: the checksum it returns is its confirmation, no second round trip needed.
            // A server that does not return it is asked with HeadObject below.
            if (r.checksumSha256 !== undefined) {
                if (r.checksumSha256 !== sha256Base64) {
                    throw new IntegrityError(`s3://${bucket}/${obj.key}: S3 computed checksum ${r.checksumSha256}, expected ${sha256Base64}`);
                }
                return { key: obj.key, versionId, alreadyThere: false };
            }
        } else if (r.code === "BadDigest" || r.code === "XAmzContentSHA256Mismatch") {
            throw new IntegrityError(`s3://${bucket}/${obj.key}: S3 refused the bytes read from EFS (${r.code}): they differ from those acknowledged`);
        } else {
            const e = new Error(`PutObject s3://${bucket}/${obj.key}: HTTP ${r.status} ${r.code ?? ""} ${r.message ?? ""}`.trim());
            e.name = r.code ?? `HTTP${r.status}`;
            throw e;
        }
    } else {
        // Multipart through lib-storage: parts of partSize, at most PART_QUEUE in memory per file, each
        // with the SHA-256 the SDK computes from the bytes it sends, which S3 checks. S3's composite must
        // then be the one built from those part checksums, and the bytes sent are the acknowledged ones
        // (HashingStream).
        const hashing = new HashingStream(obj.sha256Hex, obj.size);
        const source = createReadStream(obj.file, { highWaterMark: 1024 * 1024 });
        source.on("error", (e) => hashing.destroy(e));
        const parts = new Map<number, string>();
        const uploadKey = `${bucket}/${obj.key}`;
        sentPartChecksums.set(uploadKey, parts);
        const upload = new Upload({ client, partSize, queueSize: PART_QUEUE, leavePartsOnError: false, params: { ...params, Body: source.pipe(hashing) } });
        try {
            versionId = (await upload.done()).VersionId;
        } catch (e) {
            source.destroy();
            if (!isPreconditionFailed(e)) throw e;
            alreadyThere = true; // 412 comes from CompleteMultipartUpload, after every part was sent
        } finally {
            sentPartChecksums.delete(uploadKey);
        }
        const expectedParts = Math.ceil(obj.size / partSize);
        const sent = Array.from({ length: expectedParts }, (_, i) => parts.get(i + 1));
        if (sent.some((c) => c === undefined)) throw new IntegrityError(`s3://${bucket}/${obj.key}: no SHA-256 recorded for every one of ${expectedParts} parts`);
        expected = compositeChecksum(sent as string[]);
    }
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: obj.key, ChecksumMode: "ENABLED" }));
    const problem = verify(head, obj, expected);
    if (problem !== undefined) {
        if (alreadyThere) throw new ConflictError(`s3://${bucket}/${obj.key} already holds a different object: ${problem}`);
        throw new IntegrityError(`s3://${bucket}/${obj.key} does not hold the bytes sent: ${problem}`);
    }
    return { key: obj.key, versionId: versionId ?? head.VersionId, alreadyThere };
}

/**
 * Confirms, without the file, that S3 already holds an object. Used when a task was killed after S3 confirmed an
 * item and it had begun removing the item from EFS (the original goes first, so a missing original means that
 * confirmation happened). The size and the full SHA-256 kept in the object's metadata must match; for a
 * single-part object, so must the checksum S3 computed over the bytes.
 */
export async function confirmArchived(target: ArchiveTarget, obj: ObjectToArchive): Promise<Archived> {
    let head: HeadObjectCommandOutput;
    try {
        head = await target.client.send(new HeadObjectCommand({ Bucket: target.bucket, Key: obj.key, ChecksumMode: "ENABLED" }));
    } catch (e) {
        const status = httpStatus(e);
        if (status !== 403 && status !== 404) throw e;
        // Without s3:ListBucket on the whole bucket S3 answers HeadObject on a missing key with 403, not 404
        // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): neither answer alone proves the
        // object is missing. A listing of the exact key, which the prefix-scoped s3:ListBucket allows, does.
        if (!(await keyListed(target.client, target.bucket, obj.key))) {
            throw new IntegrityError(`the original is gone from EFS but s3://${target.bucket}/${obj.key} does not exist (HeadObject answered ${status}; a listing of the key shows no object)`);
        }
        throw new ForbiddenError(`HeadObject s3://${target.bucket}/${obj.key} answered ${status} although the key is listed: the task role needs s3:GetObject on it`);
    }
    const problem =
        obj.size <= target.partSize
            ? verify(head, obj, Buffer.from(obj.sha256Hex, "hex").toString("base64"))
            : head.ContentLength !== obj.size
              ? `size ${head.ContentLength}, expected ${obj.size}`
              : head.Metadata?.sha256 !== obj.sha256Hex
                ? `metadata sha256 ${head.Metadata?.sha256}, expected ${obj.sha256Hex}`
                : undefined;
    if (problem !== undefined) {
        throw new IntegrityError(`the original is gone from EFS and s3://${target.bucket}/${obj.key} is not it: ${problem}`);
    }
    return { key: obj.key, versionId: head.VersionId, alreadyThere: true };
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

/**
 * Whether the bucket answers, asked the way the task role allows: a one-key listing of the archive prefix. (A
 * HeadBucket would need s3:ListBucket on the whole bucket, which the task role deliberately lacks.)
 */
export async function bucketReachable(client: S3Client, bucket: string, archivePrefix: string, timeoutMs: number): Promise<{ reachable: boolean; error?: string }> {
    try {
        await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: archivePrefix, MaxKeys: 1 }), { abortSignal: AbortSignal.timeout(timeoutMs) });
        return { reachable: true };
    } catch (e) {
        const timedOut = e instanceof Error && (e.name === "AbortError" || e.name === "TimeoutError");
        return { reachable: false, error: timedOut ? `no answer within ${timeoutMs} ms` : e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
}
