import { promises as fsp } from "fs";
import * as path from "path";
import { exists, Layout, list, META, ORIGINAL } from "./store";

/**
 * Reading the claims that tasks of the versions before the work queue hold, in both layouts that store.ts describes:
 * shards under uploads/claims/<task>/ and uploads/processing/<task>/. This version claims nothing on EFS (the queue's
 * visibility is its claim); a rolling deploy leaves old tasks beside it, and what they hold must still be found
 * (GET /uploads/:id), counted (the backlog) and, once they die, taken over (takeover.ts).
 */

/** An item claimed by a task: its id and where it is. */
export interface Claim {
    readonly id: string;
    readonly dir: string;
}

/** A task that holds claims, and in which layouts. */
export interface Holder {
    readonly task: string;
    /** It has shards under claims/<task>/ (this version). */
    readonly sharded: boolean;
    /** It has processing/<task>/ (the previous version). */
    readonly legacy: boolean;
}

/** Every task that holds or held claims, in either layout. */
export async function claimHolders(layout: Layout): Promise<Holder[]> {
    const [sharded, legacy] = await Promise.all([list(layout.claims), list(layout.processing)]);
    return [...new Set([...sharded, ...legacy])].map((task) => ({ task, sharded: sharded.includes(task), legacy: legacy.includes(task) }));
}

/** Every claim `holder` holds; its shards are listed in parallel, so the listing costs one round trip of latency. */
export async function listClaims(layout: Layout, holder: Holder): Promise<Claim[]> {
    const dirs = [...(holder.sharded ? layout.shardDirs(holder.task) : []), ...(holder.legacy ? [layout.legacyClaimDir(holder.task)] : [])];
    const listed = await Promise.all(dirs.map(async (dir) => (await list(dir)).map((id) => ({ id, dir: path.join(dir, id) }))));
    return listed.flat();
}

/** Every item directory waiting on EFS to be archived: incoming and claimed, in both layouts. */
export async function waitingItemDirs(layout: Layout): Promise<string[]> {
    const dirs: string[] = (await list(layout.incoming)).map((id) => path.join(layout.incoming, id));
    for (const holder of await claimHolders(layout)) dirs.push(...(await listClaims(layout, holder)).map((c) => c.dir));
    return dirs;
}

/** Where an item is on EFS right now, if anywhere. */
export async function findItem(layout: Layout, id: string): Promise<{ dir: string; quarantined: boolean } | undefined> {
    const candidates = [path.join(layout.incoming, id)];
    for (const { task, sharded, legacy } of await claimHolders(layout)) {
        if (sharded) candidates.push(layout.claimPath(task, id));
        if (legacy) candidates.push(path.join(layout.legacyClaimDir(task), id));
    }
    for (const dir of candidates) {
        if (await exists(path.join(dir, META))) return { dir, quarantined: false };
    }
    const q = path.join(layout.quarantine, id);
    if (await exists(path.join(q, META))) return { dir: q, quarantined: true };
    return undefined;
}

/**
 * Stats in flight at once during a scan: twice the libuv threads that run them (UV_THREADPOOL_SIZE, 32 in the image),
 * so EFS stays busy, and a fixed number, so that a scan's memory does not grow with the backlog (one pending stat per
 * waiting item: a 100,000-item scan peaked at 228 MiB of heap, now at 50, most of it the listed names and paths).
 */
const SCAN_CONCURRENCY = 64;

/** Files and bytes waiting on EFS to be archived (incoming + claimed), for backpressure and metrics. */
export async function backlog(layout: Layout): Promise<{ files: number; bytes: number }> {
    const dirs = await waitingItemDirs(layout);
    let files = 0;
    let bytes = 0;
    let next = 0;
    const statNext = async () => {
        while (next < dirs.length) {
            const dir = dirs[next++];
            try {
                const st = await fsp.stat(path.join(dir, ORIGINAL));
                files++;
                bytes += st.size;
            } catch {
                // archived or moved between the listing and the stat
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, dirs.length) }, statNext));
    return { files, bytes };
}
