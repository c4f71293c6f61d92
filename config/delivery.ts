/**
 * The stack's `cdn` key: CloudFront in front of the archive bucket for some key patterns (components/contentDelivery.ts),
 * off unless the stack turns it on.
 */
import {
    ArchiveLifecycle,
    CDN_READABLE_TRANSITIONS,
    ContentDeliveryArgs,
    DEFAULT_ARCHIVE_LIFECYCLE,
    Problem,
    UNREADABLE_BY_GET_OBJECT,
    validateContentDeliveryArgs,
} from "../components";

export interface CdnSettings extends Omit<ContentDeliveryArgs, "bucket"> {
    readonly enabled: boolean;
}

const CDN_FIELDS = ["enabled", "servedPrefixes", "aliases", "certificateArn", "webAclArn", "priceClass"] as const;

/** `cdn`: a map; `enabled` must be said. A KMS-encrypted archive is refused (CloudFront cannot decrypt with a key it is not admitted to). */
export function parseCdn(raw: Record<string, unknown> | undefined, archiveKmsKeyArn: string | undefined, problems: Problem[]): CdnSettings {
    if (raw === undefined) {
        return { enabled: false };
    }
    for (const k of Object.keys(raw)) {
        if (!(CDN_FIELDS as readonly string[]).includes(k)) {
            problems.push({ property: `cdn.${k}`, reason: `is not a cdn setting; use ${CDN_FIELDS.join(", ")}` });
        }
    }
    if (typeof raw.enabled !== "boolean") {
        problems.push({ property: "cdn.enabled", reason: `must be true or false (put CloudFront in front of the archive or not); got ${JSON.stringify(raw.enabled)}` });
    }
    for (const k of ["servedPrefixes", "aliases"] as const) {
        if (raw[k] !== undefined && (!Array.isArray(raw[k]) || (raw[k] as unknown[]).some((v) => typeof v !== "string"))) {
            problems.push({ property: `cdn.${k}`, reason: `must be a list of strings; got ${JSON.stringify(raw[k])}` });
        }
    }
    const settings = { ...raw, enabled: raw.enabled === true } as CdnSettings;
    if (!settings.enabled) {
        return settings;
    }
    problems.push(...validateContentDeliveryArgs(settings).map((p) => ({ ...p, property: `cdn.${p.property}` })));
    if (archiveKmsKeyArn !== undefined) {
        problems.push({
            property: "cdn.enabled",
            reason:
                "cannot be true with archiveKmsKeyArn: CloudFront would need kms:Decrypt in that key's policy, and this program does not own " +
                "the key (it is passed in by ARN). Serve from an SSE-S3 archive (unset archiveKmsKeyArn) or turn the CDN off",
        });
    }
    return settings;
}

/**
 * The archive lifecycle once the CDN is considered. The served patterns (`uploads/*\/thumbnails/*`) live under every
 * upload's own prefix, which no lifecycle filter can single out (a filter has one key prefix, no wildcard), so the
 * current-version transitions apply to them too:
 * - CDN on, `archiveLifecycle.transitions` not set: they default to {@link CDN_READABLE_TRANSITIONS} (GLACIER_IR).
 * - CDN on, a transition to GLACIER or DEEP_ARCHIVE set: refused, naming both keys (GetObject answers
 *   InvalidObjectState there, so every CDN URL of an object older than that breaks).
 * Noncurrent versions are never served (URLs name no version) and keep their transitions.
 */
export function lifecycleServedByCdn(
    raw: Record<string, unknown> | undefined,
    lifecycle: ArchiveLifecycle | undefined,
    cdnEnabled: boolean,
    problems: Problem[],
): ArchiveLifecycle | undefined {
    if (!cdnEnabled) return lifecycle;
    if (raw?.transitions === undefined) {
        return { ...(lifecycle ?? DEFAULT_ARCHIVE_LIFECYCLE), transitions: CDN_READABLE_TRANSITIONS };
    }
    (lifecycle?.transitions ?? []).forEach((t, i) => {
        if (UNREADABLE_BY_GET_OBJECT.includes(t.storageClass)) {
            problems.push({
                property: `archiveLifecycle.transitions[${i}].storageClass`,
                reason:
                    `is ${t.storageClass} while cdn.enabled is true: the CDN would keep handing out URLs for objects that GetObject cannot read ` +
                    `(InvalidObjectState) after ${t.days} days. Use GLACIER_IR (millisecond reads), leave archiveLifecycle.transitions unset ` +
                    `(GLACIER_IR after 90 days with the CDN on), or set cdn.enabled to false`,
            });
        }
    });
    return lifecycle;
}
