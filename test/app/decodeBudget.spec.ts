import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadConfig } from "../../app/src/config";
import { cgroupMemoryLimit, DecodeBudget, decodeBudgetBytes, estimateDecodeBytes, PIXEL_LIMIT, refusal } from "../../app/src/archive/decodeBudget";

const MiB = 1024 * 1024;

const made: string[] = [];

/** A fake /proc/self and cgroup mounts under a temporary directory. */
function fakeProc(cgroup: string, mountinfo: (root: string) => string, files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cgroup-spec-"));
    made.push(root);
    fs.mkdirSync(path.join(root, "proc"));
    fs.writeFileSync(path.join(root, "proc", "cgroup"), cgroup);
    fs.writeFileSync(path.join(root, "proc", "mountinfo"), mountinfo(root));
    for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        fs.writeFileSync(path.join(root, file), text);
    }
    return root;
}

describe("app: the decode budget (app/src/archive/decodeBudget.ts)", () => {
    after(() => made.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    describe("the task's memory limit comes from its cgroup", () => {
        it("cgroup v2: memory.max of the process's group, inside a container's namespace (group '/')", () => {
            const root = fakeProc("0::/\n", (r) => `30 25 0:26 / ${r}/sys/fs/cgroup rw - cgroup2 cgroup2 rw\n`, { "sys/fs/cgroup/memory.max": "536870912\n" });
            assert.equal(cgroupMemoryLimit(path.join(root, "proc")), 512 * MiB);
        });
        it("cgroup v2: a parent's limit binds a child whose own is 'max'", () => {
            const root = fakeProc("0::/ecs/task/app\n", (r) => `30 25 0:26 / ${r}/sys/fs/cgroup rw - cgroup2 cgroup2 rw\n`, {
                "sys/fs/cgroup/ecs/task/app/memory.max": "max\n",
                "sys/fs/cgroup/ecs/task/memory.max": "1073741824\n",
                "sys/fs/cgroup/ecs/memory.max": "max\n",
            });
            assert.equal(cgroupMemoryLimit(path.join(root, "proc")), 1024 * MiB);
        });
        it("cgroup v1: memory.limit_in_bytes of the memory controller's group; 2^63 rounded to pages means none", () => {
            const v1 = (limit: string) =>
                fakeProc("5:memory:/task\n4:cpu,cpuacct:/task\n", (r) => `35 31 0:32 / ${r}/sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n`, { "sys/fs/cgroup/memory/task/memory.limit_in_bytes": limit });
            assert.equal(cgroupMemoryLimit(path.join(v1("2147483648\n"), "proc")), 2048 * MiB);
            assert.equal(cgroupMemoryLimit(path.join(v1("9223372036854771712\n"), "proc")), undefined);
        });
        it("no cgroup file readable: undefined (TASK_MEMORY_BYTES then decides)", () => {
            assert.equal(cgroupMemoryLimit("/nonexistent-proc"), undefined);
        });
    });

    describe("estimates from the header, and refusals", () => {
        it("a 10000x10000 GIF (the review's 68 KB bomb) is never decoded: above the pixel limit", () => {
            assert.match(refusal({ format: "gif", width: 10000, height: 10000, channels: 3, depth: "uchar" }, 100_000 * MiB) ?? "", /above the 50000000 decoded at most/);
            assert.equal(PIXEL_LIMIT, 50_000_000);
        });
        it("a 16-bit interlaced 6000x6000 RGBA PNG does not fit a 512 MiB task, fits a 1 GiB one", () => {
            const png = { format: "png", width: 6000, height: 6000, channels: 4, depth: "ushort", isProgressive: true };
            // 6000 × 6000 × 4 bands × 2 bytes × 2 (decoded + one working copy) + 16 MiB
            assert.equal(estimateDecodeBytes(png), 576_000_000 + 16 * MiB);
            assert.match(refusal(png, decodeBudgetBytes(512 * MiB)) ?? "", /above this task's decode budget of 288 MiB/);
            assert.equal(refusal(png, decodeBudgetBytes(1024 * MiB)), undefined);
        });
        it("a GIF counts 4 bytes a pixel whatever its palette says; an animation's first frame only", () => {
            assert.equal(estimateDecodeBytes({ format: "gif", width: 1000, height: 1000, pageHeight: 1000, pages: 50, channels: 3, depth: "uchar" }), 8_000_000 + 16 * MiB);
        });
        it("a header without dimensions is not decoded", () => {
            assert.match(refusal({ format: "png" }, 1000 * MiB) ?? "", /no dimensions/);
        });
        it("task sizes: 512 MiB → 288 MiB budget, below ~256 MiB no decoding", () => {
            assert.equal(decodeBudgetBytes(512 * MiB), 288 * MiB);
            assert.equal(decodeBudgetBytes(250 * MiB), 0);
        });
    });

    it("admits decodes only while their estimates fit together", async () => {
        const budget = new DecodeBudget(100);
        let running = 0;
        let most = 0;
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const decode = (wait: Promise<void>) => async () => {
            running++;
            most = Math.max(most, running);
            await wait;
            running--;
        };
        const first = budget.run(60, decode(gate));
        const second = budget.run(60, decode(Promise.resolve()));
        await new Promise((r) => setImmediate(r));
        assert.equal(running, 1, "the second waits: 60 + 60 > 100");
        release();
        await Promise.all([first, second]);
        assert.equal(most, 1);
        await assert.rejects(budget.run(101, async () => undefined), /can never fit/);
    });

    it("TASK_MEMORY_BYTES and SHUTDOWN_DEADLINE_SECONDS are validated, naming the variable", () => {
        const base = { BUCKET: "a-bucket", AWS_REGION: "eu-west-1", QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/work", DEAD_LETTER_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/work-dlq" };
        assert.throws(() => loadConfig({ ...base, TASK_MEMORY_BYTES: "1000", SHUTDOWN_DEADLINE_SECONDS: "55" }), (e: Error) => /TASK_MEMORY_BYTES: is "1000"/.test(e.message) && /SHUTDOWN_DEADLINE_SECONDS: is "55"; expected .*below the task definition's stopTimeout of 60/.test(e.message));
        assert.equal(loadConfig(base).shutdownDeadlineSeconds, 50);
        assert.equal(loadConfig(base).taskMemoryBytes, 512 * MiB);
    });
});
