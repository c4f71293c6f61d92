/**
 * Where an archived log lives in S3: `logs/<task>/<yyyy>/<mm>/<dd>/<file>.jsonl`, dated (UTC) by the file's last
 * write. The date segment is what lets Athena find a day's logs by partition projection instead of a crawler
 * (components/logAnalytics.ts projects `task` and `dt` over exactly this template; test/program/logAnalytics.spec.ts
 * checks that the two agree). Keys archived before this layout (`logs/<task>/<file>.jsonl`) stay where they are and
 * readable as objects, but fall outside the projection: Athena does not see them.
 */

/** The archived log key template, in Athena's `storage.location.template` syntax, relative to the bucket. */
export const ARCHIVED_LOG_KEY_TEMPLATE = "logs/${task}/${dt}/";

/** The `dt` segment's format, in the Java DateTimeFormatter syntax that Athena's date projection takes. */
export const ARCHIVED_LOG_DATE_FORMAT = "yyyy/MM/dd";

/** The key an archived log file of `task`, last written at `lastWrite`, is stored under. */
export function archivedLogKey(task: string, file: string, lastWrite: Date): string {
    const iso = lastWrite.toISOString();
    const dt = `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
    return ARCHIVED_LOG_KEY_TEMPLATE.replace("${task}", task).replace("${dt}", dt) + file;
}
