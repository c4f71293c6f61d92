/**
 * Review of issue 23 (adversarial read): the ingest's BlockWriter holds two 1 MiB blocks per upload with no bound across uploads,
 * so a few hundred clients that each send ~2 MiB and then keep trickling above UPLOAD_MIN_BYTES_PER_SECOND pin
 * ~2.2 MiB of RSS each and push a task past its memory (TASK_MEMORY_BYTES, 512 MiB by default): an OOM kill of the
 * whole task, archive workers included. The version before held ~0.4 MiB per such upload (~260 MiB peak for 400).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as net from "net";
import { createVersionedBucket } from "../support/s3server";
import { motoSuite, pdf, sleep, startApp, tempDataDir } from "./helpers";

const rss = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

describe("app: ingest memory is bounded under many slow concurrent uploads (issue 23 review)", function () {
    this.timeout(120_000);
    const suite = motoSuite();
    it("400 uploads that each sent 2.2 MiB and keep trickling stay within the default task memory (512 MiB)", async () => {
        const bucket = `ingest-mem-${process.pid}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const app = await startApp({ DATA_DIR: tempDataDir(), BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, TASK_ID: "mem" });
        suite.apps.push(app);
        const pid = app.child.pid!;
        const port = Number(new URL(app.url).port);
        const head = Buffer.from(`--B\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`);
        const first = pdf(2 * 1024 * 1024 + 200_000);
        const socks: net.Socket[] = [];
        for (let i = 0; i < 400; i++) {
            const s = net.connect(port, "127.0.0.1");
            s.on("error", () => undefined);
            s.write(`POST /uploads HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n`);
            s.write(head);
            s.write(first);
            socks.push(s);
        }
        // 2 KiB/s each: above UPLOAD_MIN_BYTES_PER_SECOND's default of 1024, so the watchdog keeps them.
        const trickle = setInterval(() => socks.forEach((s) => s.write(Buffer.alloc(4096, 1))), 2000);
        let peak = 0;
        try {
            for (let t = 0; t < 20 && app.child.exitCode === null; t++) {
                await sleep(1000);
                peak = Math.max(peak, rss(pid));
            }
        } finally {
            clearInterval(trickle);
            socks.forEach((s) => s.destroy());
        }
        assert.ok(peak < 512 * 1024 * 1024, `peak RSS ${peak >> 20} MiB with 400 slow uploads`);
    });
});
