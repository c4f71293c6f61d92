import { IncomingMessage, ServerResponse } from "http";

/**
 * How long a connection the app closes with a body still arriving keeps reading (and dropping) that body after the
 * answer is out. nginx's `lingering_timeout` is 5 s for the same purpose.
 * https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_timeout
 */
export const LINGER_MS = 5000;

/**
 * Closes the connection after `res` in stages, as RFC 9112 §9.6 ("Tear-down") asks of a server that closes while the
 * client may still be sending: https://www.rfc-editor.org/rfc/rfc9112#section-9.6
 *
 * Node's server ends a `Connection: close` socket once the answer is written and destroys it as soon as its FIN is
 * out (`net.Socket#destroySoon`). With the client's body still arriving, the kernel then answers that data with a
 * reset, and a client that is still writing (undici's fetch, curl with a large body) fails with EPIPE or ECONNRESET
 * before it reads the answer, so a refusal (the 503 of a full backlog) reaches it as a broken connection. Here the
 * write side still closes at once (the client sees the answer and the end of the connection), but the read side
 * keeps reading and dropping what arrives until the client has sent its whole body, closes its side, or
 * {@link LINGER_MS} pass; only then is the socket destroyed.
 *
 * Call before `res.end()`. If Node ever stops closing that way (the listener is not there to remove), the socket is
 * destroyed as before: the answer is still out, only the reset risk returns.
 */
export function lingeringClose(req: IncomingMessage, res: ServerResponse, lingerMs = LINGER_MS): void {
    const socket = req.socket;
    res.once("finish", () => {
        // Node's own 'finish' handler (resOnFinish, registered before the request was emitted) has just run and
        // called destroySoon(): the write side is ending and `destroy` waits for the socket's own 'finish'.
        if (socket.destroyed) return;
        socket.removeListener("finish", socket.destroy);
        const done = () => {
            clearTimeout(timer);
            // Destroyed only once the answer has left Node's buffer for the kernel, which sends it before its FIN.
            if (socket.writableFinished) socket.destroy();
            else socket.once("finish", () => socket.destroy());
        };
        const timer = setTimeout(done, lingerMs);
        timer.unref();
        socket.once("end", done);
        socket.once("close", () => clearTimeout(timer));
        if (req.complete) {
            // Nothing more is owed by the client: close once the answer is out, as Node would have.
            done();
            return;
        }
        req.once("end", done);
        // Dropped, not kept: nobody reads this body.
        req.on("data", () => undefined);
        req.resume();
    });
}
