/**
 * `npm run bench -- queueserver`: what one SQS call costs on the local queue servers the benchmarks can use, moto
 * (test/support/s3server.ts, the specs' server) and ElasticMQ (bench/support/elasticmq.ts), directly and behind the
 * fleet bench's counting proxy (bench/support/countingProxy.ts). Per server, path, queue size M (BENCH_QS_MESSAGES;
 * default 2000 for ElasticMQ, 200,1000 for moto) and consumer count C (BENCH_QS_CONSUMERS; default 1,16 for
 * ElasticMQ, 1 for moto): M messages are sent in batches of 10, then C consumers each loop
 * ReceiveMessage (10, long poll 1 s) → ChangeMessageVisibilityBatch → one DeleteMessage per message, as the app's
 * consumers do, until the queue is empty (BENCH_QS_SERVERS, default moto,elasticmq; BENCH_QS_VIA, default
 * direct,proxy). One JSON line each: messages/s and the mean milliseconds per call by action.
 * No EFS, no app: the queue server alone, so that the fleet bench's rates can be read against it.
 */
import {
    ChangeMessageVisibilityBatchCommand,
    CreateQueueCommand,
    DeleteMessageCommand,
    ReceiveMessageCommand,
    SendMessageBatchCommand,
    SQSClient,
} from "@aws-sdk/client-sqs";
import { randomUUID } from "crypto";
import { CREDENTIALS, S3Server, startMoto } from "../test/support/s3server";
import { countingProxy } from "./support/countingProxy";
import { elasticMqUnavailable, startElasticMq } from "./support/elasticmq";

const nums = (v: string) => v.split(",").map(Number);
// moto's calls cost O(messages in the queue): its defaults stay small enough for `npm run bench` to finish (2,000
// messages with 16 consumers did not within 10 minutes here), and two sizes show the growth.
const MESSAGES = (server: string) => nums(process.env.BENCH_QS_MESSAGES ?? (server === "moto" ? "200,1000" : "2000"));
const CONSUMERS = (server: string) => nums(process.env.BENCH_QS_CONSUMERS ?? (server === "moto" ? "1" : "1,16"));
const SERVERS = (process.env.BENCH_QS_SERVERS ?? "moto,elasticmq").split(",");
const VIA = (process.env.BENCH_QS_VIA ?? "direct,proxy").split(",");
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function run(server: string, endpoint: string, via: string, consumers: number, MESSAGES: number): Promise<void> {
    const sqs = new SQSClient({ endpoint, region: CREDENTIALS.AWS_REGION, credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY }, maxAttempts: 1 });
    const q = (await sqs.send(new CreateQueueCommand({ QueueName: `qs-${randomUUID()}`, Attributes: { VisibilityTimeout: "60" } }))).QueueUrl!;
    const ms = new Map<string, number[]>();
    const timed = async <T>(action: string, p: () => Promise<T>): Promise<T> => {
        const t = performance.now();
        const r = await p();
        (ms.get(action) ?? ms.set(action, []).get(action)!).push(performance.now() - t);
        return r;
    };
    for (let i = 0; i < MESSAGES; i += 10) {
        await timed("SendMessageBatch", () => sqs.send(new SendMessageBatchCommand({ QueueUrl: q, Entries: Array.from({ length: Math.min(10, MESSAGES - i) }, (_, n) => ({ Id: String(n), MessageBody: JSON.stringify({ id: randomUUID(), n: i + n }) })) })));
    }
    let done = 0;
    const started = performance.now();
    await Promise.all(
        Array.from({ length: consumers }, async () => {
            while (done < MESSAGES) {
                const r = await timed("ReceiveMessage", () => sqs.send(new ReceiveMessageCommand({ QueueUrl: q, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 })));
                const got = r.Messages ?? [];
                if (got.length === 0) continue;
                await timed("ChangeMessageVisibilityBatch", () => sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: q, Entries: got.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 60 })) })));
                await Promise.all(got.map((m) => timed("DeleteMessage", () => sqs.send(new DeleteMessageCommand({ QueueUrl: q, ReceiptHandle: m.ReceiptHandle! })))));
                done += got.length;
            }
        }),
    );
    const seconds = (performance.now() - started) / 1000;
    sqs.destroy();
    console.log(
        JSON.stringify({
            bench: "queueserver",
            server,
            via,
            consumers,
            messages: MESSAGES,
            messagesPerSec: round(MESSAGES / seconds, 1),
            meanMsPerCall: Object.fromEntries([...ms.entries()].map(([k, v]) => [k, round(v.reduce((a, b) => a + b, 0) / v.length)])),
        }),
    );
}

async function main(): Promise<void> {
    const unknown = SERVERS.filter((n) => n !== "moto" && n !== "elasticmq");
    if (unknown.length > 0) throw new Error(`BENCH_QS_SERVERS names ${unknown.join(", ")}: it lists moto and/or elasticmq`);
    for (const name of SERVERS) {
        if (name === "elasticmq" && elasticMqUnavailable()) {
            console.log(JSON.stringify({ bench: "queueserver", server: name, skipped: elasticMqUnavailable() }));
            continue;
        }
        const server: S3Server = name === "moto" ? await startMoto() : await startElasticMq();
        const proxy = await countingProxy(server.endpoint);
        try {
            for (const messages of MESSAGES(name)) {
                for (const c of CONSUMERS(name)) {
                    if (VIA.includes("direct")) await run(name, server.endpoint, "direct", c, messages);
                    if (VIA.includes("proxy")) await run(name, proxy.endpoint, "proxy", c, messages);
                }
            }
        } finally {
            await proxy.stop();
            await server.stop();
        }
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
