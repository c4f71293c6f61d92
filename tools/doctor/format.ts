/** The doctor's two output formats. */
import type { CheckResult } from "./checks";

export interface DoctorReport {
    readonly stack: string;
    readonly checks: readonly CheckResult[];
}

/** One line per check: `ok  <check>: <what was seen>` or `PROBLEM  <check>: <what> — fix: <how>`. */
export function formatText(report: DoctorReport): string {
    return report.checks.map((c) => (c.ok ? `ok  ${c.id}: ${c.detail}` : `PROBLEM  ${c.id}: ${c.detail} — fix: ${c.fix}`)).join("\n") + "\n";
}

export function formatJson(report: DoctorReport): string {
    return JSON.stringify({ stack: report.stack, checks: report.checks.map(({ id, ok, detail, fix }) => ({ id, ok, detail, fix })) }, null, 2) + "\n";
}
