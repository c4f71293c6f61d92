/**
 * The stack's log-analytics keys: `logAnalytics` (on or off), `logQueryDays` and `athenaBytesScannedCutoffMb`,
 * checked against the archive lifecycle so that Athena never projects a day whose logs are already in Glacier.
 */
import { ArchiveLifecycle, DEFAULT_ARCHIVE_LIFECYCLE, logAnalyticsDefaults, LogAnalyticsArgs, Problem, validateLogAnalyticsArgs } from "../components";
import { Values } from "./keys";

/** `logAnalytics`: whether the stack registers the archived logs for Athena, and the component's settings. */
export interface LogAnalyticsSettings extends Omit<LogAnalyticsArgs, "bucket"> {
    readonly enabled: boolean;
}

/**
 * Athena cannot read objects in S3 Glacier Flexible Retrieval or Deep Archive (a query over them fails), so the
 * days the table projects must end before the first such transition.
 * https://docs.aws.amazon.com/athena/latest/ug/querying-glacier.html
 */
const UNREADABLE_BY_ATHENA = ["GLACIER", "DEEP_ARCHIVE"];

export function parseLogAnalytics(v: Values, lifecycle: ArchiveLifecycle | undefined, problems: Problem[]): LogAnalyticsSettings {
    const settings: LogAnalyticsSettings = {
        enabled: v.logAnalytics ?? false,
        logQueryDays: v.logQueryDays,
        bytesScannedCutoffPerQuery: v.athenaBytesScannedCutoffMb === undefined ? undefined : v.athenaBytesScannedCutoffMb * 1024 * 1024,
    };
    if (!settings.enabled) {
        return settings;
    }
    problems.push(...validateLogAnalyticsArgs(settings).map((p) => ({ ...p, property: p.property === "bytesScannedCutoffPerQuery" ? "athenaBytesScannedCutoffMb" : p.property })));
    const { logQueryDays } = logAnalyticsDefaults(settings);
    const frozen = (lifecycle ?? DEFAULT_ARCHIVE_LIFECYCLE).transitions.filter((t) => UNREADABLE_BY_ATHENA.includes(t.storageClass)).map((t) => t.days);
    const firstFrozen = frozen.length > 0 ? Math.min(...frozen) : undefined;
    if (firstFrozen !== undefined && logQueryDays > firstFrozen) {
        problems.push({
            property: "logQueryDays",
            reason:
                `is ${logQueryDays} days, but archiveLifecycle.transitions moves objects to Glacier after ${firstFrozen} days, where Athena cannot ` +
                `read them; set logQueryDays to at most ${firstFrozen}, or move the archiveLifecycle transition later`,
        });
    }
    return settings;
}
