import {
    ChangeMessageVisibilityBatchCommand,
    DeleteMessageBatchCommand,
        GetQueueAttributesCommand,
    ReceiveMessageCommand,
    SendMessageBatchCommand,
    SQSClient,
} from "@aws-sdk/client-sqs";
import { Agent } from "http";
import { Agent as HttpsAgent } from "https";
import { ItemKind } from "../store/store";
import { QueueConfig } from "./queueConfig";

/**
 * The work queue as the app uses it: one message per item waiting on EFS (uploads/incoming/<id>/). The message only
 * names the item; EFS keeps the bytes and meta.json, so a message is small whatever the file.
 */
export interface ItemMessage {
    readonly id: string;
    readonly kind: ItemKind;
    readonly size: number;
    readonly sha256: string;
}

/** A received message. `item` is undefined for a body this app did not write (left for the dead-letter queue). */
export interface Received {
    readonly messageId: string;
    readonly receiptHandle: string;
    readonly item?: ItemMessage;
    readonly body: string;
    /** ApproximateReceiveCount: 1 the first time a message is received. */
    readonly receiveCount: number;
}

/** An item id as the app writes them (UUIDs; a test's may be any plain name): never a path. */
const ITEM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function parseItem(body: string): ItemMessage | undefined {
    try {
        const m = JSON.parse(body) as Partial<ItemMessage>;
        if (typeof m.id !== "string" || !ITEM_ID.test(m.id) || (m.kind !== "upload" && m.kind !== "log")) return undefined;
        if (typeof m.size !== "number" || typeof m.sha256 !== "string") return undefined;
        return { id: m.id, kind: m.kind, size: m.size, sha256: m.sha256 };
    } catch {
        return undefined;
    }
}

/**
 * SendMessageBatch, ReceiveMessage, ChangeMessageVisibilityBatch and DeleteMessageBatch take at most 10 entries or
 * messages per call: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html
 * ("MaxNumberOfMessages: The maximum number of messages to return. Amazon SQS never returns more messages than this
 * value ... Valid values: 1 to 10.") and API_SendMessageBatch.html ("You can send up to 10 messages").
 */
export const SQS_BATCH = 10;
/**
 * Long polling: "The duration (in seconds) for which the call waits for a message to arrive in the queue before
 * returning ... 20 seconds maximum" (API_ReceiveMessage.html, WaitTimeSeconds).
 */
export const MAX_WAIT_SECONDS = 20;

/**
 * A batch call's answer per entry (entries sent with Ids "0", "1", …): undefined for one in `Successful`, the code
 * and message for one in `Failed`, and a refusal for one in neither (never expected; not taken as sent).
 */
export function entryResults(count: number, successful: readonly { Id?: string }[] | undefined, failed: readonly { Id?: string; Code?: string; Message?: string }[] | undefined): (string | undefined)[] {
    const results: (string | undefined)[] = Array.from({ length: count }, () => "neither successful nor failed in SQS's answer");
    for (const ok of successful ?? []) if (Number(ok.Id) < count) results[Number(ok.Id)] = undefined;
    for (const f of failed ?? []) if (Number(f.Id) < count) results[Number(f.Id)] = `${f.Code ?? "?"}: ${f.Message ?? ""}`;
    return results;
}

/** The queue calls the app makes, counted for /status and the fleet bench. IAM actions as in the cross-team contract. */
export class WorkQueue {
    private readonly client: SQSClient;
    /** Requests sent, by action (each batch call counts once). */
    readonly calls: Record<string, number> = {};

    constructor(
        readonly config: QueueConfig,
        region: string,
    ) {
        const agentOptions = { keepAlive: true, maxSockets: 64 };
        this.client = new SQSClient({
            region,
            endpoint: config.endpoint,
            // Failures are retried by the app's own loops (a message not sent is found by the reconciling scan).
            maxAttempts: 2,
            requestHandler: {
                httpAgent: new Agent(agentOptions),
                httpsAgent: new HttpsAgent(agentOptions),
                connectionTimeout: 3000,
                // The longest a socket may stay silent: above the long poll's 20 s, so that a ReceiveMessage waiting for
                // messages is not cut off, and finite, so that a black-holed endpoint fails the call instead of holding
                // the receive loop (or a hand-back, a visibility extension) forever. socketTimeout, not requestTimeout,
                // which in @smithy/node-http-handler 4.x only logs a warning unless throwOnRequestTimeout (s3/s3.ts).
                socketTimeout: (MAX_WAIT_SECONDS + 10) * 1000,
            },
        });
    }

    private count(action: string): void {
        this.calls[action] = (this.calls[action] ?? 0) + 1;
    }

    /** Sends one message per item, in batches of 10; returns the ids SQS accepted. Throws only when no batch went out. */
    async send(items: readonly ItemMessage[], signal?: AbortSignal): Promise<Set<string>> {
        const sent = new Set<string>();
        let failure: unknown;
        for (let i = 0; i < items.length; i += SQS_BATCH) {
            const batch = items.slice(i, i + SQS_BATCH);
            try {
                const refusals = await this.sendBatch(batch, signal);
                batch.forEach((item, n) => refusals[n] === undefined && sent.add(item.id));
            } catch (e) {
                failure = e;
            }
        }
        if (sent.size === 0 && failure !== undefined) throw failure;
        return sent;
    }

    /**
     * One SendMessageBatch of up to 10 items: per item, in order, undefined once SQS accepted its message or why it
     * refused it. "The result of sending each message is reported individually in the response. Because the batch
     * request can result in a combination of successful and unsuccessful actions, you should check for batch errors
     * even when the call returns an HTTP status code of 200."
     * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html)
     */
    async sendBatch(items: readonly ItemMessage[], signal?: AbortSignal): Promise<(string | undefined)[]> {
        if (items.length === 0 || items.length > SQS_BATCH) throw new Error(`a SendMessageBatch carries 1 to ${SQS_BATCH} messages, not ${items.length}`);
        this.count("SendMessageBatch");
        const r = await this.client.send(
            new SendMessageBatchCommand({
                QueueUrl: this.config.queueUrl,
                Entries: items.map((item, n) => ({ Id: String(n), MessageBody: JSON.stringify(item) })),
            }),
            { abortSignal: signal },
        );
        return entryResults(items.length, r.Successful, r.Failed);
    }

    /** One long poll: up to `max` (1-10) messages, waiting up to `waitSeconds` for the first. */
    async receive(max: number, waitSeconds: number, visibilitySeconds: number | undefined, signal?: AbortSignal, queueUrl = this.config.queueUrl): Promise<Received[]> {
        this.count(queueUrl === this.config.queueUrl ? "ReceiveMessage" : "ReceiveMessage(DLQ)");
        const r = await this.client.send(
            new ReceiveMessageCommand({
                QueueUrl: queueUrl,
                MaxNumberOfMessages: Math.max(1, Math.min(SQS_BATCH, max)),
                WaitTimeSeconds: waitSeconds,
                VisibilityTimeout: visibilitySeconds,
                MessageSystemAttributeNames: ["ApproximateReceiveCount"],
            }),
            { abortSignal: signal },
        );
        return (r.Messages ?? []).map((m) => ({
            messageId: m.MessageId ?? "",
            receiptHandle: m.ReceiptHandle ?? "",
            body: m.Body ?? "",
            item: parseItem(m.Body ?? ""),
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
        }));
    }

    /**
     * Sets the visibility of received messages to `seconds` from now (0 makes them visible again at once); returns the
     * receipt handles SQS refused (the message was deleted, or received again by another consumer).
     */
    async changeVisibility(handles: readonly string[], seconds: number): Promise<Set<string>> {
        const refused = new Set<string>();
        for (let i = 0; i < handles.length; i += SQS_BATCH) {
            const batch = handles.slice(i, i + SQS_BATCH);
            this.count("ChangeMessageVisibilityBatch");
            const r = await this.client.send(
                new ChangeMessageVisibilityBatchCommand({
                    QueueUrl: this.config.queueUrl,
                    Entries: batch.map((h, n) => ({ Id: String(n), ReceiptHandle: h, VisibilityTimeout: seconds })),
                }),
            );
            for (const f of r.Failed ?? []) refused.add(batch[Number(f.Id)]);
        }
        return refused;
    }

    /**
     * Deletes received messages, in batches of 10; returns the receipt handles SQS refused, with its reason. Needs
     * only sqs:DeleteMessage (WorkQueue.grantConsume): "setting permissions for SendMessage, DeleteMessage, or
     * ChangeMessageVisibility sets permissions for the corresponding batch versions of the actions."
     * (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html)
     */
    async deleteMany(handles: readonly string[]): Promise<Map<string, string>> {
        const refused = new Map<string, string>();
        for (let i = 0; i < handles.length; i += SQS_BATCH) {
            const batch = handles.slice(i, i + SQS_BATCH);
            (await this.deleteBatch(batch)).forEach((reason, n) => reason !== undefined && refused.set(batch[n], reason));
        }
        return refused;
    }

    /**
     * One DeleteMessageBatch of up to 10 receipt handles: per handle, in order, undefined once deleted or why SQS
     * refused it ("The result of the action on each message is reported individually in the response",
     * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteMessageBatch.html). The same
     * grant as DeleteMessage (deleteMany above).
     */
    async deleteBatch(handles: readonly string[]): Promise<(string | undefined)[]> {
        if (handles.length === 0 || handles.length > SQS_BATCH) throw new Error(`a DeleteMessageBatch carries 1 to ${SQS_BATCH} receipt handles, not ${handles.length}`);
        this.count("DeleteMessageBatch");
        const r = await this.client.send(new DeleteMessageBatchCommand({ QueueUrl: this.config.queueUrl, Entries: handles.map((h, n) => ({ Id: String(n), ReceiptHandle: h })) }));
        return entryResults(handles.length, r.Successful, r.Failed);
    }

    /** The work queue's VisibilityTimeout, for a consumer without QUEUE_VISIBILITY_SECONDS. */
    async visibilityTimeout(signal?: AbortSignal): Promise<number> {
        this.count("GetQueueAttributes");
        const r = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: this.config.queueUrl, AttributeNames: ["VisibilityTimeout"] }), { abortSignal: signal });
        const seconds = Number(r.Attributes?.VisibilityTimeout);
        if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`the queue's VisibilityTimeout is ${JSON.stringify(r.Attributes?.VisibilityTimeout)}`);
        return seconds;
    }

    /**
     * Takes up to 10 dead-letter messages and hides them for `hideSeconds` ("VisibilityTimeout: The duration (in
     * seconds) that the received messages are hidden from subsequent retrieve requests after being retrieved by a
     * ReceiveMessage request", API_ReceiveMessage.html); never deletes them, so they come back and stay on the
     * dead-letter queue (its alarm) until an operator redrives or purges them. Hidden rather than left visible: a
     * receive that left them visible would answer the same first ten every time (moto does; SQS promises no order), and
     * an item dead-lettered behind ten uncleared dead letters would never be quarantined. A wait of 1 s makes it a long
     * poll, which asks every SQS server, so an empty answer means none is visible ("Long polling … Eliminate false empty
     * responses by querying all—rather than a subset of—Amazon SQS servers", sqs-short-and-long-polling.html).
     */
    takeDeadLetters(hideSeconds: number, signal?: AbortSignal): Promise<Received[]> {
        return this.receive(SQS_BATCH, 1, hideSeconds, signal, this.config.deadLetterQueueUrl);
    }
}
