import { HeadObjectCommand, HeadObjectCommandOutput, ListObjectsV2Command, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { createHash } from "crypto";
import { FileHandle, open } from "fs/promises";
import { Agent } from "http";
import { Agent as HttpsAgent } from "https";
import { AppConfig } from "../config";
import { ForbiddenError, httpStatus, keyListed } from "./objectPresence";
import { readFully, sendMultipart, ShortFileError } from "./multipart";
import { INLINE_BYTES, inlineBodies, PARTS_IN_MEMORY, partPool } from "./parts";
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
            // Bounds, not budgets: socketTimeout is the longest a socket may stay silent mid-request (a part upload
            // keeps it busy), so a black-holed endpoint fails in seconds instead of holding the request forever. Not
            // requestTimeout: in @smithy/node-http-handler 4.x that is the whole request's duration and, without
            // throwOnRequestTimeout, only logs a warning ("Because requestTimeout was for a long time incorrectly being
            // set as a socket idle timeout, users must also opt-in for request timeout thrown errors", @smithy/types
            // NodeHttpHandlerOptions); socketTimeout: "The maximum time in milliseconds that a socket may remain idle
            // before it is closed." (test/app/queue.spec.ts, "a black-holed SQS and then a black-holed S3 …")
            connectionTimeout: 3000,
            socketTimeout: 30000,
        },
    });
    // A request that carries the SHA-256 of its body as x-amz-checksum-sha256 (every PutObject and
    // UploadPart here) already has the SigV4 payload hash: hand it to the signer instead of hashing the
    // body once more. If the body differed, S3 would refuse the request on either value. (In the build step: the
    // signer runs early in finalizeRequest, and a payload hash supplied after it would be ignored.)
    client.middlewareStack.add(
        (next) => async (args) => {
            const request = args.request as { headers?: Record<string, string> };
            const checksum = request.headers?.["x-amz-checksum-sha256"];
            if (request.headers && checksum && !("x-amz-content-sha256" in request.headers)) {
                request.headers["x-amz-content-sha256"] = Buffer.from(checksum, "base64").toString("hex");
            }
            return next(args);
        },
        { step: "build", priority: "low", name: "payloadHashFromChecksum" },
    );
    return client;
}

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

/** Part buffers of all transfers of this process together (see parts.ts). */
export const PART_QUEUE = PARTS_IN_MEMORY;

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

export interface ArchiveTarget {
    readonly client: S3Client;
    readonly signedPut: SignedPut;
    readonly bucket: string;
    readonly partSize: number;
}

/**
 * Uploads one file so that nothing is ever overwritten (If-None-Match: *) and resolves only once S3
 * confirmed it holds exactly these bytes, i.e. when the caller may delete the file from EFS: for a
 * single-part PUT, the checksum S3 verified and returned; for a multipart upload, or when the object
 * was already there, HeadObject with checksum mode enabled. The file is read once, streamed through at most
 * {@link PARTS_IN_MEMORY} part buffers per process, each byte hashed once for its part and once for the whole file.
 * Once `signal` aborts (the item's message was handed back), a multipart upload stops and is aborted (multipart.ts).
 */
export async function putVerified(target: ArchiveTarget, obj: ObjectToArchive, signal?: AbortSignal): Promise<Archived> {
    const { bucket } = target;
    const metadata = { ...obj.metadata, sha256: obj.sha256Hex };
    const differs = (hex: string, bytes: number) =>
        new IntegrityError(`bytes on EFS (sha256 ${hex}, ${bytes} bytes) differ from those acknowledged (sha256 ${obj.sha256Hex}, ${obj.size} bytes)`);
    const fh = await open(obj.file, "r");
    let expected: string;
    let created: boolean;
    let versionId: string | undefined;
    try {
        const actualSize = (await fh.stat()).size;
        if (actualSize !== obj.size) throw differs("not computed", actualSize);
        if (obj.size <= target.partSize) {
            const r = await putSinglePart(target, obj, fh, metadata, differs);
            if (r.confirmed) return { key: obj.key, versionId: r.versionId, alreadyThere: false };
            ({ created, versionId } = r);
            expected = Buffer.from(obj.sha256Hex, "hex").toString("base64");
        } else {
            const pool = partPool(target.partSize);
            const req = { client: target.client, pool, bucket, key: obj.key, size: obj.size, contentType: obj.contentType, metadata, signal };
            const r = await sendMultipart(req, fh, (hex) => {
                if (hex !== obj.sha256Hex) throw differs(hex, obj.size);
            });
            ({ created, versionId } = r);
            expected = compositeChecksum(r.partChecksums);
        }
    } catch (e) {
        throw e instanceof ShortFileError ? new IntegrityError(`${obj.file} is shorter than the ${obj.size} bytes acknowledged: ${e.message}`) : e;
    } finally {
        await fh.close();
    }
    const head = await target.client.send(new HeadObjectCommand({ Bucket: bucket, Key: obj.key, ChecksumMode: "ENABLED" }));
    const problem = verify(head, obj, expected);
    if (problem !== undefined) {
        if (!created) throw new ConflictError(`s3://${bucket}/${obj.key} already holds a different object: ${problem}`);
        throw new IntegrityError(`s3://${bucket}/${obj.key} does not hold the bytes sent: ${problem}`);
    }
    return { key: obj.key, versionId: versionId ?? head.VersionId, alreadyThere: !created };
}

/**
 * One PUT whose body was checked against the SHA-256 taken at ingest and that carries it: S3 recomputes it over
 * the bytes it receives and refuses the PUT (BadDigest) if they differ. If-None-Match made a 2xx the request
 * that created the object, so the checksum S3 returns is its confirmation; without one, HeadObject decides.
 */
async function putSinglePart(
    target: ArchiveTarget,
    obj: ObjectToArchive,
    fh: FileHandle,
    metadata: Record<string, string>,
    differs: (hex: string, bytes: number) => IntegrityError,
): Promise<{ confirmed: boolean; created: boolean; versionId?: string }> {
    const { bucket } = target;
    const sha256Base64 = Buffer.from(obj.sha256Hex, "hex").toString("base64");
    const pool = obj.size > INLINE_BYTES ? partPool(target.partSize) : undefined;
    const slot = pool ? await pool.acquire() : undefined;
    if (!pool) await inlineBodies.take(obj.size);
    try {
        const body = slot ? slot.bytes.subarray(0, obj.size) : Buffer.allocUnsafeSlow(obj.size);
        await readFully(fh, body, obj.size, 0);
        const digest = slot ? await pool!.hashPart(slot, obj.size, -1) : createHash("sha256").update(body).digest();
        if (digest.toString("hex") !== obj.sha256Hex) throw differs(digest.toString("hex"), obj.size);
        const headers: Record<string, string> = { "content-type": obj.contentType, "if-none-match": "*" };
        for (const [k, v] of Object.entries(metadata)) headers[`x-amz-meta-${k}`] = v;
        const r = await target.signedPut.put(bucket, obj.key, body, digest, headers);
        if (r.status === 412) return { confirmed: false, created: false };
        if (r.status >= 200 && r.status < 300) {
            if (r.checksumSha256 === undefined) return { confirmed: false, created: true, versionId: r.versionId };
            if (r.checksumSha256 !== sha256Base64) throw new IntegrityError(`s3://${bucket}/${obj.key}: S3 computed checksum ${r.checksumSha256}, expected ${sha256Base64}`);
            return { confirmed: true, created: true, versionId: r.versionId };
        }
        if (r.code === "BadDigest" || r.code === "XAmzContentSHA256Mismatch") {
            throw new IntegrityError(`s3://${bucket}/${obj.key}: S3 refused the bytes read from EFS (${r.code}): they differ from those acknowledged`);
        }
        const e = new Error(`PutObject s3://${bucket}/${obj.key}: HTTP ${r.status} ${r.code ?? ""} ${r.message ?? ""}`.trim());
        e.name = r.code ?? `HTTP${r.status}`;
        throw e;
    } finally {
        if (slot) pool!.release(slot);
        else inlineBodies.give(obj.size);
    }
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
