import * as net from "net";

/**
 * An endpoint that accepts connections and never answers: what a black-holed route (an S3 that does not respond)
 * looks like to a client. Requests to it stay in flight until the client gives up or the app hands the work back.
 */
export interface SilentServer {
    readonly port: number;
    /** `http://127.0.0.1:<port>`. */
    readonly endpoint: string;
    /** How many connections it has accepted so far. */
    accepted(): number;
    /**
     * From now on, new connections are forwarded to `target` (an http://host:port endpoint): the route came back. The
     * connections accepted before stay silent, as a black hole's do (their packets were lost), until the client gives up.
     */
    forwardTo(target: string): void;
    /** Destroys every connection it holds and stops listening. */
    close(): void;
}

export async function startSilentServer(): Promise<SilentServer> {
    const held = new Set<net.Socket>();
    let accepted = 0;
    let forward: URL | undefined;
    const server = net.createServer((socket) => {
        accepted++;
        held.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => held.delete(socket));
        if (forward) {
            const upstream = net.connect(Number(forward.port), forward.hostname);
            held.add(upstream);
            upstream.on("error", () => socket.destroy());
            upstream.on("close", () => held.delete(upstream));
            socket.pipe(upstream).pipe(socket);
        }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return {
        port,
        endpoint: `http://127.0.0.1:${port}`,
        accepted: () => accepted,
        forwardTo: (target: string) => {
            forward = new URL(target);
        },
        close: () => {
            for (const s of held) s.destroy();
            server.close();
        },
    };
}
