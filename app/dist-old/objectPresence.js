"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ForbiddenError = void 0;
exports.httpStatus = httpStatus;
exports.keyListed = keyListed;
const client_s3_1 = require("@aws-sdk/client-s3");
/** S3 refused to say whether it holds an object: retried a bounded number of times, then the item is quarantined. */
class ForbiddenError extends Error {
    name = "ForbiddenError";
}
exports.ForbiddenError = ForbiddenError;
/** The HTTP status of an SDK error (`$metadata.httpStatusCode`); a HEAD error has no body, so no code either. */
function httpStatus(e) {
    return e?.$metadata?.httpStatusCode;
}
/**
 * Whether a current object has exactly this key, asked by listing the key as a prefix: keys are listed in
 * lexicographic order, so when it exists it is the first. The task role's s3:ListBucket is scoped to the archive
 * prefix (s3:prefix), which this listing matches. A refused listing is a ForbiddenError, never "missing".
 */
async function keyListed(client, bucket, key) {
    try {
        const listed = await client.send(new client_s3_1.ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
        return listed.Contents?.[0]?.Key === key;
    }
    catch (e) {
        if (httpStatus(e) === 403) {
            throw new ForbiddenError(`S3 refused both HeadObject and a listing of s3://${bucket}/${key} (403): the task role needs s3:ListBucket for that prefix`);
        }
        throw e;
    }
}
//# sourceMappingURL=objectPresence.js.map