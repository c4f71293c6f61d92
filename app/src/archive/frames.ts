import { promises as fsp } from "fs";
import type { FileHandle } from "fs/promises";

/**
 * The most frames of an animated GIF or WebP the app lets libvips open. Reading the header of an animation costs
 * per frame, whatever `pages: 1` decodes: libnsgif keeps a record of every frame it scans (measured: a 99 MB GIF of
 * 4.3 million 1×1 frames takes `metadata()` to 473 MiB resident, 2.6 s), and reading an animated WebP's header takes
 * time quadratic in its frames (10,000 frames 0.25 s, 30,000 frames 2.6 s, 2 million frames still running after
 * 5 minutes of CPU). At 10,000 frames both stay within ~1 MiB and a fraction of a second; an animation longer
 * than that (over six minutes at 25 frames a second) gets no thumbnail, and its original is archived.
 */
export const MAX_FRAMES = 10_000;

/** Bytes read at a time: a GIF's frames are walked in order, a WebP's chunks are jumped over. */
const BLOCK_BYTES = 256 * 1024;

/** A file read in blocks, for walking a container's structure without holding it whole. */
class BlockReader {
    private buf = Buffer.alloc(0);
    private start = 0;
    constructor(private readonly fh: FileHandle) {}
    /** The byte at `pos`, or -1 past the end of the file. */
    async byteAt(pos: number): Promise<number> {
        if (!this.has(pos) && !(await this.fill(pos))) return -1;
        return this.buf[pos - this.start];
    }
    has(pos: number): boolean {
        return pos >= this.start && pos < this.start + this.buf.length;
    }
    get(pos: number): number {
        return this.buf[pos - this.start];
    }
    /** Reads the block at `pos`; false at the end of the file. */
    async fill(pos: number): Promise<boolean> {
        const buf = Buffer.allocUnsafe(BLOCK_BYTES);
        const { bytesRead } = await this.fh.read(buf, 0, BLOCK_BYTES, pos);
        this.buf = buf.subarray(0, bytesRead);
        this.start = pos;
        return bytesRead > 0;
    }
    async bytes(pos: number, n: number): Promise<Buffer | undefined> {
        if (!(this.has(pos) && this.has(pos + n - 1)) && !(await this.fill(pos))) return undefined;
        return this.buf.length - (pos - this.start) >= n ? this.buf.subarray(pos - this.start, pos - this.start + n) : undefined;
    }
}

/**
 * The frames of an animated GIF or WebP, read from its structure without decoding anything, counting at most to
 * `stopAbove + 1` (a larger animation is not read to its end; nor is a GIF of more than four extensions a frame,
 * which counts as `stopAbove + 1`). A structure that ends early counts what it had.
 * GIF: https://www.w3.org/Graphics/GIF/spec-gif89a.txt (image descriptors 0x2C, extensions 0x21, data sub-blocks,
 * trailer 0x3B). WebP: https://developers.google.com/speed/webp/docs/riff_container (ANMF chunks, one per frame).
 */
export async function countFrames(file: string, format: "gif" | "webp", stopAbove = MAX_FRAMES): Promise<number> {
    const fh = await fsp.open(file, "r");
    try {
        const r = new BlockReader(fh);
        return format === "gif" ? await gifFrames(r, stopAbove) : await webpFrames(r, stopAbove);
    } finally {
        await fh.close();
    }
}

async function gifFrames(r: BlockReader, stopAbove: number): Promise<number> {
    const screen = await r.bytes(0, 13);
    if (!screen || screen.toString("latin1", 0, 3) !== "GIF") return 0;
    let pos = 13 + colourTableBytes(screen[10]);
    let frames = 0;
    let extensions = 0;
    for (;;) {
        const block = await r.byteAt(pos);
        if (block === 0x2c) {
            if (++frames > stopAbove) return frames;
            const descriptor = await r.bytes(pos, 10);
            if (!descriptor) return frames;
            pos += 10 + colourTableBytes(descriptor[9]) + 1; // + the LZW minimum code size
        } else if (block === 0x21) {
            // Real GIFs have one or two extensions a frame; millions of empty ones cost libnsgif's scan time alone.
            if (++extensions > EXTENSIONS_PER_FRAME * stopAbove) return stopAbove + 1;
            pos += 2; // introducer and label
        } else {
            return frames; // the trailer (0x3B), the end of the file, or something no decoder reads on from
        }
        pos = await skipSubBlocks(r, pos);
        if (pos < 0) return frames;
    }
}

/** Extensions a GIF may have per frame allowed before it counts as too long an animation. */
const EXTENSIONS_PER_FRAME = 4;

/** A GIF's colour table size from its packed field (global in the screen descriptor, local in an image's). */
function colourTableBytes(packed: number): number {
    return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

/** The position after a chain of data sub-blocks (each a length byte and that many bytes, ended by 0), or -1 at EOF. */
async function skipSubBlocks(r: BlockReader, pos: number): Promise<number> {
    for (;;) {
        if (!r.has(pos) && !(await r.fill(pos))) return -1;
        // Synchronous within the block: a hostile GIF of one-byte sub-blocks has tens of millions of them.
        while (r.has(pos)) {
            const length = r.get(pos);
            if (length === 0) return pos + 1;
            pos += 1 + length;
        }
    }
}

async function webpFrames(r: BlockReader, stopAbove: number): Promise<number> {
    const riff = await r.bytes(0, 12);
    if (!riff || riff.toString("latin1", 0, 4) !== "RIFF" || riff.toString("latin1", 8, 12) !== "WEBP") return 0;
    let frames = 0;
    for (let pos = 12; ; ) {
        const header = await r.bytes(pos, 8);
        if (!header) return frames;
        const size = header.readUInt32LE(4);
        if (header.toString("latin1", 0, 4) === "ANMF" && ++frames > stopAbove) return frames;
        pos += 8 + size + (size & 1);
    }
}
