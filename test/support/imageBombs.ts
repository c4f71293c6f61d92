import sharp from "sharp";
import { crc32 } from "zlib";

/**
 * Images that are small on disk and large once decoded, generated on the spot (nothing large is committed): the
 * kinds an upload can carry for each format the app decodes. `decoded` ones fit a 512 MiB task's decode budget and
 * must get a thumbnail; the others must not be decoded there at all.
 */
export interface Bomb {
    readonly name: string;
    readonly data: Buffer;
    /** Whether a 512 MiB task decodes it (its estimate fits the budget). */
    readonly decodedAt512MiB: boolean;
    /** Refused at upload with 415: its sniffed type is not in the default ALLOWED_TYPES (APNG sniffs as image/apng). */
    readonly refusedAtUpload?: boolean;
}

const solid = (width: number, height: number, channels: 3 | 4) => sharp({ create: { width, height, channels, background: { r: 200, g: 40, b: 90, alpha: 1 } }, limitInputPixels: false });

/** An APNG: a PNG with an animation control chunk and one more frame, built from two PNGs of the same size. */
async function apng(width: number, height: number): Promise<Buffer> {
    const png = await solid(width, height, 4).png({ compressionLevel: 9 }).toBuffer();
    const chunks: { type: string; data: Buffer }[] = [];
    for (let at = 8; at < png.length; ) {
        const length = png.readUInt32BE(at);
        chunks.push({ type: png.toString("latin1", at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
        at += 12 + length;
    }
    const chunk = (type: string, data: Buffer) => {
        const head = Buffer.alloc(8);
        head.writeUInt32BE(data.length, 0);
        head.write(type, 4, "latin1");
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
        return Buffer.concat([head, data, crc]);
    };
    const fctl = (seq: number) => {
        const b = Buffer.alloc(26);
        b.writeUInt32BE(seq, 0);
        b.writeUInt32BE(width, 4);
        b.writeUInt32BE(height, 8);
        b.writeUInt16BE(1, 20); // delay 1/10 s
        b.writeUInt16BE(10, 22);
        return chunk("fcTL", b);
    };
    const idat = Buffer.concat(chunks.filter((c) => c.type === "IDAT").map((c) => c.data));
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(2, 0); // frames
    const out: Buffer[] = [png.subarray(0, 8)];
    for (const c of chunks) {
        if (c.type === "IDAT") continue;
        if (c.type === "IEND") {
            out.push(chunk("acTL", actl), fctl(0), chunk("IDAT", idat), fctl(1));
            const seq = Buffer.alloc(4);
            seq.writeUInt32BE(2);
            out.push(chunk("fdAT", Buffer.concat([seq, idat])));
        }
        out.push(chunk(c.type, c.data));
    }
    return Buffer.concat(out);
}

/**
 * A GIF of `frames` 1×1 frames (23 bytes each: a graphic control extension, an image descriptor and one pixel of LZW
 * data), built byte by byte: small on disk per frame, and every frame is a record in libnsgif's scan.
 */
export function manyFrameGif(frames: number): Buffer {
    const screen = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
    const frame = Buffer.from([0x21, 0xf9, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00]);
    return Buffer.concat([screen, Buffer.alloc(frame.length * frames).fill(frame), Buffer.from([0x3b])]);
}

/** An animated WebP of `frames` 1×1 frames: sharp's two-frame animation with its frame chunk (ANMF) repeated. */
export async function manyFrameWebp(frames: number): Promise<Buffer> {
    const two = await Promise.all([0, 1].map((i) => sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 100 * i, g: 0, b: 0 } } }).png().toBuffer()));
    const webp = await sharp(two, { join: { animated: true } }).webp({ lossless: true }).toBuffer();
    const chunks: { type: string; bytes: Buffer }[] = [];
    for (let at = 12; at < webp.length; ) {
        const size = webp.readUInt32LE(at + 4);
        chunks.push({ type: webp.toString("latin1", at, at + 4), bytes: webp.subarray(at, at + 8 + size + (size & 1)) });
        at += 8 + size + (size & 1);
    }
    const frame = chunks.find((c) => c.type === "ANMF")!.bytes;
    const body = Buffer.concat([...chunks.filter((c) => c.type !== "ANMF").map((c) => c.bytes), Buffer.alloc(frame.length * frames).fill(frame)]);
    const riff = Buffer.alloc(12);
    riff.write("RIFF", 0, "latin1");
    riff.writeUInt32LE(body.length + 4, 4);
    riff.write("WEBP", 8, "latin1");
    return Buffer.concat([riff, body]);
}

export async function imageBombs(): Promise<Bomb[]> {
    // Frames of different colours: identical frames would be merged into one by the GIF encoder.
    const frames = await Promise.all([0, 1, 2].map((i) => sharp({ create: { width: 3000, height: 3000, channels: 3, background: { r: 60 * i, g: 90, b: 200 } } }).png().toBuffer()));
    return [
        // The review's GIF: 10000x10000 of one colour, 100 M pixels (above the pixel limit).
        { name: "gif-10000.gif", data: await solid(10000, 10000, 3).gif({ effort: 1 }).toBuffer(), decodedAt512MiB: false },
        { name: "gif-animated-3000.gif", data: await sharp(frames, { join: { animated: true } }).gif({ effort: 1 }).toBuffer(), decodedAt512MiB: true },
        // The review's PNG: 16-bit and interlaced, decoded whole.
        { name: "png16-interlaced-6000.png", data: await solid(6000, 6000, 4).toColourspace("rgb16").png({ progressive: true, compressionLevel: 9 }).toBuffer(), decodedAt512MiB: false },
        { name: "png16-interlaced-2500.png", data: await solid(2500, 2500, 4).toColourspace("rgb16").png({ progressive: true, compressionLevel: 9 }).toBuffer(), decodedAt512MiB: true },
        { name: "apng-4000.png", data: await apng(4000, 4000), decodedAt512MiB: false, refusedAtUpload: true },
        { name: "jpeg-progressive-8000x6000.jpg", data: await solid(8000, 6000, 3).jpeg({ progressive: true, quality: 50 }).toBuffer(), decodedAt512MiB: false },
        { name: "jpeg-progressive-4000x3000.jpg", data: await solid(4000, 3000, 3).jpeg({ progressive: true, quality: 50 }).toBuffer(), decodedAt512MiB: true },
        { name: "webp-7000.webp", data: await solid(7000, 7000, 3).webp({ quality: 10, effort: 0 }).toBuffer(), decodedAt512MiB: false },
        { name: "webp-4000.webp", data: await solid(4000, 4000, 3).webp({ quality: 10, effort: 0 }).toBuffer(), decodedAt512MiB: true },
        // Animations whose header is the bomb (frames.ts): 2 million GIF frames (46 MB) cost libnsgif's scan ~250 MiB;
        // the WebP's 300,000 frames (14 MB) cost libwebp's header read hours of CPU. Neither is opened by libvips.
        { name: "gif-2000000-frames.gif", data: manyFrameGif(2_000_000), decodedAt512MiB: false },
        { name: "webp-300000-frames.webp", data: await manyFrameWebp(300_000), decodedAt512MiB: false },
    ];
}
