import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";

/** S3 refused to say whether it holds an object: retried a bounded number of times, then the item is quarantined. */
export class ForbiddenError extends Error {
    override name = "ForbiddenError";
}

/** The HTTP status of an SDK error (`$metadata.httpStatusCode`); a HEAD error has no body, so no code either. */
export function httpStatus(e: unknown): number | undefined {
    return (e as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/**
 * Whether a current object has exactly this key, asked by listing the key as a prefix: keys are listed in
 * lexicographic order, so when it exists it is the first. The task role's s3:ListBucket is scoped to the archive
 * prefix (s3:prefix), which this listing matches. A refused listing is a ForbiddenError, never "missing".
 */
export async function keyListed(client: S3Client, bucket: string, key: string): Promise<boolean> {
    try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
        return listed.Contents?.[0]?.Key === key;
    } catch (e) {
        if (httpStatus(e) === 403) {
            throw new ForbiddenError(`S3 refused both HeadObject and a listing of s3://${bucket}/${key} (403): the task role needs s3:ListBucket for that prefix`);
        }
        throw e;
    }
}
