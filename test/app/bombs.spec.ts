import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import sharp from "sharp";
import { memoryCgroups } from "../../app/src/archive/decodeBudget";
import { aws, createVersionedBucket } from "../support/s3server";
import { Bomb, imageBombs } from "../support/imageBombs";
import { AppProcess, motoSuite, startApp, tempDataDir, upload, waitFor } from "./helpers";

/**
 * No task dies on a file (issue 17): two tasks of a dev task's size (512 MiB, each in its own memory cgroup, as ECS
 * puts a Fargate task in one) on one DATA_DIR take image bombs of every decoded format at once. Neither is killed,
 * every upload ends archived (with a thumbnail where it fits the budget, without one and the reason where it does
 * not), and each task found its limit in its cgroup (TASK_MEMORY_BYTES, its fallback, is set far too high here).
 */
const TASK_BYTES = 512 * 1024 * 1024;

interface MemoryCgroup {
    readonly dir: string;
    readonly v2: boolean;
    readonly procs: string;
    /** The most memory the group held, in bytes. */
    peak(): number;
    /** Times the kernel's OOM killer killed a process of the group (undefined where the kernel does not say). */
    oomKills(): number | undefined;
    remove(): void;
}

/** A child memory cgroup of this process's own, limited to `bytes`; undefined (and why) where none can be made. */
function makeMemoryCgroup(name: string, bytes: number): MemoryCgroup | string {
    const own = memoryCgroups();
    const v1 = own.find((g) => !g.v2);
    const v2 = own.find((g) => g.v2 && fs.existsSync(path.join(g.dir, "cgroup.controllers")) && fs.readFileSync(path.join(g.dir, "cgroup.subtree_control"), "utf8").includes("memory"));
    const parent = v2 ?? v1;
    if (!parent) return "no writable memory cgroup (neither a v2 group with the memory controller for its children nor a v1 memory hierarchy)";
    const dir = path.join(parent.dir, name);
    try {
        fs.mkdirSync(dir);
        if (parent.v2) {
            fs.writeFileSync(path.join(dir, "memory.max"), String(bytes));
            if (fs.existsSync(path.join(dir, "memory.swap.max"))) fs.writeFileSync(path.join(dir, "memory.swap.max"), "0");
        } else {
            fs.writeFileSync(path.join(dir, "memory.limit_in_bytes"), String(bytes));
            if (fs.existsSync(path.join(dir, "memory.memsw.limit_in_bytes"))) fs.writeFileSync(path.join(dir, "memory.memsw.limit_in_bytes"), String(bytes));
        }
    } catch (e) {
        fs.rmSync(dir, { force: true, recursive: false });
        return `cannot make a memory cgroup under ${parent.dir}: ${(e as Error).message}`;
    }
    const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
    return {
        dir,
        v2: parent.v2,
        procs: path.join(dir, "cgroup.procs"),
        peak: () => Number(read(parent.v2 ? "memory.peak" : "memory.max_usage_in_bytes").trim()),
        oomKills: () => {
            const m = /^oom_kill (\d+)$/m.exec(read(parent.v2 ? "memory.events" : "memory.oom_control"));
            return m ? Number(m[1]) : undefined;
        },
        remove: () => fs.rmdirSync(dir),
    };
}

describe("app: image bombs kill no task (two 512 MiB tasks in memory cgroups, one DATA_DIR)", function () {
    this.timeout(600_000);
    const suite = motoSuite();
    const groups: MemoryCgroup[] = [];
    const tasks: AppProcess[] = [];
    let bombs: Bomb[];
    let bucket: string;
    let skipped: string | undefined;

    before(async function () {
        for (const name of ["task-a", "task-b"]) {
            const g = makeMemoryCgroup(`bombs-spec-${process.pid}-${name}`, TASK_BYTES);
            if (typeof g === "string") {
                skipped = g;
                break;
            }
            groups.push(g);
        }
        if (skipped !== undefined) {
            console.log(`      SKIPPED: the bomb spec needs a memory cgroup it can create as root: ${skipped}`);
            this.skip();
        }
        bombs = await imageBombs();
        bucket = `bombs-spec-${process.pid}`;
        createVersionedBucket(suite.s3.endpoint, bucket);
        const dataDir = tempDataDir();
        for (const g of groups) {
            const env = { DATA_DIR: dataDir, BUCKET: bucket, S3_ENDPOINT: suite.s3.endpoint, CLAIM_LEASE_SECONDS: "10", TASK_MEMORY_BYTES: String(64 * 1024 ** 3) };
            const app = await startApp(env, "serve", g.procs);
            suite.apps.push(app);
            tasks.push(app);
        }
    });
    after(async () => {
        for (const t of tasks) await t.stop("SIGKILL");
        for (const g of groups) {
            await waitFor(`${g.dir} to empty`, () => (fs.readFileSync(g.procs, "utf8").trim() === "" ? true : undefined), 30_000).catch(() => undefined);
            try {
                g.remove();
            } catch (e) {
                console.log(`      could not remove ${g.dir}: ${(e as Error).message}`);
            }
        }
    });

    it("each task takes its memory limit from its cgroup", () => {
        for (const t of tasks) {
            const serving = t.lines().find((l) => l.msg === "serving");
            assert.equal(serving?.taskMemoryFrom, "cgroup", JSON.stringify(serving));
            assert.equal(serving?.taskMemoryBytes, TASK_BYTES);
        }
    });

    it("every bomb, uploaded to both tasks at once, ends archived; neither task dies; each says why it has no thumbnail", async () => {
        const normal = await sharp({ create: { width: 640, height: 480, channels: 3, background: "#3a6" } }).png().toBuffer();
        const sends: { bomb: Bomb | undefined; task: AppProcess; name: string; data: Buffer }[] = [];
        for (const t of tasks) {
            for (const b of bombs) sends.push({ bomb: b, task: t, name: b.name, data: b.data });
            sends.push({ bomb: undefined, task: t, name: "normal.png", data: normal });
        }
        const answered = await Promise.all(
            sends.map(async (s) => {
                const r = await upload(s.task.url, s.name, s.data);
                assert.equal(r.status, s.bomb?.refusedAtUpload ? 415 : 202, `${s.name}: ${JSON.stringify(r.body)}`);
                return { ...s, id: r.body.id as string };
            }),
        );
        const accepted = answered.filter((a) => !a.bomb?.refusedAtUpload);
        for (const a of accepted) {
            const status = await waitFor(
                `${a.name} (${a.id}) archived or quarantined`,
                async () => {
                    for (const t of tasks) assert.equal(t.child.exitCode ?? t.child.signalCode, null, `task ${t.child.pid} is alive (${t.child.signalCode ?? t.child.exitCode})`);
                    const s = (await (await fetch(`${a.task.url}/uploads/${a.id}`)).json()) as any;
                    return s.status === "archived" || s.quarantined ? s : undefined;
                },
                400_000,
                500,
            );
            assert.equal(status.status, "archived", `${a.name}: ${JSON.stringify(status)}`);
            const listed = aws(suite.s3.endpoint, ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", `uploads/${a.id}/`]);
            const keys: string[] = (listed?.Contents ?? []).map((o: { Key: string }) => o.Key);
            const hasThumbnail = keys.some((k) => k.includes("/thumbnails/"));
            const expectThumbnail = a.bomb === undefined || a.bomb.decodedAt512MiB;
            assert.equal(hasThumbnail, expectThumbnail, `${a.name}: ${keys.join(", ")}`);
            if (!expectThumbnail) {
                const head = aws(suite.s3.endpoint, ["s3api", "head-object", "--bucket", bucket, "--key", status.key]);
                assert.match(decodeURIComponent(head.Metadata?.["no-thumbnail"] ?? ""), /^not decoded: /, `${a.name} records why it has no thumbnail`);
            }
        }
        for (const t of tasks) assert.equal(t.child.exitCode ?? t.child.signalCode, null, "no task died");
        for (const g of groups) {
            assert.equal(g.oomKills() ?? 0, 0, `no OOM kill in ${g.dir}`);
            console.log(`      peak memory of ${path.basename(g.dir)}: ${(g.peak() / 1024 / 1024).toFixed(0)} MiB of ${TASK_BYTES / 1024 / 1024} MiB`);
        }
    });
});
