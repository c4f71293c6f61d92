import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { AppProcess, claimedItemDirs, filesUnder, pdf, removeTempDataDirs, runApp, startApp, tempDataDir, upload } from "./helpers";

/** Sends a hand-written multipart body, for what fetch/FormData cannot express (raw names, chunked bodies). */
function rawPost(url: string, body: Buffer | Buffer[], headers: Record<string, string>): Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
        const req = http.request(`${url}/uploads`, { method: "POST", headers }, (res) => {
            let text = "";
            res.on("data", (d) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers: res.headers }));
        });
        req.on("error", reject);
        for (const chunk of Array.isArray(body) ? body : [body]) req.write(chunk);
        req.end();
    });
}
function multipart(filename: string, data: Buffer, field = "file"): { body: Buffer; type: string } {
    const boundary = "----spec" + Math.random().toString(16).slice(2);
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n`);
    return { body: Buffer.concat([head, data, Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

describe("app: bad input is refused with a clear error and leaves nothing behind", function () {
    this.timeout(60_000);
    let app: AppProcess;
    let dataDir: string;
    const MAX = 256 * 1024;

    before(async () => {
        dataDir = tempDataDir();
        // S3 is not needed to refuse input; an unreachable endpoint keeps anything accepted on EFS.
        app = await startApp({ DATA_DIR: dataDir, BUCKET: "unused-bucket", S3_ENDPOINT: "http://127.0.0.1:9", MAX_UPLOAD_BYTES: String(MAX) });
    });
    after(async () => {
        await app?.stop("SIGKILL");
        removeTempDataDirs();
    });

    /** Uploads a spec accepted: they wait for S3 (unreachable here) while the archiver works on them, and stay. */
    const accepted = new Set<string>();
    /** What refused requests left behind: anything under uploads/ but heartbeats and the accepted items. */
    function leftovers(): string[] {
        return filesUnder(path.join(dataDir, "uploads")).filter((f) => !f.startsWith("tasks/") && !f.split("/").some((part) => accepted.has(part)));
    }

    it("refuses a file above MAX_UPLOAD_BYTES with 413 (declared length)", async () => {
        const r = await upload(app.url, "big.pdf", pdf(MAX + 1));
        assert.equal(r.status, 413);
        assert.match(r.body.error, /MAX_UPLOAD_BYTES=262144/);
        assert.deepEqual(leftovers(), []);
    });

    it("accepts a file of exactly MAX_UPLOAD_BYTES (the limit is inclusive) and refuses one byte more with 413", async () => {
        const exact = await upload(app.url, "exact.pdf", pdf(MAX));
        assert.equal(exact.status, 202, JSON.stringify(exact.body));
        assert.equal(exact.body.size, MAX);
        const over = await upload(app.url, "over.pdf", pdf(MAX + 1));
        assert.equal(over.status, 413, JSON.stringify(over.body));
        assert.equal(over.body.field, "file");
        // The accepted one stays, waiting for S3 (unreachable here); removing it under the live archiver would race it.
        accepted.add(exact.body.id);
        assert.deepEqual(leftovers(), []);
    });

    it("refuses a file above MAX_UPLOAD_BYTES with 413 when it is streamed without a length", async () => {
        const { body, type } = multipart("big.pdf", pdf(MAX + 100_000));
        const chunks: Buffer[] = [];
        for (let o = 0; o < body.length; o += 16384) chunks.push(body.subarray(o, o + 16384));
        const r = await rawPost(app.url, chunks, { "content-type": type, "transfer-encoding": "chunked" });
        assert.equal(r.status, 413);
        assert.equal(r.body.field, "file");
        assert.deepEqual(leftovers(), []);
    });

    for (const name of ["../../etc/passwd.pdf", "a/b.pdf", "..\\\\evil.pdf", "..", "tab\\tname.pdf", " lead.pdf"]) {
        it(`refuses the unsafe file name ${JSON.stringify(name)} with 400 naming the filename`, async () => {
            const { body, type } = multipart(name.replace(/\\t/g, "\t"), pdf(2000));
            const r = await rawPost(app.url, body, { "content-type": type, "content-length": String(body.length) });
            assert.equal(r.status, 400, JSON.stringify(r.body));
            assert.equal(r.body.field, "filename");
            assert.deepEqual(leftovers(), []);
        });
    }

    it("refuses content whose sniffed type is not allowed with 415, whatever the client claims", async () => {
        const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(8000, 1)]);
        const r = await upload(app.url, "harmless.pdf", elf, "file", "application/pdf");
        assert.equal(r.status, 415);
        assert.match(r.body.error, /application\/x-elf/);
        const text = await upload(app.url, "notes.pdf", Buffer.from("just text, not a pdf\n".repeat(400)), "file", "application/pdf");
        assert.equal(text.status, 415);
        assert.deepEqual(leftovers(), []);
    });

    it("refuses a form without the field \"file\" with 400", async () => {
        const form = new FormData();
        form.append("comment", "no file here");
        const r = await fetch(`${app.url}/uploads`, { method: "POST", body: form });
        assert.equal(r.status, 400);
        const body: any = await r.json();
        assert.equal(body.field, "file");
        const wrongField = await upload(app.url, "a.pdf", pdf(2000), "attachment");
        assert.equal(wrongField.status, 400);
        assert.deepEqual(leftovers(), []);
    });

    it("refuses a body that is not multipart/form-data with 415", async () => {
        const r = await fetch(`${app.url}/uploads`, { method: "POST", body: pdf(1000), headers: { "content-type": "application/pdf" } });
        assert.equal(r.status, 415);
        assert.deepEqual(leftovers(), []);
    });

    it("answers 503 with Retry-After once the EFS backlog passes BACKLOG_MAX_BYTES", async () => {
        const dir = tempDataDir();
        const small = await startApp({ DATA_DIR: dir, BUCKET: "unused-bucket", S3_ENDPOINT: "http://127.0.0.1:9", BACKLOG_MAX_BYTES: "20000" });
        try {
            const statuses: number[] = [];
            let retryAfter: string | null = null;
            for (let i = 0; i < 8; i++) {
                const r = await upload(small.url, `b-${i}.pdf`, pdf(6000));
                statuses.push(r.status);
                // No pause between uploads: the task counts what it accepted at once (app/src/store/backlog.ts), so the
                // next request already sees it.
                if (r.status === 503) retryAfter = r.headers.get("retry-after");
            }
            assert.ok(statuses.slice(0, 3).every((s) => s === 202), statuses.join(","));
            assert.ok(statuses.includes(503), statuses.join(","));
            assert.ok(Number(retryAfter) > 0);
            const kept = fs.readdirSync(path.join(dir, "uploads", "incoming")).length + claimedItemDirs(dir).length;
            assert.equal(kept, statuses.filter((s) => s === 202).length, "every accepted upload is on EFS, no refused one is");
        } finally {
            await small.stop("SIGKILL");
        }
    });
});

describe("app: environment is validated at start", function () {
    this.timeout(30_000);
    after(() => removeTempDataDirs());
    const good = () => ({ DATA_DIR: tempDataDir(), BUCKET: "a-bucket", AWS_REGION: "eu-west-1" });

    for (const [name, env, expect] of [
        ["BUCKET missing", { BUCKET: "" }, /BUCKET: is not set/],
        ["AWS_REGION missing", { AWS_REGION: "" }, /AWS_REGION: is not set/],
        ["PORT invalid", { PORT: "http" }, /PORT: is "http"/],
        ["MAX_UPLOAD_BYTES invalid", { MAX_UPLOAD_BYTES: "-5" }, /MAX_UPLOAD_BYTES: is "-5"/],
        ["S3_ENDPOINT invalid", { S3_ENDPOINT: "ftp://x" }, /S3_ENDPOINT: is "ftp:\/\/x"/],
        ["BUCKET invalid", { BUCKET: "Bad_Bucket" }, /BUCKET: is "Bad_Bucket"/],
        ["DATA_DIR not writable", { DATA_DIR: "/proc/definitely-not-here" }, /DATA_DIR/],
    ] as const) {
        it(`stops with exit 2 and a message naming the variable when ${name}`, async () => {
            const r = await runApp(["serve"], { ...good(), ...env, AWS_REGION: (env as Record<string, string>).AWS_REGION ?? "eu-west-1" }, 20_000);
            assert.equal(r.code, 2);
            assert.match(r.stderr, expect);
        });
    }

    it("reports every invalid variable at once", async () => {
        const r = await runApp(["archive", "--once"], { ...good(), BUCKET: "", PORT: "0", ARCHIVE_CONCURRENCY: "999" }, 20_000);
        assert.equal(r.code, 2);
        for (const v of ["BUCKET", "PORT", "ARCHIVE_CONCURRENCY"]) assert.match(r.stderr, new RegExp(`${v}: `));
    });

    it("refuses an unknown command with usage and exit 2", async () => {
        const r = await runApp(["archive"], good(), 20_000);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /usage: .*archive --once/);
    });
});
