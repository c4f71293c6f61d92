import { S3Client } from "@aws-sdk/client-s3";

/**
 * One clock for every signed request: the SDK's. The S3 client keeps `config.systemClockOffset` (the server's time
 * minus ours), sets it from the Date header of every answer and from a clock-skew refusal, and signs its own commands
 * at `now + offset` (@aws-sdk/core, AwsSdkSigV4Signer: `signingDate: getSkewCorrectedDate(config.systemClockOffset)`,
 * `successHandler`/`errorHandler` update it). What the app signs itself (the single-part PUT in put.ts, presigned
 * URLs) uses the same offset and feeds it the same way, so one refusal heals every path.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTCommonRequestHeaders.html ("Date … the current date and time
 * according to the requester"); S3 refuses a request whose signing time is more than 15 minutes from its own with
 * RequestTimeTooSkewed: https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html ("RequestTimeTooSkewed
 * The difference between the request time and the server's time is too large.")
 */
export function skewCorrectedNow(client: S3Client): Date {
    return new Date(Date.now() + clockOffsetMs(client));
}

/** The measured skew: S3's time minus this task's, in ms (0 until S3 has answered once). */
export function clockOffsetMs(client: S3Client): number {
    const offset = (client.config as { systemClockOffset?: number }).systemClockOffset;
    return typeof offset === "number" && Number.isFinite(offset) ? offset : 0;
}

/**
 * Takes S3's time from an answer's Date header, as the SDK does for its own commands: ignored when the answer came
 * through a cache (an Age header) or took more than 15 minutes, since the header then says nothing of the clock.
 */
export function sampleServerTime(client: S3Client, dateHeader: string | undefined, sentAtMs: number, ageHeader?: string): void {
    if (dateHeader === undefined || ageHeader !== undefined) return;
    const serverTime = Date.parse(dateHeader);
    const received = Date.now();
    if (Number.isNaN(serverTime) || received - sentAtMs > 900_000) return;
    (client.config as { systemClockOffset?: number }).systemClockOffset = serverTime - received;
}
