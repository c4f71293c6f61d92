import { S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { ForbiddenError } from "../../app/src/s3/objectPresence";
import { confirmArchived, IntegrityError, ObjectToArchive } from "../../app/src/s3/s3";
import { createVersionedBucket } from "../support/s3server";
import { motoSuite, pdf, runApp, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * An item whose original is gone from EFS is confirmed in S3 again. Without s3:ListBucket on the whole bucket, S3
 * answers HeadObject on a missing key with 403, not 404
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): such an item must be quarantined as
 * missing, never retried forever.
 */

/** An error the way the SDK surfaces a HEAD answered 403: no body, so no code, only the status. */
function forbidden(): S3ServiceException {
    return new S3ServiceException({ name: "Forbidden", $fault: "client", $metadata: { httpStatusCode: 403 }, message: "UnknownError" });
}

/** A client that answers each command by name; anything unexpected fails the spec. */
function fakeClient(answers: Record<string, (input: any) => unknown>): S3Client {
    return {
        send: async (command: { constructor: { name: string }; input: unknown }) => {
            const answer = answers[command.constructor.name];
            if (!answer) throw new Error(`unexpected ${command.constructor.name}`);
            return answer(command.input);
        },
    } as unknown as S3Client;
}

const KEY = "uploads/0b9f7a3e-5a4f-4d7e-9f00-2d3c1a0b9e11/lost.pdf";
const OBJ: ObjectToArchive = { key: KEY, file: "/nonexistent", size: 6000, sha256Hex: "ab".repeat(32), contentType: "application/pdf", metadata: {} };
const target = (client: S3Client) => ({ client, signedPut: undefined as never, bucket: "b", partSize: 8 * 1024 * 1024 });

describe("app: telling a missing object from a forbidden one (unit, injected client)", () => {
    it("HeadObject 403 and no such key in the listing: the object is missing, an IntegrityError (quarantine)", async () => {
        const listed: any[] = [];
        const client = fakeClient({
            HeadObjectCommand: () => Promise.reject(forbidden()),
            ListObjectsV2Command: (input) => (listed.push(input), { Contents: [{ Key: `${KEY}.bak` }] }),
        });
        await assert.rejects(confirmArchived(target(client), OBJ), (e: Error) => e instanceof IntegrityError && /does not exist \(HeadObject answered 403/.test(e.message));
        assert.deepEqual(listed, [{ Bucket: "b", Prefix: KEY, MaxKeys: 1 }], "the listing asks for exactly that key, as a prefix the task role may list");
    });

    it("HeadObject 403 although the key is listed: a ForbiddenError (bounded retries), not a missing object", async () => {
        const client = fakeClient({ HeadObjectCommand: () => Promise.reject(forbidden()), ListObjectsV2Command: () => ({ Contents: [{ Key: KEY }] }) });
        await assert.rejects(confirmArchived(target(client), OBJ), (e: Error) => e instanceof ForbiddenError && /needs s3:GetObject/.test(e.message));
    });

    it("HeadObject 403 and the listing refused too: a ForbiddenError, never taken for missing", async () => {
        const client = fakeClient({ HeadObjectCommand: () => Promise.reject(forbidden()), ListObjectsV2Command: () => Promise.reject(forbidden()) });
        await assert.rejects(confirmArchived(target(client), OBJ), (e: Error) => e instanceof ForbiddenError && /s3:ListBucket/.test(e.message));
    });

    it("a network error on HeadObject is passed on as it is (retried; the item is kept)", async () => {
        const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        const client = fakeClient({ HeadObjectCommand: () => Promise.reject(reset) });
        await assert.rejects(confirmArchived(target(client), OBJ), (e: Error) => e === reset);
    });
});

/**
 * In front of moto: answers HeadObject with 403 where moto says 404 (what S3 does for a role without unconditional
 * s3:ListBucket), and optionally refuses listings too (a role without any s3:ListBucket).
 */
async function forbiddingProxy(upstream: string, refuseListing: boolean): Promise<{ endpoint: string; close(): void }> {
    const up = new URL(upstream);
    const server = http.createServer((req, res) => {
        const listing = req.method === "GET" && /[?&]list-type=2/.test(req.url ?? "");
        if (listing && refuseListing) {
            req.resume();
            res.writeHead(403, { "content-type": "application/xml" });
            res.end("<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>");
            return;
        }
        const fwd = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
            const status = req.method === "HEAD" && r.statusCode === 404 ? 403 : r.statusCode!;
            res.writeHead(status, r.headers);
            r.pipe(res);
        });
        fwd.on("error", () => res.destroy());
        req.pipe(fwd);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

describe("app: an item whose original is gone and whose object S3 lacks is quarantined, behind a 403-answering S3", function () {
    this.timeout(180_000);
    const suite = motoSuite();
    const { apps } = suite;

    /** An acknowledged upload on EFS whose original was removed (as by a cleanup cut short) and which S3 never got. */
    async function lostItem(dataDir: string, bucket: string): Promise<string> {
        const offline = await startApp({ DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: "http://127.0.0.1:9", TASK_ID: "ingest" });
        const r = await upload(offline.url, "lost.pdf", pdf(6000));
        assert.equal(r.status, 202);
        await offline.stop();
        fs.unlinkSync(path.join(dataDir, "uploads", "incoming", r.body.id, "original"));
        return r.body.id;
    }

    it("archive --once: HeadObject answers 403, the exact-key listing shows no object: quarantined as missing", async () => {
        const bucket = "confirm-403";
        createVersionedBucket(suite.s3.endpoint, bucket);
        const proxy = await forbiddingProxy(suite.s3.endpoint, false);
        try {
            const dataDir = tempDataDir();
            const id = await lostItem(dataDir, bucket);
            const once = await runApp(["archive", "--once"], { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: proxy.endpoint, TASK_ID: "cron" }, 60_000);
            assert.equal(once.code, 1, "the quarantined item is reported");
            const reason = JSON.parse(fs.readFileSync(path.join(dataDir, "uploads", "quarantine", id, "reason.json"), "utf8"));
            assert.match(reason.reason, /does not exist \(HeadObject answered 403; a listing of the key shows no object\)/);
            assert.ok(!once.lines.some((l) => l.msg === "archive failed, will retry; the file stays on EFS" && l.uploadId === id), "it was never retried");
        } finally {
            proxy.close();
        }
    });

    it("serve: S3 refuses both HeadObject and the listing: retried a bounded number of times, then quarantined with the reason", async () => {
        const bucket = "confirm-403-nolist";
        createVersionedBucket(suite.s3.endpoint, bucket);
        const proxy = await forbiddingProxy(suite.s3.endpoint, true);
        try {
            const dataDir = tempDataDir();
            const id = await lostItem(dataDir, bucket);
            const app = await startApp({ DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: proxy.endpoint, TASK_ID: "server" });
            apps.push(app);
            const reasonFile = path.join(dataDir, "uploads", "quarantine", id, "reason.json");
            await waitFor("the item to be quarantined", () => fs.existsSync(reasonFile), 90_000, 250);
            const reason = JSON.parse(fs.readFileSync(reasonFile, "utf8"));
            assert.match(reason.reason, /refused both HeadObject and a listing .* \(refused 5 times\)/);
            const retries = app.lines().filter((l) => l.msg === "archive failed, will retry; the file stays on EFS" && l.uploadId === id);
            assert.equal(retries.length, 4, "four retries, then the fifth refusal quarantines it");
        } finally {
            proxy.close();
        }
    });
});
