/**
 * ElasticMQ (https://github.com/softwaremill/elasticmq), an SQS-compatible server on the JVM, for benchmarks that must
 * measure the app rather than the queue server (bench/fleet.bench.ts). moto, which serves SQS to the specs
 * (test/support/sqsQueues.ts), is a correct but slow queue under a fleet's load: moto 5.2.5's
 * `SQSBackend.receive_message` rebuilds `queue.messages` (every message, visible or not) and deep-copies each message
 * it returns, `delete_message` and `change_message_visibility` scan every message for the receipt handle, all in one
 * Python process under the GIL, so each call costs O(messages in the queue) and the calls of sixteen consumers queue
 * behind each other (bench/efs/README.md, "Fleet" gives the per-call figures measured on this machine).
 *
 * Installed on first use, from Maven Central through the ordinary client (`mvn dependency:build-classpath` of
 * `org.elasticmq:elasticmq-server_2.13`, into ~/.m2 and a classpath file under the cache below), and run as
 * `java -cp <classpath> org.elasticmq.server.Main` on 127.0.0.1 with the config written here. Needs `java` (17+) and
 * `mvn` on PATH; {@link elasticMqUnavailable} says what is missing. Not used by `npm test`.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { freePort, S3Server, stopChild } from "../../test/support/s3server";

/** Pinned: the version measured in bench/efs/README.md. */
export const ELASTICMQ_VERSION = "1.6.14";
const CACHE = path.join(os.homedir(), ".cache", "fargate-efs-s3", `elasticmq-${ELASTICMQ_VERSION}`);
const CLASSPATH_FILE = path.join(CACHE, "classpath.txt");

function onPath(cmd: string, args: string[]): boolean {
    return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

/** Why ElasticMQ cannot run here, or undefined. */
export function elasticMqUnavailable(): string | undefined {
    if (fs.existsSync(CLASSPATH_FILE) && onPath("java", ["-version"])) return undefined;
    if (!onPath("java", ["-version"])) return "no java on PATH (ElasticMQ runs on a JVM, 17 or later)";
    if (!onPath("mvn", ["-v"])) return "no mvn on PATH (ElasticMQ installs from Maven Central with it on first use)";
    return undefined;
}

/** Resolves ElasticMQ's server and its dependencies from Maven Central once; returns the classpath. */
export function ensureElasticMq(): string {
    if (!fs.existsSync(CLASSPATH_FILE)) {
        fs.mkdirSync(CACHE, { recursive: true });
        fs.writeFileSync(
            path.join(CACHE, "pom.xml"),
            `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.fargate-efs-s3</groupId><artifactId>elasticmq-runner</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.elasticmq</groupId><artifactId>elasticmq-server_2.13</artifactId><version>${ELASTICMQ_VERSION}</version></dependency>
  </dependencies>
</project>
`,
        );
        const tmp = `${CLASSPATH_FILE}.tmp`;
        // Maven's output goes to stderr: a bench's stdout carries only its JSON lines (ARCHITECTURE.md).
        execFileSync("mvn", ["-q", "-B", "-Dstyle.color=never", "dependency:build-classpath", `-Dmdep.outputFile=${tmp}`], { cwd: CACHE, stdio: ["ignore", 2, 2] });
        // Renamed into place only once complete, so that an interrupted install is redone rather than half-used.
        fs.renameSync(tmp, CLASSPATH_FILE);
    }
    const classpath = fs.readFileSync(CLASSPATH_FILE, "utf8").trim();
    const missing = classpath.split(path.delimiter).filter((jar) => !fs.existsSync(jar));
    if (missing.length > 0) {
        fs.rmSync(CLASSPATH_FILE);
        throw new Error(`ElasticMQ's classpath names jars that are gone (${missing[0]} …): removed ${CLASSPATH_FILE}; run again to resolve it anew`);
    }
    return classpath;
}

/** Starts ElasticMQ on 127.0.0.1 (a free port) and resolves once it answers SQS's JSON protocol. */
export async function startElasticMq(): Promise<S3Server> {
    const classpath = ensureElasticMq();
    const port = await freePort();
    const conf = path.join(os.tmpdir(), `elasticmq-${process.pid}-${port}.conf`);
    // node-address is what queue URLs are built from; strict limits are SQS's own (10 per batch, 20 s long poll …).
    fs.writeFileSync(
        conf,
        `include classpath("application.conf")
node-address { protocol = http, host = "127.0.0.1", port = ${port}, context-path = "" }
rest-sqs { enabled = true, bind-port = ${port}, bind-hostname = "127.0.0.1", sqs-limits = strict }
rest-stats { enabled = false }
`,
    );
    const logFile = path.join(os.tmpdir(), `elasticmq-${process.pid}-${port}.log`);
    const logFd = fs.openSync(logFile, "w");
    const child: ChildProcess = spawn("java", [`-Dconfig.file=${conf}`, "-cp", classpath, "org.elasticmq.server.Main"], { stdio: ["ignore", logFd, logFd] });
    fs.closeSync(logFd);
    // A JVM outlives its parent: the bench's exit (process.exit after an error included) takes it along.
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    child.once("exit", () => {
        process.off("exit", killOnExit);
        fs.rmSync(logFile, { force: true });
        fs.rmSync(conf, { force: true });
    });
    const tail = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").slice(-4000) : "");
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`ElasticMQ exited with ${child.exitCode}: ${tail()}`);
        try {
            const r = await fetch(endpoint, {
                method: "POST",
                headers: { "X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0" },
                body: "{}",
                signal: AbortSignal.timeout(1000),
            });
            await r.arrayBuffer();
            if (r.ok) break;
        } catch {
            // not listening yet
        }
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error(`ElasticMQ did not answer on ${endpoint} within 60 s: ${tail()}`);
        }
        // The pace of polling for the condition (it answers), not a wait for time: the deadline above is the bound.
        await new Promise((r) => setTimeout(r, 200));
    }
    return { endpoint, port, child, stop: () => stopChild(child) };
}
