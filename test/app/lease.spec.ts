import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { aws, createVersionedBucket, S3Server, startMoto } from "../support/s3server";
import { AppProcess, filesUnder, pdf, removeTempDataDirs, runApp, sha256, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * A lease is a promise that can be broken: a task frozen past it (SIGSTOP here; a long GC, an EFS stall or CPU
 * starvation in production) loses the items it works on (their messages' visibility lapses, a peer receives them) and
 * its live log (its heartbeat's lease) to a peer. When it resumes it must notice, stop
 * writing to anything it no longer owns, rejoin under a new identity and archive again, and the takeover must never
 * have moved a file it still writes to.
 */
describe("app: a task frozen past its lease (two processes sharing DATA_DIR, moto on loopback)", function () {
    this.timeout(300_000);
    let s3: S3Server;
    const apps: AppProcess[] = [];

    before(async () => {
        s3 = await startMoto();
    });
    after(async () => {
        for (const a of apps) {
            if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill("SIGCONT");
            await a.stop("SIGKILL");
        }
        await s3?.stop();
        removeTempDataDirs();
    });

    async function serve(env: Record<string, string>): Promise<AppProcess> {
        const a = await startApp(env);
        apps.push(a);
        return a;
    }
    function versions(bucket: string, prefix: string): Map<string, number> {
        const out = aws(s3.endpoint, ["s3api", "list-object-versions", "--bucket", bucket, "--prefix", prefix]) ?? {};
        const keys = new Map<string, number>();
        for (const v of out.Versions ?? []) keys.set(v.Key, (keys.get(v.Key) ?? 0) + 1);
        return keys;
    }
    function download(bucket: string, prefix: string): Map<string, Buffer> {
        const dir = tempDataDir();
        aws(s3.endpoint, ["s3", "sync", `s3://${bucket}/${prefix}`, dir, "--only-show-errors"]);
        return new Map(filesUnder(dir).map((f) => [`${prefix}${f}`, fs.readFileSync(path.join(dir, f))]));
    }

    it("SIGSTOPped past its lease while holding messages and a live log, then SIGCONTed: it rejoins and archives again; no log quarantined, nothing lost or duplicated", async () => {
        const bucket = `lease-spec-${process.pid}`;
        createVersionedBucket(s3.endpoint, bucket);
        const dataDir = tempDataDir();
        const env = (extra: Record<string, string>) => ({
            DATA_DIR: dataDir,
            BUCKET: bucket,
            S3_ENDPOINT: s3.endpoint,
            CLAIM_LEASE_SECONDS: "2",
            // The message's visibility is the lease on an item now: a task frozen past it loses the item to a peer.
            QUEUE_VISIBILITY_SECONDS: "2",
            // Every receive counts towards the redrive policy, a lapse and a hand-back too: this spec freezes one task
            // and stops another on purpose, which can cost an item three receives. Poison items are queue.spec.ts's.
            MAX_RECEIVE_COUNT: "6",
            MULTIPART_PART_BYTES: String(5 * 1024 * 1024),
            MAX_UPLOAD_BYTES: String(64 * 1024 * 1024),
            ...extra,
        });
        const sent = new Map<string, string>();
        const send = async (url: string, i: number, data: Buffer) => {
            const r = await upload(url, `f-${i}.pdf`, data);
            assert.equal(r.status, 202, JSON.stringify(r.body));
            sent.set(`uploads/${r.body.id}/f-${i}.pdf`, sha256(data));
        };

        // Everything waits on EFS first (S3 unreachable while ingesting), so the frozen task has messages to hold.
        const ingest = await serve(env({ S3_ENDPOINT: "http://127.0.0.1:9", TASK_ID: "ingest" }));
        const files = [...Array.from({ length: 30 }, (_, i) => pdf(2048 + i * 100)), pdf(11 * 1024 * 1024), pdf(16 * 1024 * 1024)];
        for (const [i, f] of files.entries()) await send(ingest.url, i, f);
        await ingest.stop();

        const frozen = await serve(env({ TASK_ID: "frozen", ARCHIVE_CONCURRENCY: "4" }));
        const working = () => {
            const archived = new Set(frozen.lines().filter((l) => l.msg === "archived").map((l) => l.uploadId));
            return frozen.lines().filter((l) => l.msg === "processing started" && !archived.has(l.uploadId)).map((l) => l.uploadId as string);
        };
        await waitFor(
            "the task to have archived some files and be working on others (the two large ones take longest)",
            () => (frozen.lines().some((l) => l.msg === "archived") && working().length > 0 ? true : undefined),
            60_000,
            5,
        );
        frozen.child.kill("SIGSTOP");
        const heldWhenFrozen = working();
        assert.ok(heldWhenFrozen.length > 0, "frozen while holding messages");
        assert.ok(fs.existsSync(path.join(dataDir, "logs", "frozen", "current.jsonl")), "and with its live log open");

        const peer = await serve(env({ TASK_ID: "peer", ARCHIVE_CONCURRENCY: "4" }));
        await waitFor("the peer to take over the frozen task's log", () =>
            peer.lines().some((l) => l.msg === "took over claims of a task whose lease expired" && l.deadTask === "frozen"),
        90_000);
        // An item the frozen task had already put into S3 before the freeze (its "archived" line may not have been read
        // yet, or it was frozen before writing it) needs no peer: the peer deletes its message as an item already
        // archived or gone. Every other held item must be archived by the peer; the checks below hold the bucket to
        // exactly once either way.
        await waitFor("the peer to archive the items whose messages the frozen task held", () => {
            const archived = new Set(peer.lines().filter((l) => l.msg === "archived").map((l) => l.uploadId));
            const inS3 = [...versions(bucket, "uploads/").keys()];
            return heldWhenFrozen.every((id) => archived.has(id) || inS3.some((k) => k.startsWith(`uploads/${id}/`))) ? true : undefined;
        }, 90_000, 500);

        frozen.child.kill("SIGCONT");
        const rejoined = await waitFor("the resumed task to rejoin", () => frozen.lines().find((l) => l.msg === "rejoined"), 60_000);
        assert.equal(rejoined.oldTask, "frozen", JSON.stringify(frozen.lines().filter((l) => l.level !== "info" || /rejoin|lease/.test(l.msg)).slice(-30), null, 1));
        assert.equal(rejoined.task, "frozen.g2", "it carries on under a new identity, never the one taken over");
        assert.ok(frozen.lines().some((l) => l.msg?.startsWith("lease lost")), "it noticed that its lease was lost");

        // The peer leaves (handing back what it has not archived yet): the resumed task alone must archive the rest,
        // and what is sent to it from now on.
        await peer.stop();
        const rejoinedAt = frozen.lines().indexOf(rejoined);
        const before = new Set(sent.keys());
        for (let i = 0; i < 6; i++) await send(frozen.url, 100 + i, pdf(3000));
        const laterIds = [...sent.keys()].filter((k) => !before.has(k)).map((k) => k.split("/")[1]);
        // The only live task now: it must archive every one of them itself.
        await waitFor("the resumed task to archive the uploads sent to it", () => {
            const archived = new Set(frozen.lines().slice(rejoinedAt).filter((l) => l.msg === "archived").map((l) => l.uploadId));
            return laterIds.every((id) => archived.has(id));
        }, 120_000, 250);
        await waitFor("every acknowledged upload in S3", () => (versions(bucket, "uploads/").size >= sent.size ? true : undefined), 120_000, 1000);

        await frozen.stop();
        const once = await runApp(["archive", "--once"], env({ TASK_ID: "cron" }));
        assert.equal(once.code, 0, `nothing is left unarchived or quarantined: ${once.stderr}${JSON.stringify(once.lines.filter((l) => l.level !== "info"))}`);
        assert.deepEqual(filesUnder(path.join(dataDir, "uploads", "quarantine")), [], "no log (or upload) quarantined as bytes that differ");
        assert.deepEqual(filesUnder(dataDir), [], "nothing left on EFS");

        const keys = versions(bucket, "uploads/");
        assert.deepEqual([...keys.keys()].sort(), [...sent.keys()].sort(), "exactly the acknowledged uploads are in S3");
        assert.ok([...keys.values()].every((n) => n === 1), "each object has one version: nothing was written twice");
        const stored = download(bucket, "uploads/");
        for (const [key, hash] of sent) assert.equal(sha256(stored.get(key)!), hash, key);
        const written = [...frozen.lines(), ...peer.lines(), ...once.lines].filter((l) => l.msg === "archived" && l.uploadId && l.alreadyThere === false).map((l) => l.uploadId);
        assert.deepEqual(written.filter((id, i) => written.indexOf(id) !== i), [], "no upload written twice across the tasks");

        // The log the peer took over is whole, and holds nothing written after the frozen task resumed.
        const oldLogs = download(bucket, "logs/frozen/");
        assert.ok(oldLogs.size > 0, "the frozen identity's log was archived");
        const oldLines = [...oldLogs.values()].flatMap((b) => b.toString("utf8").trim().split("\n").map((l) => JSON.parse(l)));
        assert.ok(!oldLines.some((l) => l.msg === "rejoined" || l.msg?.startsWith("lease lost")), "the resumed task never wrote to the log it no longer owned");
        const newLogs = download(bucket, "logs/frozen.g2/");
        const newLines = [...newLogs.values()].flatMap((b) => b.toString("utf8").trim().split("\n").map((l) => JSON.parse(l)));
        assert.ok(newLines.some((l) => l.msg === "rejoined"), "the new generation's log is archived, from the rejoin on");
    });
});
