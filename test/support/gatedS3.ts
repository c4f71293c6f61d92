import * as http from "http";
import { AddressInfo } from "net";

/**
 * A loopback proxy in front of moto that lets the first part of each multipart upload through and holds every later
 * UploadPart (PUT …?partNumber=N&uploadId=…, N ≥ 2) unanswered until `release()`: an archive that is certainly mid-way
 * through a large upload when the spec acts, whatever the machine's speed (a condition, never a duration). Every other
 * request (CreateMultipartUpload, AbortMultipartUpload, HeadObject, …) passes at once.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPart.html (PUT /Key+?partNumber=PartNumber&uploadId=UploadId)
 */
export interface GatedS3 {
    readonly endpoint: string;
    /** Parts S3 answered, as `<uploadId>#<partNumber>`. */
    readonly partsAnswered: string[];
    /** Parts held, as `<uploadId>#<partNumber>`. */
    readonly partsHeld: string[];
    /** AbortMultipartUpload requests that passed, by uploadId. */
    readonly aborts: string[];
    release(): void;
    stop(): Promise<void>;
}

export async function startGatedS3(target: string): Promise<GatedS3> {
    const upstream = new URL(target);
    const partsAnswered: string[] = [];
    const partsHeld: string[] = [];
    const aborts: string[] = [];
    let released = false;
    const waiting: (() => void)[] = [];
    const forward = (req: http.IncomingMessage, res: http.ServerResponse, onAnswered?: () => void) => {
        const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on("end", () => onAnswered?.());
        });
        out.on("error", () => res.destroy());
        req.pipe(out);
    };
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://proxy");
        const partNumber = Number(url.searchParams.get("partNumber") ?? 0);
        const uploadId = url.searchParams.get("uploadId");
        if (req.method === "DELETE" && uploadId !== null) aborts.push(uploadId);
        if (req.method !== "PUT" || uploadId === null || partNumber === 0) return forward(req, res);
        const part = `${uploadId}#${partNumber}`;
        if (partNumber === 1 || released) return forward(req, res, () => partsAnswered.push(part));
        // Held: the body is not read (the client's socket fills and it waits, as on a stalled link).
        req.pause();
        partsHeld.push(part);
        waiting.push(() => {
            req.resume();
            forward(req, res, () => partsAnswered.push(part));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        endpoint: `http://127.0.0.1:${port}`,
        partsAnswered,
        partsHeld,
        aborts,
        release: () => {
            released = true;
            for (const go of waiting.splice(0)) go();
        },
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
