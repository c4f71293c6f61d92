import { IncomingMessage } from "http";

/**
 * Cuts off a request body that arrives too slowly, without ever limiting how long a body may take: in every window
 * of `windowMs` spent waiting for the client, at least `minBytesPerSecond × window` bytes (and at least one) must
 * arrive. A large upload on a slow but live link therefore finishes however long it takes, while a client that
 * stops sending, or drips a byte at a time, is ended after about one window.
 *
 * Only time spent waiting for the client counts: while the app itself holds the body back (EFS slow to take the
 * bytes: the request is paused or has unread data), the clock stands still.
 */
export function watchBody(req: IncomingMessage, windowMs: number, minBytesPerSecond: number, onSlow: (bytesInWindow: number) => void): void {
    const need = Math.max(1, Math.ceil((minBytesPerSecond * windowMs) / 1000));
    const step = Math.max(50, Math.min(1000, Math.floor(windowMs / 10)));
    const socket = req.socket;
    let windowStart = socket.bytesRead;
    let waitedMs = 0;
    let last = Date.now();
    const timer = setInterval(() => {
        const now = Date.now();
        const elapsed = now - last;
        last = now;
        if (req.complete || req.destroyed || socket.destroyed) {
            stop();
            return;
        }
        const waitingForClient = req.readableFlowing === true && req.readableLength === 0 && !socket.isPaused();
        if (!waitingForClient) {
            // The app is the slow side: restart the window once it reads again.
            waitedMs = 0;
            windowStart = socket.bytesRead;
            return;
        }
        waitedMs += elapsed;
        if (waitedMs < windowMs) return;
        const received = socket.bytesRead - windowStart;
        if (received < need) {
            stop();
            onSlow(received);
            return;
        }
        waitedMs = 0;
        windowStart = socket.bytesRead;
    }, step);
    timer.unref();
    const stop = () => {
        clearInterval(timer);
        req.off("close", stop);
        req.off("end", stop);
    };
    req.on("close", stop);
    req.on("end", stop);
}
