import { promises as fsp } from "fs";
import * as path from "path";
import { Lease } from "./lease";
import { enqueueRotatedLogs, Logger } from "../observability/log";
import { claimHolders, Holder, listClaims } from "./claims";
import { Enqueuer } from "../queue/reconcile";
import { ItemMessage } from "../queue/queue";
import { exists, fsyncDir, isErrno, Layout, list, ORIGINAL, publish, readMeta } from "./store";

/** A file under uploads/tmp untouched this long belongs to an upload that never completed. */
const STALE_TMP_MS = 3600_000;

/**
 * Takes over what tasks whose lease expired left behind: the claims of tasks of the versions before the work queue,
 * in either layout (store.ts), are renamed back into uploads/incoming/ (one winner per item) and sent to the queue,
 * and their logs are queued for archiving (this version's tasks claim nothing on EFS: the queue's visibility is
 * their lease on an item; their heartbeat still guards their live log and carries the backlog counters). Only server times are compared:
 * another task's heartbeat mtime with this task's own. A task whose own lease has lapsed takes nothing: it may be the
 * one frozen. Returns how many items it took.
 */
export async function takeOverExpired(layout: Layout, lease: Lease, log: Logger, enqueuer: Enqueuer): Promise<number> {
    const send = (items: ItemMessage[]) => enqueuer.enqueue(items);
    const generation = lease.generation;
    const me = lease.id;
    const myBeat = await fsp.stat(layout.heartbeat(me)).catch(() => undefined);
    if (!myBeat || !lease.owns(generation)) return 0;
    const leaseMs = lease.leaseSeconds * 1000;
    const holders = new Map((await claimHolders(layout)).map((h) => [h.task, h]));
    for (const task of await list(layout.logs)) if (!holders.has(task)) holders.set(task, { task, sharded: false, legacy: false });
    let total = 0;
    for (const holder of holders.values()) {
        const { task } = holder;
        if (task === me) {
            // A version before the queue, run under this same TASK_ID, left claims in processing/<task>/ or in the
            // shards: they are this task's own, and nobody else takes them over while its heartbeat is fresh.
            const taken = await moveClaims(layout, holder, send);
            if (taken > 0) log.warn("took over this task's claims from a layout before the work queue", { items: taken });
            total += taken;
            if (holder.sharded) await Promise.all(layout.shardDirs(task).map((dir) => fsp.rmdir(dir).catch(() => undefined)));
            await fsp.rmdir(layout.claimRoot(task)).catch(() => undefined);
            await fsp.rmdir(layout.legacyClaimDir(task)).catch(() => undefined);
            continue;
        }
        const beat = await fsp.stat(layout.heartbeat(task)).catch(() => undefined);
        const signs = [layout.claimRoot(task), layout.legacyClaimDir(task), layout.logDir(task)];
        let lastSign = beat;
        for (const dir of signs) lastSign ??= await fsp.stat(dir).catch(() => undefined);
        if (!lastSign || myBeat.mtimeMs - lastSign.mtimeMs <= leaseMs) continue;
        if (!lease.owns(generation)) return total;
        const taken = await moveClaims(layout, holder, send);
        // Its live log is copied, never moved: if the task was only frozen, a write it had already begun must not
        // land in bytes that are being archived (Lease keeps a resumed task from starting new ones).
        const logs = await enqueueRotatedLogs(layout, task, true, send).catch(() => 0);
        if (taken > 0 || logs > 0) {
            log.warn("took over claims of a task whose lease expired", { deadTask: task, items: taken, logFiles: logs });
        }
        total += taken;
        if (holder.sharded) await Promise.all(layout.shardDirs(task).map((dir) => fsp.rmdir(dir).catch(() => undefined)));
        for (const dir of signs) await fsp.rmdir(dir).catch(() => undefined);
        // A claim the task made after the listing above (it was frozen, not dead) keeps its heartbeat for the next round.
        if ((await listClaims(layout, holder)).length === 0) await fsp.rm(layout.heartbeat(task), { force: true });
    }
    await removeStaleTmp(layout, lease.leaseSeconds * 1000, log, send);
    return total;
}

/**
 * Renames every claim `holder` holds back into uploads/incoming/ and sends their messages; one winner per item when
 * several tasks take over at once. A claim directory without meta.json (an archived item whose removal was cut short)
 * goes too: the consumer of its message finishes the removal. What is not sent now is sent by the reconciling scan.
 */
async function moveClaims(layout: Layout, holder: Holder, send: (items: ItemMessage[]) => Promise<unknown>): Promise<number> {
    const moved: ItemMessage[] = [];
    for (const { id, dir } of await listClaims(layout, holder)) {
        const target = path.join(layout.incoming, id);
        try {
            await fsp.rename(dir, target);
        } catch (e) {
            if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e;
            continue;
        }
        const meta = await readMeta(target).catch(() => undefined);
        moved.push({ id, kind: meta?.kind ?? "upload", size: meta?.size ?? 0, sha256: meta?.sha256 ?? "" });
    }
    if (moved.length > 0) {
        await fsyncDir(layout.incoming);
        await send(moved);
    }
    return moved.length;
}

/**
 * Publishes complete log items that a stopped task left in uploads/tmp (they hold the only copy of that log) and
 * removes uploads that never completed (they were never acknowledged).
 */
async function removeStaleTmp(layout: Layout, leaseMs: number, log: Logger, send: (items: ItemMessage[]) => Promise<unknown>): Promise<void> {
    const now = Date.now();
    for (const id of await list(layout.tmp)) {
        const dir = path.join(layout.tmp, id);
        let newest = 0;
        for (const f of ["", ...(await list(dir))]) {
            const st = await fsp.stat(path.join(dir, f)).catch(() => undefined);
            if (st) newest = Math.max(newest, st.mtimeMs);
        }
        const meta = await readMeta(dir).catch(() => undefined);
        if (meta?.kind === "log" && newest > 0 && now - newest > leaseMs && (await exists(path.join(dir, ORIGINAL)))) {
            try {
                await publish(layout, id);
                await send([{ id, kind: meta.kind, size: meta.size, sha256: meta.sha256 }]);
                log.warn("published a log item that a stopped task left unpublished", { logItemId: id, key: meta.key });
            } catch (e) {
                if (!isErrno(e, "ENOENT", "EEXIST", "ENOTEMPTY")) throw e; // another task published it first
            }
            continue;
        }
        if (newest > 0 && now - newest > STALE_TMP_MS) {
            await fsp.rm(dir, { recursive: true, force: true });
            log.warn("removed an upload that was never completed", { uploadId: id });
        }
    }
}
