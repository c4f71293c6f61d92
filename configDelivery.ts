/**
 * The stack's `cdn` key: CloudFront in front of the archive bucket for some key patterns (components/contentDelivery.ts),
 * off unless the stack turns it on.
 */
import { ContentDeliveryArgs, Problem, validateContentDeliveryArgs } from "./components";

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
