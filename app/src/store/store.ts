import { createHash, randomUUID } from "crypto";
import { constants as fsc, promises as fsp, Stats, statfsSync } from "fs";
import * as path from "path";
import type { DirectoryFsync } from "../config";
import { parseMeta } from "./metaSchema";

/**
 * The layout of DATA_DIR, shared by every task over NFS. An item is a directory named by its id that
 * holds `meta.json`, the bytes in `original` and, once processed, maybe `thumbnail.webp`. An item
 * moves between the directories below only by rename(2) of the whole directory, which is atomic on
 * one file system (NFS included), so every task sees it in exactly one place.
 *
 *   uploads/tmp/<id>/                      being written; never seen by the archiver
 *   uploads/incoming/<id>/                 acknowledged, waiting to be archived; its message is in the SQS work
 *                                          queue (meta.json read-only once sent, `queued` beside it from the versions
 *                                          before issue 23), and whoever holds the message works on it here, in
 *                                          place: nothing is renamed to claim it
 *   uploads/claims/<task>/<shard>/<id>/    claimed by <task> running the version before the queue (read only: taken
 *                                          over back into incoming/, counted, found)
 *   uploads/processing/<task>/<id>/        claimed by <task> running the version before the shards (the same)
 *   uploads/quarantine/<id>/               failed processing; kept with reason.json
 *   uploads/tasks/<task>.alive             heartbeat of a live task
 *   logs/<task>/current.jsonl              the task's own log, rotated into incoming/ as an item
 *
 * The two claim layouts below are the previous versions', kept for rolling deploys (claims.ts, takeover.ts). Why they
 * had shards: a client kernel (Linux's NFS client as much as FUSE) holds a directory's lock for the whole of every
 * create, rename, unlink and rmdir in it, round trips to the server included. With one claim directory per task,
 * each claim (a LOOKUP of the new name and the RENAME) and each final RMDIR queued on that one lock: ~3 round trips
 * per archived file, one at a time, whatever the archive concurrency (bench/efs/README.md measures it). Sixteen
 * shards spread those over sixteen locks.
 *
 * Why a new root rather than shards under processing/<task>/: during a rolling deploy, tasks of the previous version
 * share the file system. Such a task takes over a dead task's processing/<task>/ by renaming each entry into its own
 * claim directory as an item, and would take a shard for an item, find no meta.json in it and remove it as the
 * leftover of an archived item, with every item inside. Under claims/ it never sees them: it takes over only what
 * its own version claimed, while this version takes over both (takeover.ts), so nothing is lost. What a task of this
 * version leaves when it dies waits for another task of this version (a rollback that leaves none keeps it on EFS,
 * counted by none of the old tasks, until this version runs again); a clean stop hands it back to incoming/.
 */
export const CLAIM_SHARDS = Array.from({ length: 16 }, (_, i) => i.toString(16));

/** The shard an item's claim goes into: spread evenly whatever the id looks like (upload ids are UUIDs, but a test's need not be). */
export function shardOf(id: string): string {
    return CLAIM_SHARDS[createHash("sha1").update(id).digest()[0] % CLAIM_SHARDS.length];
}

export class Layout {
    readonly tmp: string;
    readonly incoming: string;
    readonly claims: string;
    /** Where tasks of the version before the shards claim: read, never written by this version. */
    readonly processing: string;
    readonly quarantine: string;
    readonly tasks: string;
    readonly logs: string;

    constructor(readonly dataDir: string) {
        this.tmp = path.join(dataDir, "uploads", "tmp");
        this.incoming = path.join(dataDir, "uploads", "incoming");
        this.claims = path.join(dataDir, "uploads", "claims");
        this.processing = path.join(dataDir, "uploads", "processing");
        this.quarantine = path.join(dataDir, "uploads", "quarantine");
        this.tasks = path.join(dataDir, "uploads", "tasks");
        this.logs = path.join(dataDir, "logs");
    }

    /** The directory holding all of `task`'s shards. */
    claimRoot(task: string): string {
        return path.join(this.claims, task);
    }
    shardDirs(task: string): string[] {
        return CLAIM_SHARDS.map((s) => path.join(this.claims, task, s));
    }
    /** Where `task`'s claim on `id` lives. */
    claimPath(task: string, id: string): string {
        return path.join(this.claims, task, shardOf(id), id);
    }
    /** A task of the version before the shards claims here. */
    legacyClaimDir(task: string): string {
        return path.join(this.processing, task);
    }
    heartbeat(task: string): string {
        return path.join(this.tasks, `${task}.alive`);
    }
    logDir(task: string): string {
        return path.join(this.logs, task);
    }

    async ensure(task: string): Promise<void> {
        for (const dir of [this.tmp, this.incoming, this.quarantine, this.tasks, this.logDir(task)]) {
            await fsp.mkdir(dir, { recursive: true, mode: 0o750 });
        }
    }
}

export type ItemKind = "upload" | "log";

/** What `meta.json` holds. */
export interface ItemMeta {
    readonly id: string;
    readonly kind: ItemKind;
    /** The client's file name (uploads) or the log file's name. */
    readonly name: string;
    readonly size: number;
    /** Hex SHA-256 of `original`, computed while it was first written. */
    readonly sha256: string;
    readonly contentType: string;
    /** The S3 key `original` is archived under, fixed at ingest. */
    readonly key: string;
    readonly receivedAt: string;
    /** Set once processing has run. */
    readonly processed?: boolean;
    readonly thumbnail?: { readonly key: string; readonly size: number; readonly sha256: string; readonly contentType: string };
    /** Why an image has no thumbnail (its decode would not fit the task's memory budget, decodeBudget.ts). */
    readonly noThumbnail?: string;
}

export const META = "meta.json";
export const ORIGINAL = "original";
export const THUMBNAIL = "thumbnail.webp";
export const REASON = "reason.json";
/**
 * Beside an item in uploads/incoming/, from the versions before issue 23: its message was sent to the work queue.
 * Read (reconcile.ts), no longer written: this version marks meta.json read-only instead ({@link META_QUEUED_MODE}).
 */
export const QUEUED = "queued";
/** meta.json's mode while its item's message has not gone out. */
export const META_MODE = 0o640;
/**
 * meta.json's mode once its item's message went out (SQS accepted it): the owner's write bit is the work queue's mark.
 * One SETATTR on the file ingest has just written (by path, after closing it), where a `queued` file beside it cost a LOOKUP, a CREATE, a FLUSH
 * and a RELEASE, and an UNLINK at archive time. An item without the mark (a crash between EFS and the queue, SQS
 * unreachable, a version before the queue) is sent again by the reconciling scan (reconcile.ts). Nothing writes to
 * meta.json in place (it is replaced by rename), so the mode stays until the file is replaced or removed.
 */
export const META_QUEUED_MODE = 0o440;

/** Whether meta.json's stat carries the work queue's mark ({@link META_QUEUED_MODE}). */
export function markedQueued(meta: Stats): boolean {
    return (meta.mode & 0o200) === 0;
}
/** Beside an item: the last error an archive attempt met, for the reason of a quarantine through the dead-letter queue. */
export const LAST_ERROR = "last-error.json";

/** statfs(2)'s f_type of an NFS mount (Linux's NFS_SUPER_MAGIC): EFS is mounted as NFS 4.1. */
const NFS_SUPER_MAGIC = 0x6969;
let directoryFsyncNeeded = true;

/**
 * Decides once, at start, whether {@link fsyncDir} does anything. On NFS a create, mkdir, rename or remove is
 * synchronous: the server has committed it to stable storage before it answers ("The following data modifying
 * procedures are synchronous: WRITE (with stable flag set to FILE_SYNC), CREATE, MKDIR, SYMLINK, MKNOD, REMOVE, RMDIR,
 * RENAME, LINK, and COMMIT", RFC 1813, "Synchronous modifying operations"; NFSv4.1, which EFS serves, kept that
 * model), and Linux's NFS
 * client answers a directory's fsync without a request ("All directory operations under NFS are synchronous, so
 * fsync() is a dummy operation", fs/nfs/dir.c `nfs_fsync_dir`). There the open, fsync and close of a directory are
 * round trips that buy nothing. On a local file system (ext4, xfs: the specs, a developer's disk) a new or renamed
 * entry is durable only once its directory is fsynced, so `auto` keeps the fsync wherever DATA_DIR is not NFS.
 * `never` is for a mount that stands in for EFS (the benchmark's FUSE mount, bench/efs/README.md).
 */
export function configureDirectoryFsync(policy: DirectoryFsync, dataDir: string): void {
    directoryFsyncNeeded = policy === "always" || (policy === "auto" && statfsSync(dataDir).type !== NFS_SUPER_MAGIC);
}

/** fsync a directory so that a rename or create inside it survives a crash of the server or client (none on NFS: see configureDirectoryFsync). */
export async function fsyncDir(dir: string): Promise<void> {
    if (!directoryFsyncNeeded) return;
    const fh = await fsp.open(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
    try {
        await fh.sync();
    } finally {
        await fh.close();
    }
}

/** temp name → fsync → rename → fsync of the directory: readers see the old file or the whole new one, never a part, and the new one survives a crash. */
export async function writeFileDurable(file: string, data: string | Buffer): Promise<void> {
    await writeFileAtomic(file, data);
    await fsyncDir(path.dirname(file));
}

/**
 * temp name → fsync → rename, without the directory's fsync: for a file whose loss in a crash only means redoing
 * idempotent work (the processed meta.json: the item is processed again). Readers still never see a part.
 */
export async function writeFileAtomic(file: string, data: string | Buffer, mode = 0o640): Promise<void> {
    const tmp = `${file}.${randomUUID()}.part`;
    const fh = await fsp.open(tmp, "wx", 0o640);
    try {
        await fh.writeFile(data);
        await fh.sync();
        // Made writable, then read-only: an NFS server need not let its creator write to a file created read-only.
        if (mode !== 0o640) await fh.chmod(mode);
    } finally {
        await fh.close();
    }
    try {
        await fsp.rename(tmp, file);
    } catch (e) {
        await fsp.rm(tmp, { force: true });
        throw e;
    }
}

/** An item's meta.json, checked against its schema (metaSchema.ts): throws MetaError for a wrong shape. */
export async function readMeta(itemDir: string): Promise<ItemMeta> {
    return parseMeta(await readSmallFile(path.join(itemDir, META)), path.basename(itemDir));
}

/** The most a small file (meta.json, a heartbeat, last-error.json) may hold: the app's own are a few KiB at most. */
export const SMALL_FILE_MAX_BYTES = 64 * 1024;

/**
 * A small file (meta.json) in as few requests as it takes: open, read, close. readFile() also stats the file first
 * and reads again to find the end, each one more NFS round trip. A read shorter than asked is the end of a regular
 * file (the NFS client returns short reads only at end of file).
 *
 * What is not one of the app's own small files fails here instead of taking the process with it: a symlink is not
 * followed (O_NOFOLLOW: one to /dev/zero would be read until memory runs out), a FIFO does not block the read
 * (O_NONBLOCK: without a writer it reads as empty), more than {@link SMALL_FILE_MAX_BYTES} is refused, and so are
 * bytes that are not UTF-8 (decoded strictly, not replaced with U+FFFD).
 * https://man7.org/linux/man-pages/man2/open.2.html ("O_NOFOLLOW If the trailing component (i.e., basename) of
 * pathname is a symbolic link, then the open fails, with the error ELOOP.")
 */
export async function readSmallFile(file: string, maxBytes = SMALL_FILE_MAX_BYTES): Promise<string> {
    const fh = await fsp.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
    try {
        const chunks: Buffer[] = [];
        let total = 0;
        for (;;) {
            const buf = Buffer.allocUnsafe(16 * 1024);
            const { bytesRead } = await fh.read(buf, 0, buf.length, null);
            chunks.push(buf.subarray(0, bytesRead));
            total += bytesRead;
            if (total > maxBytes) throw new SmallFileError(`${path.basename(file)} is larger than ${maxBytes} bytes`);
            if (bytesRead < buf.length) return strictUtf8(Buffer.concat(chunks), file);
        }
    } finally {
        await fh.close();
    }
}

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

function strictUtf8(bytes: Buffer, file: string): string {
    try {
        return STRICT_UTF8.decode(bytes);
    } catch {
        throw new SmallFileError(`${path.basename(file)} is not UTF-8`);
    }
}

/** A small file that is not one the app wrote: too large, or not UTF-8. */
export class SmallFileError extends Error {
    override name = "SmallFileError";
}

export function isErrno(e: unknown, ...codes: string[]): boolean {
    return typeof e === "object" && e !== null && codes.includes((e as NodeJS.ErrnoException).code ?? "");
}

/** Lists a directory, treating a missing one as empty. */
export async function list(dir: string): Promise<string[]> {
    try {
        return await fsp.readdir(dir);
    } catch (e) {
        if (isErrno(e, "ENOENT", "ENOTDIR")) return [];
        throw e;
    }
}

/**
 * Publishes a fully written item from uploads/tmp/<id> into uploads/incoming/<id>: one atomic rename,
 * then fsync of both directories so the acknowledgement that follows is durable.
 */
export async function publish(layout: Layout, id: string): Promise<void> {
    await fsp.rename(path.join(layout.tmp, id), path.join(layout.incoming, id));
    await fsyncDir(layout.incoming);
    await fsyncDir(layout.tmp);
}

export async function exists(file: string): Promise<boolean> {
    try {
        await fsp.access(file);
        return true;
    } catch {
        return false;
    }
}
