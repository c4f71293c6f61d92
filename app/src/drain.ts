import { Archiver, sleep } from "./archiver";
import { Logger } from "./log";
import { ownClaims } from "./claims";

/**
 * `archive --once`: drains DATA_DIR (everything not claimed by a live task), retrying each item a few times, and
 * reports what could not be archived. However an item behaves, the drain ends: one that keeps coming back without
 * being archived, failing or quarantined is reported as failed after a bounded number of passes.
 */
export async function drain(archiver: Archiver, log: Logger, maxFailuresPerItem = 3): Promise<{ archived: number; failed: string[] }> {
    const before = archiver.metrics.archivedFiles;
    const handled = new Map<string, number>();
    const maxPasses = maxFailuresPerItem * 2 + 2;
    for (;;) {
        await archiver.refill(true);
        const eligible = archiver.queue.filter((id) => (archiver.attempts.get(id)?.failures ?? 0) < maxFailuresPerItem);
        archiver.queue = [];
        if (eligible.length === 0) break;
        let next = 0;
        await Promise.all(
            Array.from({ length: archiver.config.archiveConcurrency }, async () => {
                while (next < eligible.length) {
                    const id = eligible[next++];
                    const passes = (handled.get(id) ?? 0) + 1;
                    handled.set(id, passes);
                    if (passes > maxPasses) {
                        archiver.attempts.set(id, { failures: maxFailuresPerItem, notBefore: 0 });
                        log.error("item neither archived nor failed after repeated passes; left on EFS", { uploadId: id, passes: passes - 1 });
                        continue;
                    }
                    const wait = (archiver.attempts.get(id)?.notBefore ?? 0) - Date.now();
                    if (wait > 0) await sleep(wait);
                    await archiver.handle(id).catch((e) => log.error("archive step failed", { uploadId: id, error: String(e) }));
                }
            }),
        );
    }
    const failed = new Set<string>((await ownClaims(archiver.layout, archiver.lease.id)).map((c) => c.id));
    for (const [id, a] of archiver.attempts) if (a.failures >= maxFailuresPerItem) failed.add(id);
    for (const id of archiver.quarantined) failed.add(id);
    return { archived: archiver.metrics.archivedFiles - before, failed: [...failed] };
}
