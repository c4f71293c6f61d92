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
    /** Destroys every connection it holds and stops listening. */
    close(): void;
}

export async function startSilentServer(): Promise<SilentServer> {
    const held = new Set<net.Socket>();
    let accepted = 0;
    const server = net.createServer((socket) => {
        accepted++;
        held.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => held.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    return {
        port,
        endpoint: `http://127.0.0.1:${port}`,
        accepted: () => accepted,
        close: () => {
            for (const s of held) s.destroy();
            server.close();
        },
    };
}
