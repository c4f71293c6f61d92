import * as aws from "@pulumi/aws";
import { Problem } from "./validation";

/**
 * The storage classes a lifecycle rule may move objects to, in S3's own order: objects only ever move down
 * this list ("the lifecycle waterfall").
 */
export const STORAGE_CLASS_ORDER = [
    /** Infrequent Access: minimum 30 days in STANDARD before the move, 30-day minimum charge. */
    "STANDARD_IA",
    /** Monitors access and moves objects between tiers itself; a small per-object monitoring fee. */
    "INTELLIGENT_TIERING",
    /** Like STANDARD_IA in one AZ only: cheaper, lost with that AZ. */
    "ONEZONE_IA",
    /** Glacier Instant Retrieval: millisecond reads, 90-day minimum charge. */
    "GLACIER_IR",
    /** Glacier Flexible Retrieval: restore in minutes to hours, 90-day minimum charge. */
    "GLACIER",
    /** Glacier Deep Archive: restore within 12 hours, 180-day minimum charge. */
    "DEEP_ARCHIVE",
] as const;

/** A storage class that a lifecycle transition may name. */
export type ArchiveStorageClass = (typeof STORAGE_CLASS_ORDER)[number];

/** The Glacier classes: a lifecycle that reaches one of these archives objects for real. */
export const GLACIER_CLASSES: readonly ArchiveStorageClass[] = ["GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"];

/**
 * The classes GetObject cannot read until the object is restored: CloudFront (and a presigned URL) then gets an error.
 * Amazon S3 API reference, GetObject: "If the object you are retrieving is stored in the S3 Glacier Flexible Retrieval
 * storage class, the S3 Glacier Deep Archive storage class, the S3 Intelligent-Tiering Archive Access tier, or the S3
 * Intelligent-Tiering Deep Archive Access tier, before you can retrieve the object you must first restore a copy using
 * RestoreObject. Otherwise, this operation returns an InvalidObjectState error."
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 * (The Intelligent-Tiering archive tiers are opt-in through a bucket configuration this stack never creates.)
 */
export const UNREADABLE_BY_GET_OBJECT: readonly ArchiveStorageClass[] = ["GLACIER", "DEEP_ARCHIVE"];

/**
 * The current-version transitions of an archive whose objects a CDN serves, when the stack sets none: Glacier Instant
 * Retrieval after 90 days, which GetObject reads directly, in milliseconds (it is not among the classes GetObject
 * refuses, above; storage classes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html).
 */
export const CDN_READABLE_TRANSITIONS: readonly LifecycleTransition[] = [{ days: 90, storageClass: "GLACIER_IR" }];

/** Infrequent-access classes, which S3 only accepts 30 days or more after creation (or after the previous class). */
const INFREQUENT_ACCESS_CLASSES: readonly ArchiveStorageClass[] = ["STANDARD_IA", "ONEZONE_IA"];

/** One move of objects to a cheaper class, `days` after creation (current) or after becoming noncurrent. */
export interface LifecycleTransition {
    /** Days after creation (current versions) or after becoming noncurrent (noncurrent versions). */
    readonly days: number;
    /** The class objects move to. */
    readonly storageClass: ArchiveStorageClass;
}

/** What happens to archived objects over time. */
export interface ArchiveLifecycle {
    /** Moves of current versions, in order. Defaults to GLACIER after 90 days. */
    readonly transitions: readonly LifecycleTransition[];
    /** Days after which current versions expire (a delete marker is added). Defaults to never. */
    readonly expirationDays?: number;
    /** Moves of noncurrent versions, in order. Defaults to GLACIER 30 days after becoming noncurrent. */
    readonly noncurrentTransitions: readonly LifecycleTransition[];
    /** Days after becoming noncurrent when old versions are deleted for good. Defaults to 365. */
    readonly noncurrentExpirationDays?: number;
    /** Days after which an unfinished multipart upload is aborted and its parts freed. Defaults to 7. */
    readonly abortIncompleteMultipartUploadDays: number;
}

/** The lifecycle of the source article, with old versions kept a year: safe and cheap. */
export const DEFAULT_ARCHIVE_LIFECYCLE: ArchiveLifecycle = {
    transitions: [{ days: 90, storageClass: "GLACIER" }],
    noncurrentTransitions: [{ days: 30, storageClass: "GLACIER" }],
    noncurrentExpirationDays: 365,
    abortIncompleteMultipartUploadDays: 7,
};

function isWholeDays(n: unknown, min: number): n is number {
    return typeof n === "number" && Number.isInteger(n) && n >= min;
}

function validateTransitions(
    list: "transitions" | "noncurrentTransitions",
    transitions: readonly LifecycleTransition[],
    problems: Problem[],
): void {
    // Noncurrent days count from when a version became noncurrent, which S3 requires to be at least 1.
    const minDays = list === "transitions" ? 0 : 1;
    transitions.forEach((t, i) => {
        const at = `${list}[${i}]`;
        const rank = STORAGE_CLASS_ORDER.indexOf(t.storageClass);
        if (rank < 0) {
            problems.push({
                property: `${at}.storageClass`,
                reason: `"${t.storageClass}" is not a transition storage class; use one of ${STORAGE_CLASS_ORDER.join(", ")}`,
            });
        }
        if (!isWholeDays(t.days, minDays)) {
            problems.push({ property: `${at}.days`, reason: `must be a whole number of days, at least ${minDays}; got ${JSON.stringify(t.days)}` });
            return;
        }
        if (INFREQUENT_ACCESS_CLASSES.includes(t.storageClass) && t.days < 30) {
            problems.push({
                property: `${at}.days`,
                reason: `S3 moves objects to ${t.storageClass} only 30 days or more after ${list === "transitions" ? "creation" : "they become noncurrent"}; got ${t.days}`,
            });
        }
        if (i === 0) {
            return;
        }
        const prev = transitions[i - 1];
        const prevRank = STORAGE_CLASS_ORDER.indexOf(prev.storageClass);
        if (rank >= 0 && prevRank >= 0 && rank <= prevRank) {
            problems.push({
                property: `${at}.storageClass`,
                reason: `storage classes only move down (${STORAGE_CLASS_ORDER.join(" → ")}); ${t.storageClass} cannot follow ${prev.storageClass}`,
            });
        }
        if (isWholeDays(prev.days, minDays) && t.days <= prev.days) {
            problems.push({ property: `${at}.days`, reason: `must be later than the previous transition (${prev.days} days); got ${t.days}` });
        } else if (isWholeDays(prev.days, minDays) && INFREQUENT_ACCESS_CLASSES.includes(prev.storageClass) && t.days - prev.days < 30) {
            problems.push({
                property: `${at}.days`,
                reason: `objects must stay 30 days in ${prev.storageClass} before moving on, so at least ${prev.days + 30}; got ${t.days}`,
            });
        }
    });
}

/**
 * Checks a lifecycle the way S3 would when the configuration is put, so that a bad rule fails before anything is
 * created, and names the rule. Pure: exported for tests and for the stack config.
 */
export function validateArchiveLifecycle(lifecycle: ArchiveLifecycle): Problem[] {
    const problems: Problem[] = [];
    validateTransitions("transitions", lifecycle.transitions, problems);
    validateTransitions("noncurrentTransitions", lifecycle.noncurrentTransitions, problems);

    const checkExpiration = (
        field: "expirationDays" | "noncurrentExpirationDays",
        transitions: readonly LifecycleTransition[],
    ) => {
        const days = lifecycle[field];
        if (days === undefined) {
            return;
        }
        if (!isWholeDays(days, 1)) {
            problems.push({ property: field, reason: `must be a whole number of days, at least 1; got ${JSON.stringify(days)}` });
            return;
        }
        const last = transitions[transitions.length - 1];
        if (last && isWholeDays(last.days, 0) && days <= last.days) {
            problems.push({
                property: field,
                reason: `expiration must come after the last transition (${last.storageClass} at ${last.days} days); got ${days}`,
            });
        }
    };
    checkExpiration("expirationDays", lifecycle.transitions);
    checkExpiration("noncurrentExpirationDays", lifecycle.noncurrentTransitions);

    if (!isWholeDays(lifecycle.abortIncompleteMultipartUploadDays, 1)) {
        problems.push({
            property: "abortIncompleteMultipartUploadDays",
            reason: `must be a whole number of days, at least 1; got ${JSON.stringify(lifecycle.abortIncompleteMultipartUploadDays)}`,
        });
    }
    return problems;
}


/** The lifecycle as S3 rules: one per concern, so each can be read (and switched off) on its own. */
export function lifecycleRules(lifecycle: ArchiveLifecycle): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [];
    if (lifecycle.transitions.length > 0 || lifecycle.expirationDays !== undefined) {
        rules.push({
            id: "archive-current-versions",
            status: "Enabled",
            filter: {},
            transitions: lifecycle.transitions.map((t) => ({ days: t.days, storageClass: t.storageClass })),
            expiration: lifecycle.expirationDays !== undefined ? { days: lifecycle.expirationDays } : undefined,
        });
    }
    if (lifecycle.noncurrentTransitions.length > 0 || lifecycle.noncurrentExpirationDays !== undefined) {
        rules.push({
            id: "archive-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionTransitions: lifecycle.noncurrentTransitions.map((t) => ({
                noncurrentDays: t.days,
                storageClass: t.storageClass,
            })),
            noncurrentVersionExpiration:
                lifecycle.noncurrentExpirationDays !== undefined ? { noncurrentDays: lifecycle.noncurrentExpirationDays } : undefined,
        });
    }
    rules.push({
        id: "abort-incomplete-multipart-uploads",
        status: "Enabled",
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: lifecycle.abortIncompleteMultipartUploadDays },
    });
    return rules;
}
