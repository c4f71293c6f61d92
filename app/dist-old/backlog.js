"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.BacklogGauge = exports.RECONCILE_MS = void 0;
const crypto_1 = require("crypto");
const path = __importStar(require("path"));
const store_1 = require("./store");
/**
 * How often the full scan runs at most, by one task. It costs a request or two per waiting item (directory entries,
 * a stat of each original): measured ~10,500 metadata requests at 10,000 items, ~10 s at 1 ms each, every 5 minutes
 * for the whole fleet, instead of a scan per task per second on the upload path. Between scans the figure misses
 * only what no live heartbeat counts: what a task that died since had accepted (its heartbeat goes with the
 * takeover, the items stay and are removed by a peer that counts them), quarantines and log items.
 */
exports.RECONCILE_MS = 300_000;
/**
 * The backlog for backpressure and metrics at a cost independent of its size. Every task counts what it accepted
 * and what left EFS through it (in memory; the heartbeat it writes anyway publishes them), and the backlog is the
 * last full scan plus, summed over the few heartbeats, what each task accepted minus what it removed since that
 * scan. The scan travels in the heartbeat of the task that ran it, so a stopped fleet leaves nothing behind. Of the
 * tasks that keep the gauge (serve), the one whose heartbeat name sorts first rescans every {@link RECONCILE_MS};
 * any task does when no heartbeat carries a scan or the newest is three periods old (the first task died and its
 * heartbeat has not been taken over yet). Peers' counters are as fresh as their last heartbeat (a quarter lease).
 */
class BacklogGauge {
    layout;
    taskId;
    counterId = (0, crypto_1.randomUUID)();
    accepted = { files: 0, bytes: 0 };
    left = { files: 0, bytes: 0 };
    /** The estimate at the last refresh, minus this task's own counters at that moment (added live in current()). */
    others;
    refreshing;
    timer;
    running = false;
    /** The last scan this process ran, published with its heartbeat; gone with it when the task stops or dies. */
    baseline;
    /** Counters read at the last refresh, by heartbeat name: kept for a heartbeat caught mid-write. */
    lastBeats = new Map();
    constructor(layout, taskId) {
        this.layout = layout;
        this.taskId = taskId;
    }
    /** In memory only: the upload path pays nothing for it. */
    addAccepted(bytes) {
        this.accepted.files++;
        this.accepted.bytes += bytes;
    }
    addLeft(bytes) {
        this.left.files++;
        this.left.bytes += bytes;
    }
    /** What the heartbeat carries. */
    heartbeatFields() {
        return { counters: this.counters(), baseline: this.baseline };
    }
    counters() {
        return { counterId: this.counterId, accepted: { ...this.accepted }, left: { ...this.left }, gauge: this.running };
    }
    /** Refreshes in the background every `intervalMs` (serve mode); the first figure is awaited by {@link current}. */
    start(intervalMs, onError) {
        this.running = true;
        this.timer = setInterval(() => void this.refresh().catch(onError), intervalMs);
        this.timer.unref();
    }
    stop() {
        if (this.timer)
            clearInterval(this.timer);
    }
    /** The backlog now: this task's own counters are live, the others' as of their last heartbeat. */
    async current() {
        if (!this.others)
            await this.refresh();
        const others = this.others ?? { files: 0, bytes: 0 };
        return {
            files: Math.max(0, others.files + this.accepted.files - this.left.files),
            bytes: Math.max(0, others.bytes + this.accepted.bytes - this.left.bytes),
        };
    }
    /** One refresh at a time: reads the baseline and the heartbeats, rescanning first when this task's turn has come. */
    refresh() {
        this.refreshing ??= this.compute().finally(() => (this.refreshing = undefined));
        return this.refreshing;
    }
    async compute() {
        let { beats, base } = await this.heartbeats();
        const age = base ? Date.now() - base.at : Infinity;
        const first = [...beats].filter(([, c]) => c.gauge).map(([task]) => task).sort()[0];
        // A process that stopped (scaled in, a finished `archive --once`) takes its counters with its heartbeat, and
        // what it archived since the scan would be counted as waiting until the next one: rescan at once instead.
        const present = new Set([...beats.values()].map((c) => c.counterId));
        const gone = [...this.lastBeats.values()].some((c) => !present.has(c.counterId) && movedSince(c, base?.counters[c.counterId]));
        if (age > 3 * exports.RECONCILE_MS || ((age > exports.RECONCILE_MS || gone) && first === this.taskId())) {
            const snapshot = {};
            for (const c of beats.values())
                snapshot[c.counterId] = { accepted: c.accepted, left: c.left };
            const at = Date.now();
            const scanned = await (0, store_1.backlog)(this.layout);
            base = this.baseline = { ...scanned, at, counters: snapshot };
            beats = (await this.heartbeats()).beats;
        }
        const sum = { files: base.files, bytes: base.bytes };
        for (const c of beats.values()) {
            if (c.counterId === this.counterId)
                continue;
            const from = base.counters[c.counterId] ?? { accepted: { files: 0, bytes: 0 }, left: { files: 0, bytes: 0 } };
            sum.files += c.accepted.files - from.accepted.files - (c.left.files - from.left.files);
            sum.bytes += c.accepted.bytes - from.accepted.bytes - (c.left.bytes - from.left.bytes);
        }
        // This task's own counters are added live by current(), so only what it had at the scan is taken off here.
        const mine = base.counters[this.counterId];
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
    async heartbeats() {
        const byCounter = new Map();
        let base = this.baseline;
        const me = this.taskId();
        byCounter.set(this.counterId, { task: me, c: this.counters() });
        await Promise.all((await (0, store_1.list)(this.layout.tasks))
            .filter((f) => f.endsWith(".alive") && f !== `${me}.alive`)
            .map(async (f) => {
            const task = f.slice(0, -".alive".length);
            const beat = await (0, store_1.readSmallFile)(path.join(this.layout.tasks, f))
                .then((s) => JSON.parse(s))
                // Removed by a takeover meanwhile (gone), or read while its task rewrote it in place (as before).
                .catch((e) => ((0, store_1.isErrno)(e, "ENOENT") ? undefined : { counters: this.lastBeats.get(task) }));
            if (beat?.baseline && beat.baseline.at > (base?.at ?? -Infinity))
                base = beat.baseline;
            const c = beat?.counters;
            if (!c?.counterId)
                return; // a heartbeat from before counters
            const seen = byCounter.get(c.counterId);
            if (!seen || seen.c.accepted.files + seen.c.left.files < c.accepted.files + c.left.files)
                byCounter.set(c.counterId, { task, c });
        }));
        return { beats: new Map([...byCounter.values()].map(({ task, c }) => [task, c])), base };
    }
}
exports.BacklogGauge = BacklogGauge;
function movedSince(c, at) {
    return c.accepted.files !== (at?.accepted.files ?? 0) || c.left.files !== (at?.left.files ?? 0);
}
//# sourceMappingURL=backlog.js.map