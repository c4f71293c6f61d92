import { randomUUID } from "crypto";
import * as path from "path";
import { backlog } from "./claims";
import { isErrno, Layout, list, readSmallFile } from "./store";

/** Files and bytes, as a backlog or a counter. */
export interface Amount {
    files: number;
    bytes: number;
}

/** What every heartbeat carries: this process's counters since it started (lease.ts writes them with each beat). */
export interface Counters {
    /** One per process, kept across lease generations, so a rejoin under a new identity does not reset the sum. */
    readonly counterId: string;
    readonly accepted: Amount;
    readonly left: Amount;
    /** Whether this process keeps the gauge (serve mode), and so may be the one that rescans. */
    readonly gauge: boolean;
}

/** A full scan and every process's counters read just before it began, carried by the heartbeat of the task that ran it. */
export interface Baseline {
    readonly files: number;
    readonly bytes: number;
    /** Wall-clock ms when the scan began. */
    readonly at: number;
    readonly counters: Record<string, { accepted: Amount; left: Amount }>;
    /**
     * The claim layouts the scan counted (store.ts). A task of the version before the shards publishes scans without
     * it that miss uploads/claims/: during a rolling deploy they would undercount, so they are not used.
     */
    readonly layout?: typeof SCANS_LAYOUT;
}

/** What this version's scans count: incoming/, the claim shards and the previous version's processing/. */
const SCANS_LAYOUT = "claims+processing";

/**
 * How often the full scan runs at most, by one task. It costs a request or two per waiting item (directory entries,
 * a stat of each original): measured ~10,500 metadata requests at 10,000 items, ~10 s at 1 ms each, every 5 minutes
 * for the whole fleet, instead of a scan per task per second on the upload path. Between scans the figure misses
 * only what no live heartbeat counts: what a task that died since had accepted (its heartbeat goes with the
 * takeover, the items stay and are removed by a peer that counts them), quarantines and log items.
 */
export const RECONCILE_MS = 300_000;

/**
 * The backlog for backpressure and metrics at a cost independent of its size. Every task counts what it accepted
 * and what left EFS through it (in memory; the heartbeat it writes anyway publishes them), and the backlog is the
 * last full scan plus, summed over the few heartbeats, what each task accepted minus what it removed since that
 * scan. The scan travels in the heartbeat of the task that ran it, so a stopped fleet leaves nothing behind. Of the
 * tasks that keep the gauge (serve), the one whose heartbeat name sorts first rescans every {@link RECONCILE_MS};
 * any task does when no heartbeat carries a scan or the newest is three periods old (the first task died and its
 * heartbeat has not been taken over yet). Peers' counters are as fresh as their last heartbeat (a quarter lease).
 */
export class BacklogGauge {
    readonly counterId = randomUUID();
    private readonly accepted: Amount = { files: 0, bytes: 0 };
    private readonly left: Amount = { files: 0, bytes: 0 };
    /** The estimate at the last refresh, minus this task's own counters at that moment (added live in current()). */
    private others?: Amount;
    private refreshing?: Promise<void>;
    private timer?: NodeJS.Timeout;
    private running = false;
    /** The last scan this process ran, published with its heartbeat; gone with it when the task stops or dies. */
    private baseline?: Baseline;
    /** Counters read at the last refresh, by heartbeat name: kept for a heartbeat caught mid-write. */
    private lastBeats = new Map<string, Counters>();

    constructor(
        private readonly layout: Layout,
        private readonly taskId: () => string,
    ) {}

    /** In memory only: the upload path pays nothing for it. */
    addAccepted(bytes: number): void {
        this.accepted.files++;
        this.accepted.bytes += bytes;
    }
    addLeft(bytes: number): void {
        this.left.files++;
        this.left.bytes += bytes;
    }

    /** What the heartbeat carries. */
    heartbeatFields(): { counters: Counters; baseline?: Baseline } {
        return { counters: this.counters(), baseline: this.baseline };
    }

    counters(): Counters {
        return { counterId: this.counterId, accepted: { ...this.accepted }, left: { ...this.left }, gauge: this.running };
    }

    /** Refreshes in the background every `intervalMs` (serve mode); the first figure is awaited by {@link current}. */
    start(intervalMs: number, onError: (e: unknown) => void): void {
        this.running = true;
        this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
        this.timer.unref();
    }
    stop(): void {
        if (this.timer) clearInterval(this.timer);
    }

    /** The backlog now: this task's own counters are live, the others' as of their last heartbeat. */
    async current(): Promise<Amount> {
        if (!this.others) await this.refresh();
        const others = this.others ?? { files: 0, bytes: 0 };
        return {
            files: Math.max(0, others.files + this.accepted.files - this.left.files),
            bytes: Math.max(0, others.bytes + this.accepted.bytes - this.left.bytes),
        };
    }

    /** One refresh at a time: reads the baseline and the heartbeats, rescanning first when this task's turn has come. */
    refresh(): Promise<void> {
        this.refreshing ??= this.compute().finally(() => (this.refreshing = undefined));
        return this.refreshing;
    }

    private async compute(): Promise<void> {
        let { beats, base } = await this.heartbeats();
        const age = base ? Date.now() - base.at : Infinity;
        const first = [...beats].filter(([, c]) => c.gauge).map(([task]) => task).sort()[0];
        // A process that stopped (scaled in, a finished `archive --once`) takes its counters with its heartbeat, and
        // what it archived since the scan would be counted as waiting until the next one: rescan at once instead.
        const present = new Set([...beats.values()].map((c) => c.counterId));
        const gone = [...this.lastBeats.values()].some((c) => !present.has(c.counterId) && movedSince(c, base?.counters[c.counterId]));
        if (age > 3 * RECONCILE_MS || ((age > RECONCILE_MS || gone) && first === this.taskId())) {
            const snapshot: Baseline["counters"] = {};
            for (const c of beats.values()) snapshot[c.counterId] = { accepted: c.accepted, left: c.left };
            const at = Date.now();
            const scanned = await backlog(this.layout);
            base = this.baseline = { ...scanned, at, counters: snapshot, layout: SCANS_LAYOUT };
            beats = (await this.heartbeats()).beats;
        }
        const sum: Amount = { files: base!.files, bytes: base!.bytes };
        for (const c of beats.values()) {
            if (c.counterId === this.counterId) continue;
            const from = base!.counters[c.counterId] ?? { accepted: { files: 0, bytes: 0 }, left: { files: 0, bytes: 0 } };
            sum.files += c.accepted.files - from.accepted.files - (c.left.files - from.left.files);
            sum.bytes += c.accepted.bytes - from.accepted.bytes - (c.left.bytes - from.left.bytes);
        }
        // This task's own counters are added live by current(), so only what it had at the scan is taken off here.
        const mine = base!.counters[this.counterId];
        if (mine) {
            sum.files -= mine.accepted.files - mine.left.files;
            sum.bytes -= mine.accepted.bytes - mine.left.bytes;
        }
        this.others = sum;
        this.lastBeats = beats;
    }

    /**
     * Each live heartbeat's counters, by task name, this task's own included as it is in memory. A process's old and
     * new identities can both have a heartbeat for a while after a rejoin: only the newest counters of a process count.
     */
    private async heartbeats(): Promise<{ beats: Map<string, Counters>; base?: Baseline }> {
        const byCounter = new Map<string, { task: string; c: Counters }>();
        let base = this.baseline;
        const me = this.taskId();
        byCounter.set(this.counterId, { task: me, c: this.counters() });
        await Promise.all(
            (await list(this.layout.tasks))
                .filter((f) => f.endsWith(".alive") && f !== `${me}.alive`)
                .map(async (f) => {
                    const task = f.slice(0, -".alive".length);
                    type Beat = { counters?: Counters; baseline?: Baseline };
                    const beat: Beat | undefined = await readSmallFile(path.join(this.layout.tasks, f))
                        .then((s) => JSON.parse(s) as Beat)
                        // Removed by a takeover meanwhile (gone), or read while its task rewrote it in place (as before).
                        .catch((e) => (isErrno(e, "ENOENT") ? undefined : { counters: this.lastBeats.get(task) }));
                    if (beat?.baseline?.layout === SCANS_LAYOUT && beat.baseline.at > (base?.at ?? -Infinity)) base = beat.baseline;
                    const c = beat?.counters;
                    if (!c?.counterId) return; // a heartbeat from before counters
                    const seen = byCounter.get(c.counterId);
                    if (!seen || seen.c.accepted.files + seen.c.left.files < c.accepted.files + c.left.files) byCounter.set(c.counterId, { task, c });
                }),
        );
        return { beats: new Map([...byCounter.values()].map(({ task, c }) => [task, c])), base };
    }
}

function movedSince(c: Counters, at?: { accepted: Amount; left: Amount }): boolean {
    return c.accepted.files !== (at?.accepted.files ?? 0) || c.left.files !== (at?.left.files ?? 0);
}
