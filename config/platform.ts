/**
 * Issue 22's config keys: where tasks run and what the file system keeps. `cpuArchitecture` (ARM64 unless said),
 * `capacityProviders` ({ web?, worker?, drain? } strategies, and allowWebOnSpot, the web tier's opt-in to Spot), `exec` ({ enabled, logging? }),
 * `efsTransitionToArchiveDays` and `efsReplication` ({ region, kmsKeyArn? }). Each is read into its component's
 * argument shape and left undefined when the stack does not set it, so that the components' defaults apply; the
 * components' validators report the problems, renamed to the config keys here.
 */
import { ArchiveTransitionDays, CapacityProviderStrategy, CpuArchitecture, ExecSettings, FileSystemReplication, Problem } from "../components";

/** Where each tier runs, as the stack says it; undefined fields keep the components' defaults. */
export interface PlacementSettings {
    readonly cpuArchitecture?: CpuArchitecture;
    readonly web?: CapacityProviderStrategy;
    readonly allowWebOnSpot?: boolean;
    readonly worker?: CapacityProviderStrategy;
    readonly drain?: CapacityProviderStrategy;
    readonly exec?: ExecSettings;
}

const TIERS = ["web", "worker", "drain"] as const;

/**
 * `capacityProviders`: a map of tier → strategy, plus `allowWebOnSpot` (the web tier's named opt-in to FARGATE_SPOT);
 * each strategy is checked by the service that runs it.
 */
export function parseCapacityProviders(raw: Record<string, unknown> | undefined, problems: Problem[]): Pick<PlacementSettings, "web" | "allowWebOnSpot" | "worker" | "drain"> {
    if (raw === undefined) {
        return {};
    }
    for (const key of Object.keys(raw)) {
        if (!(TIERS as readonly string[]).includes(key) && key !== "allowWebOnSpot") {
            problems.push({ property: `capacityProviders.${key}`, reason: `is not a tier; use ${TIERS.join(", ")}, each a list of { capacityProvider: FARGATE | FARGATE_SPOT, base?, weight? }, or allowWebOnSpot` });
        }
    }
    return {
        web: raw.web as CapacityProviderStrategy | undefined,
        ...(raw.allowWebOnSpot === undefined ? {} : { allowWebOnSpot: raw.allowWebOnSpot as boolean }),
        worker: raw.worker as CapacityProviderStrategy | undefined,
        drain: raw.drain as CapacityProviderStrategy | undefined,
    };
}

/** The component argument names of these settings → their config keys, for the validators' problems. */
export const PLACEMENT_KEYS: Readonly<Record<string, string>> = {
    cpuArchitecture: "cpuArchitecture",
    capacityProviderStrategy: "capacityProviders.web",
    allowWebOnSpot: "capacityProviders.allowWebOnSpot",
    drainCapacityProviderStrategy: "capacityProviders.drain",
    exec: "exec",
    transitionToArchiveDays: "efsTransitionToArchiveDays",
    replication: "efsReplication",
};

/** Renames `capacityProviderStrategy[0].weight` → `capacityProviders.web[0].weight` and the like. */
export function toConfigKey(property: string, names: Readonly<Record<string, string>> = PLACEMENT_KEYS): string {
    const head = /^[A-Za-z]+/.exec(property)?.[0] ?? property;
    return names[head] ? `${names[head]}${property.slice(head.length)}` : property;
}

/** The file system's Archive tier and replica from their keys; undefined when unset. */
export function fileSystemExtras(v: { efsTransitionToArchiveDays?: number; efsReplication?: Record<string, unknown> }): {
    transitionToArchiveDays?: ArchiveTransitionDays;
    replication?: FileSystemReplication;
} {
    return {
        ...(v.efsTransitionToArchiveDays === undefined ? {} : { transitionToArchiveDays: v.efsTransitionToArchiveDays as ArchiveTransitionDays }),
        ...(v.efsReplication === undefined ? {} : { replication: v.efsReplication as unknown as FileSystemReplication }),
    };
}
