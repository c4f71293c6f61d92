import * as http from "http";
import { AddressInfo } from "net";

/**
 * A loopback proxy in front of moto that plays an S3 whose clock runs `skewMs` ahead of this machine's: every answer
 * carries the skewed Date, and a request signed more than 15 minutes away from that time is refused the way S3
 * refuses it (403 RequestTimeTooSkewed, with ServerTime). Moto itself checks no signing time, and libfaketime would
 * skew the app's clock through LD_PRELOAD, which Node's own timers read too; a proxy skews S3 alone, exactly.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html ("RequestTimeTooSkewed … The difference between
 * the request time and the server's time is too large.")
 */
export interface SkewedS3 {
    readonly endpoint: string;
    /** Requests refused for their signing time, by method and path. */
    readonly refused: string[];
    /** Requests let through, by method and path. */
    readonly passed: string[];
    stop(): Promise<void>;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

/** `20261202T133500Z` (SigV4's X-Amz-Date) as ms since the epoch. */
function amzDate(value: string | undefined): number | undefined {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? "");
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

export async function startSkewedS3(target: string, skewMs: number): Promise<SkewedS3> {
    const upstream = new URL(target);
    const refused: string[] = [];
    const passed: string[] = [];
    const server = http.createServer((req, res) => {
        const serverNow = Date.now() + skewMs;
        const url = new URL(req.url ?? "/", "http://proxy");
        const signedAt = amzDate(String(req.headers["x-amz-date"] ?? url.searchParams.get("X-Amz-Date") ?? ""));
        const what = `${req.method} ${url.pathname}${url.searchParams.has("X-Amz-Signature") ? " (presigned)" : ""}`;
        if (signedAt === undefined || Math.abs(signedAt - serverNow) > MAX_SKEW_MS) {
            refused.push(what);
            req.resume();
            req.on("end", () => {
                const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>${signedAt === undefined ? "" : new Date(signedAt).toISOString()}</RequestTime><ServerTime>${new Date(serverNow).toISOString()}</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds></Error>`;
                res.writeHead(403, { "content-type": "application/xml", date: new Date(serverNow).toUTCString(), "content-length": Buffer.byteLength(body) });
                res.end(body);
            });
            return;
        }
        passed.push(what);
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, { ...answer.headers, date: new Date(Date.now() + skewMs).toUTCString() });
            answer.pipe(res);
        });
        forward.on("error", () => res.destroy());
        req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        refused,
        passed,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
