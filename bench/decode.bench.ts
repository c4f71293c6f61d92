/**
 * `npm run bench -- decode`: the real peak memory of decoding each kind of image bomb into a thumbnail the way the app
 * does (app/src/archive/process.ts: sharp's cache off, one libvips thread, the first frame, rotate + resize + WebP), each in a
 * fresh process, next to the estimate the decode budget admits it by (app/src/archive/decodeBudget.ts) and whether a task of
 * each size would decode it at all. Prints one JSON line per image and per task size.
 * The estimate must stay above the measured peak: that is what makes the budget a bound and not a guess.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import sharp from "sharp";
import { decodeBudgetBytes, estimateDecodeBytes, refusal } from "../app/src/archive/decodeBudget";
import { countFrames, MAX_FRAMES } from "../app/src/archive/frames";
import { imageBombs } from "../test/support/imageBombs";

// The peak is the kernel's high-water mark of this process's resident set (VmHWM), reset after sharp is loaded:
// getrusage's maxRSS would not do, since Linux keeps it across execve and it starts at the forking parent's peak.
// https://docs.kernel.org/filesystems/proc.html ("To reset the peak resident set size (\"high water mark\") to the
// process's current value: > echo 5 > /proc/PID/clear_refs")
const CHILD = `
const fs = require("fs");
const sharp = require("sharp");
sharp.cache(false);
sharp.concurrency(1);
const hwm = () => Number(/^VmHWM:\\s+(\\d+) kB$/m.exec(fs.readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
(async () => {
    await sharp({ create: { width: 8, height: 8, channels: 3, background: "#000" } }).webp().toBuffer();
    const baseline = process.memoryUsage().rss;
    fs.writeFileSync("/proc/self/clear_refs", "5");
    await sharp(process.argv[1], { failOn: "error", limitInputPixels: false, pages: 1 })
        .rotate()
        .resize({ width: 256, height: 256, fit: "inside", withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
    process.stdout.write(JSON.stringify({ baseline, peakAboveBaseline: hwm() - baseline }));
})();
`;

const MiB = 1024 * 1024;
const TASK_SIZES_MIB = [512, 1024, 2048, 4096];

(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "decode-bench-"));
    try {
        for (const bomb of await imageBombs()) {
            const file = path.join(dir, bomb.name);
            fs.writeFileSync(file, bomb.data);
            // What the app never lets libvips open (an animation past MAX_FRAMES, frames.ts) is not opened here either:
            // its header read alone is the bomb (minutes of CPU for the WebP).
            const format = /\.(gif|webp)$/.exec(bomb.name)?.[1] as "gif" | "webp" | undefined;
            const frames = format ? await countFrames(file, format) : undefined;
            if (frames !== undefined && frames > MAX_FRAMES) {
                console.log(JSON.stringify({ bench: "decode", image: bomb.name, fileBytes: bomb.data.length, notOpened: `more than ${MAX_FRAMES} frames` }));
                continue;
            }
            const header = await sharp(file, { limitInputPixels: false }).metadata();
            const run = spawnSync(process.execPath, ["-e", CHILD, file], { encoding: "utf8", cwd: path.join(__dirname, "..") });
            const measured = run.status === 0 ? (JSON.parse(run.stdout) as { baseline: number; peakAboveBaseline: number }) : undefined;
            const estimate = estimateDecodeBytes(header);
            const decodedBy = Object.fromEntries(TASK_SIZES_MIB.map((m) => [`${m}MiB`, refusal(header, decodeBudgetBytes(m * MiB)) === undefined]));
            console.log(
                JSON.stringify({
                    bench: "decode",
                    image: bomb.name,
                    fileBytes: bomb.data.length,
                    header: { format: header.format, width: header.width, height: header.height, channels: header.channels, depth: header.depth, interlaced: header.isProgressive, pages: header.pages },
                    baselineMiB: measured ? +(measured.baseline / MiB).toFixed(1) : undefined,
                    measuredPeakMiB: measured ? +(measured.peakAboveBaseline / MiB).toFixed(1) : `decode failed: ${run.stderr.slice(0, 200)}`,
                    estimateMiB: +(estimate / MiB).toFixed(1),
                    estimateCoversPeak: measured ? estimate >= measured.peakAboveBaseline : undefined,
                    decodedBy,
                }),
            );
        }
        for (const m of TASK_SIZES_MIB) console.log(JSON.stringify({ bench: "decode", taskMiB: m, decodeBudgetMiB: decodeBudgetBytes(m * MiB) / MiB }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
})();
