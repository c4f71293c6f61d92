import * as http from "http";
import { errorFields, Logger } from "./observability/log";

/** What the app has to wind down, each step a promise that may take too long. */
export interface Running {
    readonly server: http.Server;
    /** Stops taking new work and hands back what is claimed (Archiver.stop({ handBack: true })). */
    handBack(): Promise<void>;
    /** The last metrics record and the log file closed (queued for archiving): while the lease still fences it. */
    flush(): Promise<void>;
    /** The heartbeat removed: peers need not wait a lease for anything of this task's. */
    retire(): Promise<void>;
    readonly log: Logger;
}

/** Shares of the deadline by which each step must be done; the open requests get what is left, up to the deadline. */
export const HAND_BACK_SHARE = 0.5;
const FLUSH_SHARE = 0.7;
const RETIRE_SHARE = 0.8;

/**
 * SIGTERM, in this order and within `deadlineMs` whatever clients do: stop accepting (the listening socket closes,
 * idle keep-alive connections with it), hand work back, flush the last metrics record and the log file, retire the
 * heartbeat, then give open requests until the deadline and close whatever is still open. A step that runs past its
 * share of the deadline is left behind, logged, and the next one starts: the lease fences whatever it still does
 * (lease.ts), so a peer takes over what was not handed back. Resolves when the process may exit.
 *
 * Logs and metrics are flushed before the heartbeat is retired because the log file is fenced by the lease: written
 * after retiring, its last lines would be dropped (main.ts: `() => lease.owns(generation)`).
 */
export async function shutdown(running: Running, deadlineMs: number): Promise<{ clean: boolean }> {
    const { server, log } = running;
    const started = Date.now();
    const at = (share: number) => started + deadlineMs * share;
    let clean = true;
    const step = async (name: string, until: number, run: () => Promise<void>) => {
        const outcome = await bounded(run(), until - Date.now());
        if (outcome === "late") {
            clean = false;
            log.warn(`shutdown: ${name} ran past its share of the deadline; going on without it`, { step: name, deadlineMs });
        } else if (outcome instanceof Error) {
            clean = false;
            log.error(`shutdown: ${name} failed`, { step: name, ...errorFields(outcome) });
        }
    };

    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    log.info("stopping: no new connections", { deadlineMs });
    await step("hand work back", at(HAND_BACK_SHARE), () => running.handBack());
    await step("flush logs and metrics", at(FLUSH_SHARE), () => running.flush());
    await step("retire the heartbeat", at(RETIRE_SHARE), () => running.retire());
    const requests = await bounded(closed, started + deadlineMs - Date.now());
    if (requests === "late") {
        clean = false;
        log.warn("stopping: open requests ran to the shutdown deadline; their connections are closed", { deadlineMs });
        server.closeAllConnections();
    }
    log.info("stopped", { ms: Date.now() - started, clean });
    return { clean };
}

/** The promise's outcome, or "late" once `ms` have passed (the promise keeps running, unobserved). */
function bounded(promise: Promise<void>, ms: number): Promise<"done" | "late" | Error> {
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve("late"), Math.max(0, ms));
        promise.then(
            () => {
                clearTimeout(timer);
                resolve("done");
            },
            (e: unknown) => {
                clearTimeout(timer);
                resolve(e instanceof Error ? e : new Error(String(e)));
            },
        );
    });
}
