/** Counters of this task, exposed in Prometheus text format by GET /metrics. */
export class Metrics {
    archivedFiles = 0;
    archivedBytes = 0;
    failures = 0;
    claims = 0;
    uploadsAccepted = 0;
    uploadsRejected = 0;

    render(backlog: { files: number; bytes: number }, quarantined: number, s3Reachable: boolean): string {
        const lines: string[] = [];
        const metric = (name: string, type: "gauge" | "counter", help: string, value: number) => {
            lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
        };
        metric("app_backlog_files", "gauge", "Files on EFS waiting to be archived (all tasks).", backlog.files);
        metric("app_backlog_bytes", "gauge", "Bytes on EFS waiting to be archived (all tasks).", backlog.bytes);
        metric("app_quarantined_files", "gauge", "Items in quarantine (all tasks).", quarantined);
        metric("app_s3_reachable", "gauge", "Whether the bucket answered a listing of the archive prefix within the probe timeout (1) or not (0).", s3Reachable ? 1 : 0);
        metric("app_archived_files_total", "counter", "Files archived to S3 and removed from EFS by this task.", this.archivedFiles);
        metric("app_archived_bytes_total", "counter", "Bytes archived to S3 by this task.", this.archivedBytes);
        metric("app_archive_failures_total", "counter", "Failed archive attempts (retried or quarantined) in this task.", this.failures);
        metric("app_uploads_accepted_total", "counter", "Uploads acknowledged with 202 by this task.", this.uploadsAccepted);
        metric("app_uploads_rejected_total", "counter", "Uploads refused (4xx/503) by this task.", this.uploadsRejected);
        return lines.join("\n") + "\n";
    }
}
