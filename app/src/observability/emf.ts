/**
 * The app's figures as CloudWatch Embedded Metric Format on stdout, every METRICS_INTERVAL_SECONDS: the awslogs
 * driver already ships stdout to CloudWatch Logs, which extracts the metrics, so no agent runs beside the app.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { promises as fsp } from "fs";
import * as path from "path";
import "./emfEnvironment";
import { createMetricsLogger, Unit } from "aws-embedded-metrics";
import { Logger, errorFields } from "./log";
import { Metrics } from "./metrics";
import { APP_METRICS, APP_METRICS_DIMENSION, APP_METRICS_NAMESPACE, AppMetric } from "../contract";
import { waitingItemDirs } from "../store/claims";
import { Layout, list, ORIGINAL } from "../store/store";

type Counter = "archivedFiles" | "archivedBytes" | "failures" | "uploadsRejected" | "uploadsAccepted";
const COUNTERS: Record<Counter, AppMetric> = {
    archivedFiles: "archivedFiles",
    archivedBytes: "archivedBytes",
    failures: "archiveFailures",
    uploadsRejected: "uploadsRejected",
    uploadsAccepted: "uploadsAccepted",
};

/** Age in seconds of the oldest original waiting on EFS (incoming or claimed), 0 when none; measured once per flush. */
export async function oldestBacklogAgeSeconds(layout: Layout, now = Date.now()): Promise<number> {
    const dirs = await waitingItemDirs(layout);
    let oldest = now;
    await Promise.all(
        dirs.map(async (dir) => {
            const st = await fsp.stat(path.join(dir, ORIGINAL)).catch(() => undefined);
            if (st && st.mtimeMs < oldest) oldest = st.mtimeMs;
        }),
    );
    return Math.max(0, Math.round((now - oldest) / 1000));
}

export interface EmfArgs {
    readonly serviceName: string;
    readonly taskId: string;
    readonly intervalSeconds: number;
    readonly layout: Layout;
    /**
     * The backlog at a cost independent of its size (the lease's gauge, backlog.ts: the heartbeats, not a scan of every
     * item), refreshed for each record, since a `work` process keeps no refresh timer of its own.
     */
    readonly backlog: () => Promise<{ files: number; bytes: number }>;
    readonly metrics: Metrics;
    readonly log: Logger;
}

/** Flushes one EMF record per interval; the counters go out as the change since the previous record. */
export class EmfPublisher {
    private timer?: NodeJS.Timeout;
    private last: Record<Counter, number>;
    private inFlight?: Promise<void>;

    constructor(private readonly args: EmfArgs) {
        this.last = this.counters();
    }

    start(): void {
        if (this.args.intervalSeconds === 0) return;
        this.timer = setInterval(() => void this.publish(), this.args.intervalSeconds * 1000);
        this.timer.unref();
    }

    /** Stops the timer and writes the last interval's counts, so that a task's final work is not lost at exit. */
    async stop(): Promise<void> {
        if (this.timer === undefined) return;
        clearInterval(this.timer);
        this.timer = undefined;
        await this.inFlight;
        await this.publish();
    }

    publish(): Promise<void> {
        this.inFlight ??= this.gatherAndFlush().finally(() => (this.inFlight = undefined));
        return this.inFlight;
    }

    private counters(): Record<Counter, number> {
        const m = this.args.metrics;
        return { archivedFiles: m.archivedFiles, archivedBytes: m.archivedBytes, failures: m.failures, uploadsRejected: m.uploadsRejected, uploadsAccepted: m.uploadsAccepted };
    }

    private async gatherAndFlush(): Promise<void> {
        const { layout, log } = this.args;
        try {
            const [waiting, oldest, quarantined] = await Promise.all([this.args.backlog(), oldestBacklogAgeSeconds(layout), list(layout.quarantine)]);
            const now = this.counters();
            const logger = createMetricsLogger();
            logger.setNamespace(APP_METRICS_NAMESPACE);
            // Replaces the library's defaults (LogGroup, ServiceType): one dimension set, one metric per name per service.
            logger.setDimensions({ [APP_METRICS_DIMENSION]: this.args.serviceName });
            logger.setProperty("TaskId", this.args.taskId);
            const put = (metric: AppMetric, value: number) => logger.putMetric(APP_METRICS[metric].name, value, APP_METRICS[metric].unit as Unit);
            put("backlogFiles", waiting.files);
            put("backlogBytes", waiting.bytes);
            put("oldestBacklogAge", oldest);
            put("quarantinedFiles", quarantined.length);
            for (const [counter, metric] of Object.entries(COUNTERS) as [Counter, AppMetric][]) put(metric, now[counter] - this.last[counter]);
            this.last = now;
            await logger.flush();
        } catch (e) {
            // A slow or failing EFS scan skips one record; the next interval measures again.
            log.warn("metrics not published this interval", errorFields(e));
        }
    }
}
