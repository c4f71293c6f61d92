"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ShortFileError = void 0;
exports.sendMultipart = sendMultipart;
exports.readFully = readFully;
exports.isPreconditionFailed = isPreconditionFailed;
const client_s3_1 = require("@aws-sdk/client-s3");
/** S3's limit on the parts of one multipart upload. https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html */
const MAX_PARTS = 10_000;
/**
 * Sends the file as a multipart upload: parts read in order from the file into pooled buffers, each hashed in the
 * worker (its own SHA-256 and the file's running SHA-256) while the next one is read and earlier ones are sent.
 * `complete` sees the whole file's SHA-256 before CompleteMultipartUpload and may refuse it: the upload is then
 * aborted and nothing appears in S3. On any failure the upload is aborted (its parts would otherwise be billed).
 */
async function sendMultipart(req, fh, mayComplete) {
    const { client, pool, bucket, key, size } = req;
    const count = Math.ceil(size / pool.partSize);
    if (count > MAX_PARTS) {
        throw new Error(`s3://${bucket}/${key}: ${size} bytes need ${count} parts, more than S3's ${MAX_PARTS}: raise MULTIPART_PART_BYTES to at least ${Math.ceil(size / MAX_PARTS)}`);
    }
    const created = await client.send(new client_s3_1.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: req.contentType, Metadata: req.metadata, ChecksumAlgorithm: "SHA256" }));
    const uploadId = created.UploadId;
    const file = pool.openFile();
    try {
        const parts = await sendParts(req, fh, uploadId, file, count);
        const sha256Hex = await pool.endFile(file);
        mayComplete(sha256Hex);
        const partChecksums = parts.map((p) => p.ChecksumSHA256);
        try {
            const done = await client.send(new client_s3_1.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, IfNoneMatch: "*", MultipartUpload: { Parts: parts } }));
            return { sha256Hex, partChecksums, created: true, versionId: done.VersionId };
        }
        catch (e) {
            if (!isPreconditionFailed(e))
                throw e;
            await abort(client, bucket, key, uploadId);
            return { sha256Hex, partChecksums, created: false };
        }
    }
    catch (e) {
        pool.dropFile(file);
        await abort(client, bucket, key, uploadId);
        throw e;
    }
}
async function sendParts(req, fh, uploadId, file, count) {
    const { client, pool, bucket, key, size } = req;
    const parts = new Array(count);
    const sending = [];
    let failure;
    for (let n = 1; n <= count && !failure; n++) {
        const offset = (n - 1) * pool.partSize;
        const length = Math.min(pool.partSize, size - offset);
        const slot = await pool.acquire();
        try {
            if (failure)
                throw failure.error;
            await readFully(fh, slot.bytes, length, offset);
        }
        catch (e) {
            pool.release(slot);
            failure ??= { error: e };
            break;
        }
        // Not awaited: the next part is read while this one is hashed and sent. Submitted in file order, so the
        // worker's running hash sees the bytes in order.
        const sent = (async () => {
            try {
                const checksum = (await pool.hashPart(slot, length, file)).toString("base64");
                if (failure)
                    return;
                const body = slot.bytes.subarray(0, length);
                const r = await client.send(new client_s3_1.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: body, ContentLength: length, ChecksumSHA256: checksum }));
                if (r.ChecksumSHA256 !== undefined && r.ChecksumSHA256 !== checksum) {
                    throw new Error(`s3://${bucket}/${key} part ${n}: S3 computed checksum ${r.ChecksumSHA256}, sent ${checksum}`);
                }
                parts[n - 1] = { PartNumber: n, ETag: r.ETag, ChecksumSHA256: checksum };
            }
            finally {
                pool.release(slot);
            }
        })();
        sending.push(sent.catch((e) => void (failure ??= { error: e })));
    }
    await Promise.all(sending);
    if (failure)
        throw failure.error;
    return parts;
}
/** Reads exactly `length` bytes at `offset`; a file that ends sooner is not the one acknowledged. */
async function readFully(fh, view, length, offset) {
    for (let done = 0; done < length;) {
        const { bytesRead } = await fh.read(view, done, length - done, offset + done);
        if (bytesRead === 0)
            throw new ShortFileError(`the file ended at byte ${offset + done}, expected ${length - done} more`);
        done += bytesRead;
    }
}
class ShortFileError extends Error {
    name = "ShortFileError";
}
exports.ShortFileError = ShortFileError;
async function abort(client, bucket, key, uploadId) {
    // Best effort: a lifecycle rule (AbortIncompleteMultipartUpload) is the backstop for one that fails here.
    await client.send(new client_s3_1.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
}
function isPreconditionFailed(e) {
    if (typeof e !== "object" || e === null)
        return false;
    const err = e;
    return err.$metadata?.httpStatusCode === 412 || err.name === "PreconditionFailed";
}
//# sourceMappingURL=multipart.js.map