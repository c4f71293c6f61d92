import { Archiver } from "./archiver";

/**
 * `archive --once`: drains the work queue (everything left on EFS by dead tasks is taken over and everything never
 * sent is sent first), retrying each item a few times, and reports what could not be archived. However an item
 * behaves, the drain ends: an item's attempts are bounded, and the run stops once the queue holds no visible message.
 */
export function drain(archiver: Archiver, maxFailuresPerItem = 3): Promise<{ archived: number; failed: string[]; s3Unreachable?: string }> {
    return archiver.drain(maxFailuresPerItem);
}
