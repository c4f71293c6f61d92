import { promises as fsp } from "fs";
import { performance } from "perf_hooks";
import { BacklogGauge } from "./backlog";
import { errorFields, Logger } from "../observability/log";
import { isErrno, Layout } from "./store";

/**
 * Share of the lease this task trusts its own heartbeat for. A peer takes over only once our heartbeat's server
 * mtime is more than a lease older than its own, and that mtime is at least the moment our write began; stopping
 * a little earlier leaves room for NFS attribute caching and a heartbeat write that is slow to return.
 */
const TRUSTED_SHARE = 0.8;

/**
 * This task's identity on EFS (its claim directory, heartbeat and log directory) and the lease behind it. A lease
 * is a promise that can be broken: a task frozen past it (SIGSTOP, a long GC, an EFS stall) may already have lost
 * its claims and its live log to a peer. So validity is measured here on the monotonic clock from the start of
 * the last heartbeat write that succeeded, and everything that writes on EFS in this task's name asks
 * {@link owns} first. A task that finds its lease lapsed never writes under that identity again: it rejoins
 * under a new generation (`<TASK_ID>.g<N>`), with a fresh heartbeat, claim directory and log, and whatever the
 * old identity still held is taken over after the lease like any dead task's, by a peer or by this task itself.
 */
export class Lease {
    private gen = 1;
    private currentId: string;
    private validUntil = 0;
    private timer?: NodeJS.Timeout;
    private ticking = false;
    private rejoining?: Promise<void>;
    private retired = false;
    private readonly rejoinListeners: ((oldId: string, newId: string, generation: number) => void)[] = [];
    /** This process's counters ride on every heartbeat, so the backlog costs no request of its own per upload. */
    readonly backlog: BacklogGauge;

    constructor(
        private readonly layout: Layout,
        private readonly baseId: string,
        private readonly leaseMs: number,
        private readonly log: Logger,
    ) {
        this.currentId = baseId;
        this.backlog = new BacklogGauge(layout, () => this.currentId);
    }

    /** The name this task's claim directory, heartbeat and log directory carry in the current generation. */
    get id(): string {
        return this.currentId;
    }
    get generation(): number {
        return this.gen;
    }
    get leaseSeconds(): number {
        return this.leaseMs / 1000;
    }

    /** Whether the lease still holds now, by this task's monotonic clock. Synchronous and cheap: asked before every write. */
    valid(): boolean {
        return !this.retired && performance.now() < this.validUntil;
    }

    /** Whether this task may still write what it took under `generation`. */
    owns(generation: number): boolean {
        return generation === this.gen && this.valid();
    }

    /** Milliseconds of lease left (negative once lapsed), for the status view. */
    remainingMs(): number {
        return this.validUntil - performance.now();
    }

    onRejoin(listener: (oldId: string, newId: string, generation: number) => void): void {
        this.rejoinListeners.push(listener);
    }

    async start(): Promise<void> {
        await this.layout.ensure(this.currentId);
        await this.beat(true);
        this.timer = setInterval(() => void this.tick(), Math.max(250, this.leaseMs / 4));
        this.timer.unref();
    }

    /** Resolves once the lease holds, rejoining under a new generation first if it has lapsed. */
    async ready(): Promise<void> {
        while (!this.valid()) {
            if (this.retired) throw new Error("the task is stopping");
            this.rejoining ??= this.rejoin().finally(() => (this.rejoining = undefined));
            await this.rejoining;
        }
    }

    /** Ends the heartbeat (when the lease still holds: a lapsed one's heartbeat is a peer's to remove). */
    async retire(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        this.backlog.stop();
        const held = this.valid();
        this.retired = true;
        if (held) await fsp.rm(this.layout.heartbeat(this.currentId), { force: true });
    }

    private async tick(): Promise<void> {
        if (this.ticking || this.retired) return;
        this.ticking = true;
        try {
            if (this.valid()) await this.beat(false);
            else await this.ready();
        } catch (e) {
            this.log.error("heartbeat failed", { task: this.currentId, ...errorFields(e) });
        } finally {
            this.ticking = false;
        }
    }

    /**
     * Writing (not utimes) makes the NFS server stamp the mtime, so leases compare server times only. After the first
     * beat the file is opened without O_CREAT: if a peer removed it, it took this identity over, and it must not be
     * brought back to life.
     */
    private async beat(create: boolean): Promise<void> {
        const generation = this.gen;
        const started = performance.now();
        const content = Buffer.from(JSON.stringify({ task: this.currentId, generation, pid: process.pid, at: new Date().toISOString(), ...this.backlog.heartbeatFields() }) + "\n");
        let fh: fsp.FileHandle;
        try {
            fh = await fsp.open(this.layout.heartbeat(this.currentId), create ? "w" : "r+", 0o640);
        } catch (e) {
            if (!create && isErrno(e, "ENOENT")) {
                this.validUntil = 0;
                this.log.warn("heartbeat removed by a peer: the lease was taken over", { task: this.currentId });
                return;
            }
            throw e;
        }
        try {
            await fh.write(content, 0, content.length, 0);
            await fh.truncate(content.length);
        } finally {
            await fh.close();
        }
        // A beat that began before a lapse it only returned after proves nothing about the time in between.
        if (generation === this.gen && (create || this.valid())) this.validUntil = started + this.leaseMs * TRUSTED_SHARE;
    }

    private async rejoin(): Promise<void> {
        // Yield first, so that ready() has recorded this rejoin before the line below reaches the fenced log file,
        // whose fencing asks for a rejoin again.
        await Promise.resolve();
        const oldId = this.currentId;
        const lapsedMs = Math.round(performance.now() - this.validUntil);
        this.gen++;
        this.currentId = `${this.baseId}.g${this.gen}`;
        this.log.warn("lease lost: nothing held as the old identity is touched again; rejoining under a new one", {
            oldTask: oldId,
            task: this.currentId,
            generation: this.gen,
            lapsedMs,
        });
        await this.layout.ensure(this.currentId);
        await this.beat(true);
        for (const listener of this.rejoinListeners) listener(oldId, this.currentId, this.gen);
        this.log.info("rejoined", { oldTask: oldId, task: this.currentId, generation: this.gen });
    }
}
