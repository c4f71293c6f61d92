import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import sharp from "sharp";
import { countFrames, MAX_FRAMES } from "../../app/src/archive/frames";
import { manyFrameGif, manyFrameWebp } from "../support/imageBombs";

/**
 * An animation's frames are counted from its structure before libvips opens it (issue 17: memory bounded by design;
 * the header of a GIF or WebP costs per frame): exact for ordinary files, stopping just past MAX_FRAMES for hostile ones.
 */
describe("app: animation frames counted before libvips reads a header (app/src/archive/frames.ts)", function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frames-spec-"));
    const write = (name: string, data: Buffer) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, data);
        return file;
    };
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("counts the frames of GIFs and WebPs that sharp wrote, as sharp's own header read does", async () => {
        const frames = await Promise.all([0, 1, 2, 3, 4].map((i) => sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 50 * i, g: 20, b: 90, alpha: 1 } } }).png().toBuffer()));
        const gif = write("five.gif", await sharp(frames, { join: { animated: true } }).gif().toBuffer());
        const webp = write("five.webp", await sharp(frames, { join: { animated: true } }).webp().toBuffer());
        const still = write("still.webp", await sharp(frames[0]).webp().toBuffer());
        const stillGif = write("still.gif", await sharp(frames[0]).gif().toBuffer());
        assert.equal((await sharp(gif).metadata()).pages, 5);
        assert.equal(await countFrames(gif, "gif"), 5);
        assert.equal(await countFrames(webp, "webp"), 5);
        assert.equal(await countFrames(stillGif, "gif"), 1);
        assert.equal(await countFrames(still, "webp"), 0, "a still WebP has no frame chunk");
    });

    it("counts a GIF of 1x1 frames exactly, and stops just past the limit on one of 2 million", async () => {
        assert.equal(await countFrames(write("small.gif", manyFrameGif(1234)), "gif"), 1234);
        assert.equal(await countFrames(write("huge.gif", manyFrameGif(2_000_000)), "gif"), MAX_FRAMES + 1);
    });

    it("stops just past the limit on an animated WebP of 300,000 frames", async () => {
        assert.equal(await countFrames(write("huge.webp", await manyFrameWebp(300_000)), "webp"), MAX_FRAMES + 1);
    });

    it("a GIF of empty extensions only counts as past the limit; a truncated one counts what it had", async () => {
        const screen = manyFrameGif(0).subarray(0, 19);
        const empty = Buffer.alloc(3 * 4 * (MAX_FRAMES + 1)).fill(Buffer.from([0x21, 0xfe, 0x00]));
        assert.equal(await countFrames(write("comments.gif", Buffer.concat([screen, empty, Buffer.from([0x3b])])), "gif"), MAX_FRAMES + 1);
        const truncated = manyFrameGif(10);
        assert.equal(await countFrames(write("truncated.gif", truncated.subarray(0, truncated.length - 30)), "gif"), 9);
    });
});
