"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.drain = drain;
const archiver_1 = require("./archiver");
const store_1 = require("./store");
/**
 * `archive --once`: drains DATA_DIR (everything not claimed by a live task), retrying each item a few times, and
 * reports what could not be archived. However an item behaves, the drain ends: one that keeps coming back without
 * being archived, failing or quarantined is reported as failed after a bounded number of passes.
 */
async function drain(archiver, log, maxFailuresPerItem = 3) {
    const before = archiver.metrics.archivedFiles;
    const handled = new Map();
    const maxPasses = maxFailuresPerItem * 2 + 2;
    for (;;) {
        await archiver.refill(true);
        const eligible = archiver.queue.filter((id) => (archiver.attempts.get(id)?.failures ?? 0) < maxFailuresPerItem);
        archiver.queue = [];
        if (eligible.length === 0)
            break;
        let next = 0;
        await Promise.all(Array.from({ length: archiver.config.archiveConcurrency }, async () => {
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
                if (wait > 0)
                    await (0, archiver_1.sleep)(wait);
                await archiver.handle(id).catch((e) => log.error("archive step failed", { uploadId: id, error: String(e) }));
            }
        }));
    }
    const failed = new Set(await (0, store_1.list)(archiver.lease.claimDir));
    for (const [id, a] of archiver.attempts)
        if (a.failures >= maxFailuresPerItem)
            failed.add(id);
    for (const id of archiver.quarantined)
        failed.add(id);
    return { archived: archiver.metrics.archivedFiles - before, failed: [...failed] };
}
//# sourceMappingURL=drain.js.map