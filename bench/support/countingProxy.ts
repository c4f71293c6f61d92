/**
 * An HTTP proxy in front of an SQS server that counts requests by action (the JSON protocol's X-Amz-Target), for
 * the benchmarks' "SQS calls per file". It adds one loopback hop per call (bench/queueserver.bench.ts measures it).
 */
import * as http from "http";
import { freePort } from "../../test/support/s3server";

export interface CountingProxy {
    readonly endpoint: string;
    readonly counts: Map<string, number>;
    stop(): Promise<void>;
}

export async function countingProxy(target: string): Promise<CountingProxy> {
    const counts = new Map<string, number>();
    const upstream = new URL(target);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    const server = http.createServer((req, res) => {
        const action = String(req.headers["x-amz-target"] ?? "").replace(/^AmazonSQS\./, "") || "other";
        counts.set(action, (counts.get(action) ?? 0) + 1);
        const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
        });
        out.on("error", () => res.destroy());
        req.pipe(out);
    });
    server.keepAliveTimeout = 60_000;
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
    return {
        endpoint: `http://127.0.0.1:${port}`,
        counts,
        stop: () =>
            new Promise((r) => {
                server.closeAllConnections();
                agent.destroy();
                server.close(() => r());
            }),
    };
}
