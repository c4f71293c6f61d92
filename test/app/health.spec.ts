import { strict as assert } from "assert";
import * as http from "http";
import { createVersionedBucket, S3Server, startMoto } from "../support/s3server";
import { SilentServer, startSilentServer } from "../support/silentServer";
import { AppProcess, removeTempDataDirs, startApp, tempDataDir } from "./helpers";

/** The load balancer's idle timeout that this program sets (components/fargateService.ts, the load balancer's `idleTimeout: 300`). */
const ALB_IDLE_TIMEOUT_SECONDS = 300;

/** A generous bound on any one answer, to turn a hang into a failure; the assertions are on content. */
const CLIENT_BOUND_MS = 10_000;

async function getJson(url: string): Promise<{ status: number; body: any }> {
    const r = await fetch(url, { signal: AbortSignal.timeout(CLIENT_BOUND_MS), headers: { connection: "close" } });
    return { status: r.status, body: await r.json() };
}

describe("app: health, status and connection handling", function () {
    this.timeout(120_000);
    const apps: AppProcess[] = [];
    let blackHole: SilentServer;
    let s3: S3Server;

    before(async () => {
        // An S3 endpoint that accepts connections and never answers: what a black-holed route looks like.
        blackHole = await startSilentServer();
        s3 = await startMoto();
    });
    after(async () => {
        for (const a of apps) await a.stop("SIGKILL");
        blackHole?.close();
        await s3?.stop();
        removeTempDataDirs();
    });
    async function serve(env: Record<string, string>): Promise<AppProcess> {
        const a = await startApp({ DATA_DIR: tempDataDir(), BUCKET: "health-spec", ...env });
        apps.push(a);
        return a;
    }

    it("with S3 black-holed, /healthz (liveness: process and DATA_DIR only) is 200 and /status reports S3 unreachable", async () => {
        const port = blackHole.port;
        const app = await serve({ S3_ENDPOINT: `http://127.0.0.1:${port}` });

        const live = await getJson(`${app.url}/healthz`);
        assert.equal(live.status, 200, JSON.stringify(live.body));
        assert.equal(live.body.dataDir.writable, true);
        assert.ok(!JSON.stringify(live.body).includes("s3"), "liveness says nothing about S3");

        const status = await getJson(`${app.url}/status`);
        assert.equal(status.status, 503, "not ready: S3 is away");
        assert.equal(status.body.s3.reachable, false);
        assert.match(status.body.s3.error, /no answer within 1500 ms/, "S3 is reported as unreachable by the probe's own timeout");
        assert.equal(status.body.dataDir.writable, true);
        assert.deepEqual(status.body.backlog, { files: 0, bytes: 0 });
        assert.equal(status.body.lease.held, true);

        const metrics = await fetch(`${app.url}/metrics`, { signal: AbortSignal.timeout(CLIENT_BOUND_MS) }).then((r) => r.text());
        assert.match(metrics, /^app_s3_reachable 0$/m);
        assert.match(metrics, /^app_backlog_files 0$/m, "the other figures are still there");
        assert.ok(blackHole.accepted() > 0, "the app did try the black hole");
    });

    it("with S3 answering, /status and /metrics report it reachable", async () => {
        createVersionedBucket(s3.endpoint, "health-spec");
        const app = await serve({ S3_ENDPOINT: s3.endpoint });
        const status = await getJson(`${app.url}/status`);
        assert.equal(status.status, 200, JSON.stringify(status.body));
        assert.equal(status.body.s3.reachable, true);
        const metrics = await fetch(`${app.url}/metrics`).then((r) => r.text());
        assert.match(metrics, /^app_s3_reachable 1$/m);
    });

    it("keeps idle keep-alive connections longer than the ALB idle timeout, so the ALB never reuses one the task closes (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout)", async () => {
        const app = await serve({ S3_ENDPOINT: "http://127.0.0.1:9" });
        const agent = new http.Agent({ keepAlive: true });
        try {
            const header = await new Promise<string | undefined>((resolve, reject) => {
                http.get(`${app.url}/healthz`, { agent }, (res) => {
                    res.resume();
                    res.on("end", () => resolve(res.headers["keep-alive"] as string | undefined));
                }).on("error", reject);
            });
            // Node announces the server's keepAliveTimeout in every keep-alive response: `Keep-Alive: timeout=N`.
            const timeout = Number(/timeout=(\d+)/.exec(header ?? "")?.[1]);
            assert.ok(timeout > ALB_IDLE_TIMEOUT_SECONDS, `the server keeps idle connections ${header}; the ALB's idle timeout is ${ALB_IDLE_TIMEOUT_SECONDS} s`);
        } finally {
            agent.destroy();
        }
    });
});
