"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.EmfPublisher = void 0;
exports.oldestBacklogAgeSeconds = oldestBacklogAgeSeconds;
/**
 * The app's figures as CloudWatch Embedded Metric Format on stdout, every METRICS_INTERVAL_SECONDS: the awslogs
 * driver already ships stdout to CloudWatch Logs, which extracts the metrics, so no agent runs beside the app.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
const fs_1 = require("fs");
const path = __importStar(require("path"));
require("./emfEnvironment");
const aws_embedded_metrics_1 = require("aws-embedded-metrics");
const log_1 = require("./log");
const metricNames_1 = require("./metricNames");
const store_1 = require("./store");
const COUNTERS = {
    archivedFiles: "archivedFiles",
    archivedBytes: "archivedBytes",
    failures: "archiveFailures",
    uploadsRejected: "uploadsRejected",
    uploadsAccepted: "uploadsAccepted",
};
/** Age in seconds of the oldest original waiting on EFS (incoming or claimed), 0 when none; measured once per flush. */
async function oldestBacklogAgeSeconds(layout, now = Date.now()) {
    const dirs = (await (0, store_1.list)(layout.incoming)).map((id) => path.join(layout.incoming, id));
    for (const task of await (0, store_1.list)(layout.processing)) {
        for (const id of await (0, store_1.list)(path.join(layout.processing, task)))
            dirs.push(path.join(layout.processing, task, id));
    }
    let oldest = now;
    await Promise.all(dirs.map(async (dir) => {
        const st = await fs_1.promises.stat(path.join(dir, store_1.ORIGINAL)).catch(() => undefined);
        if (st && st.mtimeMs < oldest)
            oldest = st.mtimeMs;
    }));
    return Math.max(0, Math.round((now - oldest) / 1000));
}
/** Flushes one EMF record per interval; the counters go out as the change since the previous record. */
class EmfPublisher {
    args;
    timer;
    last;
    inFlight;
    constructor(args) {
        this.args = args;
        this.last = this.counters();
    }
    start() {
        if (this.args.intervalSeconds === 0)
            return;
        this.timer = setInterval(() => void this.publish(), this.args.intervalSeconds * 1000);
        this.timer.unref();
    }
    /** Stops the timer and writes the last interval's counts, so that a task's final work is not lost at exit. */
    async stop() {
        if (this.timer === undefined)
            return;
        clearInterval(this.timer);
        this.timer = undefined;
        await this.inFlight;
        await this.publish();
    }
    publish() {
        this.inFlight ??= this.gatherAndFlush().finally(() => (this.inFlight = undefined));
        return this.inFlight;
    }
    counters() {
        const m = this.args.metrics;
        return { archivedFiles: m.archivedFiles, archivedBytes: m.archivedBytes, failures: m.failures, uploadsRejected: m.uploadsRejected, uploadsAccepted: m.uploadsAccepted };
    }
    async gatherAndFlush() {
        const { layout, log } = this.args;
        try {
            const [waiting, oldest, quarantined] = await Promise.all([this.args.backlog(), oldestBacklogAgeSeconds(layout), (0, store_1.list)(layout.quarantine)]);
            const now = this.counters();
            const logger = (0, aws_embedded_metrics_1.createMetricsLogger)();
            logger.setNamespace(metricNames_1.APP_METRICS_NAMESPACE);
            // Replaces the library's defaults (LogGroup, ServiceType): one dimension set, one metric per name per service.
            logger.setDimensions({ [metricNames_1.APP_METRICS_DIMENSION]: this.args.serviceName });
            logger.setProperty("TaskId", this.args.taskId);
            const put = (metric, value) => logger.putMetric(metricNames_1.APP_METRICS[metric].name, value, metricNames_1.APP_METRICS[metric].unit);
            put("backlogFiles", waiting.files);
            put("backlogBytes", waiting.bytes);
            put("oldestBacklogAge", oldest);
            put("quarantinedFiles", quarantined.length);
            for (const [counter, metric] of Object.entries(COUNTERS))
                put(metric, now[counter] - this.last[counter]);
            this.last = now;
            await logger.flush();
        }
        catch (e) {
            // A slow or failing EFS scan skips one record; the next interval measures again.
            log.warn("metrics not published this interval", (0, log_1.errorFields)(e));
        }
    }
}
exports.EmfPublisher = EmfPublisher;
//# sourceMappingURL=emf.js.map