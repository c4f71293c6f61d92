import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { AppProcess, filesUnder, pdf, removeTempDataDirs, startApp, tempDataDir, waitFor } from "./helpers";

/**
 * Hostile and broken clients, played on raw TCP sockets. After each: the process is alive, nothing is left in
 * DATA_DIR/uploads/tmp, every file handle and socket it opened for the request is closed again (counted in
 * /proc/<pid>/fd), and the answer, when there is one, is the documented status.
 */

const MAX = 64 * 1024;
/** The body watchdog's window and minimum rate for this app: a drip of ~10 B/s is far below, a 10 KiB/s link far above. */
const WINDOW_SECONDS = 2;
const MIN_RATE = 256;

function multipartParts(boundary: string, files: { field: string; name: string; data: Buffer }[]): Buffer {
    const parts = files.map((f) =>
        Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: application/pdf\r\n\r\n`), f.data, Buffer.from("\r\n")]),
    );
    return Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]);
}

function head(boundary: string, contentLength?: number, extra = ""): Buffer {
    const length = contentLength === undefined ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${contentLength}\r\n`;
    return Buffer.from(`POST /uploads HTTP/1.1\r\nHost: spec\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n${length}${extra}\r\n`);
}

interface Raw {
    readonly socket: net.Socket;
    /** Resolves when the connection is closed (by either side), with what the server answered. */
    readonly closed: Promise<{ status?: number; body: any }>;
}

/**
 * Bytes of a loopback connection still in a kernel queue: the client's send queue plus the server's receive queue
 * (/proc/net/tcp's tx_queue and rx_queue, hexadecimal), so 0 once the server process has read all that was sent.
 */
function unreadBytes(serverPort: number, clientPort: number): number {
    const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, "0");
    let total = 0;
    let seen = 0;
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
        for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
            const f = line.trim().split(/\s+/);
            if (f.length < 5) continue;
            const local = f[1].split(":")[1];
            const remote = f[2].split(":")[1];
            const [tx, rx] = f[4].split(":").map((h) => parseInt(h, 16));
            if (local === hexPort(clientPort) && remote === hexPort(serverPort)) (total += tx), seen++;
            if (local === hexPort(serverPort) && remote === hexPort(clientPort)) (total += rx), seen++;
        }
    }
    return seen === 2 ? total : NaN;
}

async function connect(url: string): Promise<Raw> {
    const port = Number(new URL(url).port);
    const socket = net.connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("error", reject);
    });
    let text = "";
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("error", () => undefined); // a reset after the server gave up on us is the expected end
    const closed = new Promise<{ status?: number; body: any }>((resolve) =>
        socket.once("close", () => {
            const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
            const split = text.indexOf("\r\n\r\n");
            let bodyText = text.slice(split + 4);
            if (/^transfer-encoding: chunked$/im.test(text.slice(0, split))) bodyText = dechunk(bodyText);
            let body: any = bodyText;
            try {
                body = JSON.parse(bodyText);
            } catch {
                // not JSON
            }
            resolve({ status: status === undefined ? undefined : Number(status), body });
        }),
    );
    return { socket, closed };
}

function dechunk(text: string): string {
    let out = "";
    for (let i = 0; ; ) {
        const eol = text.indexOf("\r\n", i);
        const size = parseInt(text.slice(i, eol), 16);
        if (!(size > 0)) return out;
        out += text.slice(eol + 2, eol + 2 + size);
        i = eol + 2 + size + 2;
    }
}

function write(socket: net.Socket, data: Buffer | string): Promise<void> {
    return new Promise((resolve, reject) => socket.write(data, (e) => (e ? reject(e) : resolve())));
}

describe("app: hostile clients cannot crash it, leak files or hold handles", function () {
    this.timeout(120_000);
    let app: AppProcess;
    let dataDir: string;
    let baseline: number;

    const tmpDir = () => path.join(dataDir, "uploads", "tmp");
    /**
     * The process's descriptors that a client can make it hold: every file, and the sockets of connections to its own
     * port. Its client connections to S3 and SQS (keep-alive pools, long polls) come and go on their own and are left
     * out: /proc/<pid>/net/tcp{,6} maps each socket's inode to its local port.
     */
    const fds = () => {
        const port = Number(new URL(app.url).port);
        const inbound = new Set<string>();
        for (const table of ["tcp", "tcp6"]) {
            let text = "";
            try {
                text = fs.readFileSync(`/proc/${app.child.pid}/net/${table}`, "utf8");
            } catch {
                continue;
            }
            for (const line of text.split("\n").slice(1)) {
                const cols = line.trim().split(/\s+/);
                if (cols.length < 10) continue;
                if (parseInt(cols[1].split(":")[1], 16) === port) inbound.add(cols[9]);
            }
        }
        return fs.readdirSync(`/proc/${app.child.pid}/fd`).filter((fd) => {
            let target = "";
            try {
                target = fs.readlinkSync(`/proc/${app.child.pid}/fd/${fd}`);
            } catch {
                return false;
            }
            const socket = /^socket:\[(\d+)\]$/.exec(target);
            return socket === null || inbound.has(socket[1]);
        });
    };
    /** What each descriptor is open on; one closed between the listing and the look is skipped. */
    const targets = () =>
        fds().map((fd) => {
            try {
                return fs.readlinkSync(`/proc/${app.child.pid}/fd/${fd}`);
            } catch {
                return "";
            }
        });
    const uploadFds = () => targets().filter((t) => t.startsWith(path.join(dataDir, "uploads")));
    /** The upload's file in uploads/tmp/<id>/, written under its final name until the directory is published. */
    const partFile = () => filesUnder(tmpDir()).find((f) => f.endsWith("/original"));

    before(async () => {
        dataDir = tempDataDir();
        // S3 plays no part in ingest: an unreachable endpoint keeps accepted uploads on EFS.
        app = await startApp({
            DATA_DIR: dataDir,
            BUCKET: "unused-bucket",
            S3_ENDPOINT: "http://127.0.0.1:9",
            MAX_UPLOAD_BYTES: String(MAX),
            UPLOAD_IDLE_TIMEOUT_SECONDS: String(WINDOW_SECONDS),
            UPLOAD_MIN_BYTES_PER_SECOND: String(MIN_RATE),
        });
    });
    after(async () => {
        await app?.stop("SIGKILL");
        removeTempDataDirs();
    });

    beforeEach(async () => {
        await waitFor("no upload file open", () => uploadFds().length === 0);
        baseline = fds().length;
    });

    /** The checks after every hostile request: alive, nothing left in uploads/tmp, no handle left open. */
    async function assertClean(): Promise<void> {
        assert.equal(app.child.exitCode, null, `the process is alive (${app.child.signalCode ?? ""})`);
        const health = await fetch(`${app.url}/healthz`, { headers: { connection: "close" } });
        assert.equal(health.status, 200, "and still answers");
        await health.arrayBuffer();
        await waitFor("uploads/tmp to be empty", () => filesUnder(tmpDir()).length === 0 && fs.readdirSync(tmpDir()).length === 0, 30_000);
        await waitFor("every upload file handle closed", () => uploadFds().length === 0, 30_000);
        await waitFor(`the open file descriptors to return to ${baseline}`, () => fds().length <= baseline, 30_000);
    }

    it("a client that disconnects in the middle of its headers", async () => {
        const raw = await connect(app.url);
        await write(raw.socket, "POST /uploads HTTP/1.1\r\nHost: spec\r\nContent-Type: multipart/form-da");
        raw.socket.destroy();
        await raw.closed;
        await assertClean();
    });

    it("a client that disconnects mid-body: uploads/tmp/<id>/ is removed and its file handle closed", async () => {
        const body = multipartParts("b1", [{ field: "file", name: "a.pdf", data: pdf(48 * 1024) }]);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b1", body.length), body.subarray(0, 20 * 1024)]));
        await waitFor("the upload to be written to uploads/tmp", () => partFile() !== undefined && uploadFds().length > 0, 30_000, 20);
        raw.socket.destroy();
        await raw.closed;
        await assertClean();
    });

    it("a client that disconnects right before the closing boundary", async () => {
        const data = pdf(40 * 1024);
        const body = multipartParts("b2", [{ field: "file", name: "a.pdf", data }]);
        const closing = Buffer.byteLength("\r\n--b2--\r\n");
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b2", body.length), body.subarray(0, body.length - closing)]));
        // Ingest keeps up to 1 MiB of an upload in memory before it writes (ingest.ts WRITE_BLOCK_BYTES), so the bytes
        // are not on EFS yet: the app has read them once neither socket holds any of them.
        await waitFor("the app to have read every byte sent", () => partFile() !== undefined && uploadFds().length > 0 && unreadBytes(Number(new URL(app.url).port), raw.socket.localPort!) === 0, 30_000, 20);
        raw.socket.destroy();
        await raw.closed;
        await assertClean();
    });

    it("a complete request whose body lacks its closing boundary (1.3 KB) gets 400, and the process lives", async () => {
        const body = multipartParts("b3", [{ field: "file", name: "a.pdf", data: pdf(1200) }]);
        const truncated = body.subarray(0, body.length - Buffer.byteLength("\r\n--b3--\r\n"));
        assert.ok(truncated.length > 1200 && truncated.length < 1400);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b3", truncated.length), truncated]));
        const r = await raw.closed;
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.field, "form", JSON.stringify(r.body));
        assert.match(r.body.error, /malformed multipart body/);
        await assertClean();
    });

    it("a body shorter than its Content-Length, after which the client stops sending (half-close)", async () => {
        const body = multipartParts("b4", [{ field: "file", name: "a.pdf", data: pdf(30 * 1024) }]);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b4", body.length + 5000), body]));
        raw.socket.end();
        await raw.closed;
        await assertClean();
    });

    it("a body that drips one byte at a time is cut off with 408 once a window passes below the minimum rate", async () => {
        const body = multipartParts("b5", [{ field: "file", name: "a.pdf", data: pdf(8 * 1024) }]);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b5", body.length), body.subarray(0, 300)]));
        let dripped = 300;
        let open = true;
        void raw.closed.then(() => (open = false));
        // Drips until the server ends the connection: the spec waits for that, never for a duration.
        while (open && dripped < body.length) {
            await write(raw.socket, body.subarray(dripped, dripped + 1)).catch(() => (open = false));
            dripped++;
            await new Promise((r) => setTimeout(r, 100));
        }
        const r = await raw.closed;
        assert.ok(dripped < body.length, "the server ended the drip before the body was complete");
        assert.equal(r.status, 408, JSON.stringify(r.body));
        assert.equal(r.body.field, "body", JSON.stringify(r.body));
        assert.match(r.body.error, /UPLOAD_MIN_BYTES_PER_SECOND/);
        await assertClean();
    });

    it("a slow but live upload that takes several watchdog windows still finishes with 202", async () => {
        const data = pdf(48 * 1024);
        const body = multipartParts("b6", [{ field: "file", name: "slow.pdf", data }]);
        const raw = await connect(app.url);
        await write(raw.socket, head("b6", body.length));
        // 1 KiB every 100 ms: about 10 KiB/s, forty times the minimum rate, over more than two windows in all.
        const started = Date.now();
        for (let o = 0; o < body.length; o += 1024) {
            await write(raw.socket, body.subarray(o, o + 1024));
            await new Promise((r) => setTimeout(r, 100));
        }
        const r = await raw.closed;
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.equal(r.body.size, data.length);
        assert.ok(Date.now() - started > 2 * WINDOW_SECONDS * 1000, "the upload outlasted two windows, so a total-duration limit would have cut it");
        await assertClean();
    });

    it("an oversize file sent without a length gets 413", async () => {
        const body = multipartParts("b7", [{ field: "file", name: "big.pdf", data: pdf(MAX + 1) }]);
        const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from("\r\n0\r\n\r\n")]);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b7"), chunked]));
        const r = await raw.closed;
        assert.equal(r.status, 413, JSON.stringify(r.body));
        assert.equal(r.body.field, "file");
        await assertClean();
    });

    it("two files in one form get 400 and neither is kept", async () => {
        const body = multipartParts("b8", [
            { field: "file", name: "one.pdf", data: pdf(5000) },
            { field: "file", name: "two.pdf", data: pdf(5000) },
        ]);
        // Uploads accepted by earlier cases stay in incoming/ (S3 is away and, with the work queue, items are archived
        // in place): what counts is that this form adds none.
        const before = new Set(fs.readdirSync(path.join(dataDir, "uploads", "incoming")));
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b8", body.length), body]));
        const r = await raw.closed;
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.field, "file");
        assert.deepEqual(fs.readdirSync(path.join(dataDir, "uploads", "incoming")).filter((e) => !before.has(e)), [], "neither file was published");
        await assertClean();
    });

    it("a form with no file gets 400 naming the field", async () => {
        const body = Buffer.from(`--b9\r\nContent-Disposition: form-data; name="comment"\r\n\r\nno file\r\n--b9--\r\n`);
        const raw = await connect(app.url);
        await write(raw.socket, Buffer.concat([head("b9", body.length), body]));
        const r = await raw.closed;
        assert.equal(r.status, 400, JSON.stringify(r.body));
        assert.equal(r.body.field, "file");
        await assertClean();
    });
});
