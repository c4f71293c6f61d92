import {
    AbortMultipartUploadCommand,
    CompletedPart,
    CompleteMultipartUploadCommand,
    CreateMultipartUploadCommand,
    S3Client,
    UploadPartCommand,
} from "@aws-sdk/client-s3";
import { FileHandle } from "fs/promises";
import { PartPool } from "./parts";

/** S3's limit on the parts of one multipart upload. https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
const MAX_PARTS = 10_000;

export interface MultipartRequest {
    readonly client: S3Client;
    readonly pool: PartPool;
    readonly bucket: string;
    readonly key: string;
    readonly size: number;
    readonly contentType: string;
    readonly metadata: Record<string, string>;
    /**
     * Aborted when this task gives the item up (its message handed back on SIGTERM, or lost): the parts in flight are
     * cancelled, no part and no CompleteMultipartUpload is sent after it, and the upload is aborted, so that a task
     * stopping mid-way (a Fargate Spot interruption) leaves no incomplete upload behind. Absent: never aborted.
     */
    readonly signal?: AbortSignal;
}

export interface MultipartResult {
    /** The SHA-256 (hex) of every byte read from the file and sent. */
    readonly sha256Hex: string;
    /** The SHA-256 (base64) of each part as sent, in order: S3 checked each and builds its composite from them. */
    readonly partChecksums: readonly string[];
    /** False when CompleteMultipartUpload answered 412: an object was already at the key. */
    readonly created: boolean;
    readonly versionId?: string;
}

/**
 * Sends the file as a multipart upload: parts read in order from the file into pooled buffers, each hashed in the
 * worker (its own SHA-256 and the file's running SHA-256) while the next one is read and earlier ones are sent.
 * `complete` sees the whole file's SHA-256 before CompleteMultipartUpload and may refuse it: the upload is then
 * aborted and nothing appears in S3. On any failure the upload is aborted (its parts would otherwise be billed).
 */
export async function sendMultipart(req: MultipartRequest, fh: FileHandle, mayComplete: (sha256Hex: string) => void): Promise<MultipartResult> {
    const { client, pool, bucket, key, size } = req;
    const count = Math.ceil(size / pool.partSize);
    if (count > MAX_PARTS) {
        throw new Error(`s3://${bucket}/${key}: ${size} bytes need ${count} parts, more than S3's ${MAX_PARTS}: raise MULTIPART_PART_BYTES to at least ${Math.ceil(size / MAX_PARTS)}`);
    }
    const created = await client.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: req.contentType, Metadata: req.metadata, ChecksumAlgorithm: "SHA256" }),
    );
    const uploadId = created.UploadId!;
    const file = pool.openFile();
    try {
        const parts = await sendParts(req, fh, uploadId, file, count);
        const sha256Hex = await pool.endFile(file);
        mayComplete(sha256Hex);
        req.signal?.throwIfAborted();
        const partChecksums = parts.map((p) => p.ChecksumSHA256!);
        try {
            const done = await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, IfNoneMatch: "*", MultipartUpload: { Parts: parts } }));
            return { sha256Hex, partChecksums, created: true, versionId: done.VersionId };
        } catch (e) {
            if (!isPreconditionFailed(e)) throw e;
            await abort(client, bucket, key, uploadId);
            return { sha256Hex, partChecksums, created: false };
        }
    } catch (e) {
        pool.dropFile(file);
        await abort(client, bucket, key, uploadId);
        throw e;
    }
}

async function sendParts(req: MultipartRequest, fh: FileHandle, uploadId: string, file: number, count: number): Promise<CompletedPart[]> {
    const { client, pool, bucket, key, size } = req;
    const parts: CompletedPart[] = new Array(count);
    const sending: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    for (let n = 1; n <= count && !failure; n++) {
        const offset = (n - 1) * pool.partSize;
        const length = Math.min(pool.partSize, size - offset);
        const slot = await pool.acquire();
        try {
            if (failure) throw (failure as { error: unknown }).error;
            req.signal?.throwIfAborted();
            await readFully(fh, slot.bytes, length, offset);
        } catch (e) {
            pool.release(slot);
            failure ??= { error: e };
            break;
        }
        // Not awaited: the next part is read while this one is hashed and sent. Submitted in file order, so the
        // worker's running hash sees the bytes in order.
        const sent = (async () => {
            try {
                const checksum = (await pool.hashPart(slot, length, file)).toString("base64");
                if (failure) return;
                const body = slot.bytes.subarray(0, length);
                const r = await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: length, ChecksumSHA256: checksum }), {
                    abortSignal: req.signal,
                });
                if (r.ChecksumSHA256 !== undefined && r.ChecksumSHA256 !== checksum) {
                    throw new Error(`s3://${bucket}/${key} part ${n}: S3 computed checksum ${r.ChecksumSHA256}, sent ${checksum}`);
                }
                parts[n - 1] = { PartNumber: n, ETag: r.ETag, ChecksumSHA256: checksum };
            } finally {
                pool.release(slot);
            }
        })();
        sending.push(sent.catch((e) => void (failure ??= { error: e })));
    }
    await Promise.all(sending);
    if (failure) throw failure.error;
    return parts;
}

/** Reads exactly `length` bytes at `offset`; a file that ends sooner is not the one acknowledged. */
export async function readFully(fh: FileHandle, view: Uint8Array, length: number, offset: number): Promise<void> {
    for (let done = 0; done < length; ) {
        const { bytesRead } = await fh.read(view, done, length - done, offset + done);
        if (bytesRead === 0) throw new ShortFileError(`the file ended at byte ${offset + done}, expected ${length - done} more`);
        done += bytesRead;
    }
}

export class ShortFileError extends Error {
    override name = "ShortFileError";
}

async function abort(client: S3Client, bucket: string, key: string, uploadId: string): Promise<void> {
    // Best effort: a lifecycle rule (AbortIncompleteMultipartUpload) is the backstop for one that fails here.
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
}

export function isPreconditionFailed(e: unknown): boolean {
    if (typeof e !== "object" || e === null) return false;
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return err.$metadata?.httpStatusCode === 412 || err.name === "PreconditionFailed";
}
