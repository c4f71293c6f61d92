import { createHash } from "crypto";
import { promises as fsp } from "fs";
import * as path from "path";
import sharp from "sharp";
import { decodeBudget, estimateDecodeBytes, ImageHeader, PIXEL_LIMIT, refusal } from "./decodeBudget";
import { countFrames, MAX_FRAMES } from "./frames";
import { metaJson } from "../store/metaSchema";
import { ItemMeta, META, META_QUEUED_MODE, ORIGINAL, THUMBNAIL, writeFileAtomic, writeFileDurable } from "../store/store";

// file-type is ESM-only; Node >= 20.19 loads it with require(), which is what this compiles to.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fileType = require("file-type") as { fileTypeFromBuffer(b: Uint8Array): Promise<{ mime: string; ext: string } | undefined> };

/** Bytes file-type needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;

/** The content type of the bytes themselves, whatever the client claimed. */
export async function sniff(head: Uint8Array): Promise<string | undefined> {
    return (await fileType.fileTypeFromBuffer(head))?.mime;
}

export const THUMBNAIL_WIDTH = 256;
/** The types a thumbnail is made of, each with its format's name in libvips (sharp's `metadata().format`). */
const RESIZABLE = new Map([
    ["image/png", "png"],
    ["image/jpeg", "jpeg"],
    ["image/webp", "webp"],
    ["image/gif", "gif"],
]);

// Nothing decoded is kept for reuse (libvips' operation cache holds decoded images and their buffers), and each
// decode runs on one libvips thread: the decode budget (decodeBudget.ts) is what bounds memory, not luck.
// https://sharp.pixelplumbing.com/api-utility#cache ("Gets or, when options are provided, sets the limits of libvips' operation cache.")
// https://sharp.pixelplumbing.com/api-utility#concurrency ("Gets or, when a concurrency is provided, sets the maximum number of threads libvips should use to process each image.")
sharp.cache(false);
sharp.concurrency(1);

export class ProcessingError extends Error {
    override name = "ProcessingError";
}

/**
 * Checks the stored bytes against the allowlist again and, for images, writes a thumbnail beside the
 * original. Idempotent: a task that takes over a half-processed item simply runs it again. Throws
 * ProcessingError for a file that must be quarantined.
 */
export async function processItem(itemDir: string, meta: ItemMeta, allowedTypes: readonly string[], thumbnailKey: string): Promise<ItemMeta> {
    const original = path.join(itemDir, ORIGINAL);
    const fh = await fsp.open(original, "r");
    let head: Buffer;
    try {
        const buf = Buffer.alloc(SNIFF_BYTES);
        const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
        head = buf.subarray(0, bytesRead);
    } finally {
        await fh.close();
    }
    const type = await sniff(head);
    if (type === undefined || !allowedTypes.includes(type)) {
        throw new ProcessingError(`content type ${type ?? "unknown"} is not in ALLOWED_TYPES (${allowedTypes.join(", ")})`);
    }
    let thumbnail: ItemMeta["thumbnail"];
    let noThumbnail: string | undefined;
    if (RESIZABLE.has(type)) {
        const made = await thumbnailOf(original, type);
        if (typeof made === "string") {
            noThumbnail = made;
        } else {
            await writeFileDurable(path.join(itemDir, THUMBNAIL), made);
            thumbnail = { key: thumbnailKey, size: made.length, sha256: createHash("sha256").update(made).digest("hex"), contentType: "image/webp" };
        }
    }
    const processed: ItemMeta = { ...meta, contentType: type, processed: true, thumbnail, noThumbnail };
    // Nothing learnt that meta.json does not already say (no thumbnail, nor a reason for none, and the type ingest
    // sniffed from the same bytes): it is not replaced. The replacement cost eight round trips on EFS (create, write,
    // fsync, setattr, close, rename: a third of an archived PDF's) and bought only a sniff of 4 KiB the next time:
    // an item whose original went (archived, its removal cut short) still says unprocessed, and processing it finds
    // the original missing and has S3 confirm the object instead (archiveItem.ts), as every version since c16b659 does.
    if (type === meta.contentType && thumbnail === undefined && noThumbnail === undefined) return processed;
    // Atomic, not durable: lost in a crash, the item is processed again. The thumbnail it names was made durable first.
    // Processed only from its message: the replacement keeps the work queue's mark (store.ts META_QUEUED_MODE).
    await writeFileAtomic(path.join(itemDir, META), metaJson(processed), META_QUEUED_MODE);
    return processed;
}

/**
 * The thumbnail's bytes, or why there is none: the header is read first (no pixel decoded), the decode's memory
 * estimated from it, and the decode admitted through the task's decode budget. An image that cannot fit the budget
 * alone is not decoded. An image that fails to decode is a ProcessingError (quarantined).
 */
async function thumbnailOf(original: string, type: string): Promise<Buffer | string> {
    // Before libvips reads the header: an animation's header costs per frame (frames.ts).
    const format = RESIZABLE.get(type);
    if (format === "gif" || format === "webp") {
        const frames = await countFrames(original, format);
        if (frames > MAX_FRAMES) return `not decoded: the animation has more than ${MAX_FRAMES} frames (or 4 GIF extensions a frame), which libvips would have to scan`;
    }
    let header: ImageHeader;
    try {
        header = await sharp(original, { failOn: "error", limitInputPixels: false }).metadata();
    } catch (e) {
        throw new ProcessingError(`cannot decode ${type} image: its header is unreadable: ${e instanceof Error ? e.message : String(e)}`);
    }
    const budget = decodeBudget();
    const refused = refusal(header, budget.bytes);
    if (refused !== undefined) return `not decoded: ${refused}`;
    try {
        return await budget.run(estimateDecodeBytes(header), () =>
            sharp(original, { failOn: "error", limitInputPixels: PIXEL_LIMIT, pages: 1 })
                .rotate()
                .resize({ width: THUMBNAIL_WIDTH, height: THUMBNAIL_WIDTH, fit: "inside", withoutEnlargement: true })
                .webp({ quality: 80 })
                .toBuffer(),
        );
    } catch (e) {
        throw new ProcessingError(`cannot decode ${type} image: ${e instanceof Error ? e.message : String(e)}`);
    }
}
