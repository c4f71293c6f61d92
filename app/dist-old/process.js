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
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.ProcessingError = exports.THUMBNAIL_WIDTH = exports.SNIFF_BYTES = void 0;
exports.sniff = sniff;
exports.processItem = processItem;
const crypto_1 = require("crypto");
const fs_1 = require("fs");
const path = __importStar(require("path"));
const sharp_1 = __importDefault(require("sharp"));
const store_1 = require("./store");
// file-type is ESM-only; Node >= 20.19 loads it with require(), which is what this compiles to.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fileType = require("file-type");
/** Bytes file-type needs to recognise every format it knows. */
exports.SNIFF_BYTES = 4100;
/** The content type of the bytes themselves, whatever the client claimed. */
async function sniff(head) {
    return (await fileType.fileTypeFromBuffer(head))?.mime;
}
exports.THUMBNAIL_WIDTH = 256;
const RESIZABLE = new Set(["image/png", "image/jpeg", "image/webp", "image/gif"]);
class ProcessingError extends Error {
    name = "ProcessingError";
}
exports.ProcessingError = ProcessingError;
/**
 * Checks the stored bytes against the allowlist again and, for images, writes a thumbnail beside the
 * original. Idempotent: a task that takes over a half-processed item simply runs it again. Throws
 * ProcessingError for a file that must be quarantined.
 */
async function processItem(itemDir, meta, allowedTypes, thumbnailKey) {
    const original = path.join(itemDir, store_1.ORIGINAL);
    const fh = await fs_1.promises.open(original, "r");
    let head;
    try {
        const buf = Buffer.alloc(exports.SNIFF_BYTES);
        const { bytesRead } = await fh.read(buf, 0, exports.SNIFF_BYTES, 0);
        head = buf.subarray(0, bytesRead);
    }
    finally {
        await fh.close();
    }
    const type = await sniff(head);
    if (type === undefined || !allowedTypes.includes(type)) {
        throw new ProcessingError(`content type ${type ?? "unknown"} is not in ALLOWED_TYPES (${allowedTypes.join(", ")})`);
    }
    let thumbnail;
    if (RESIZABLE.has(type)) {
        let data;
        try {
            data = await (0, sharp_1.default)(original, { failOn: "error", limitInputPixels: 100_000_000 })
                .rotate()
                .resize({ width: exports.THUMBNAIL_WIDTH, height: exports.THUMBNAIL_WIDTH, fit: "inside", withoutEnlargement: true })
                .webp({ quality: 80 })
                .toBuffer();
        }
        catch (e) {
            throw new ProcessingError(`cannot decode ${type} image: ${e instanceof Error ? e.message : String(e)}`);
        }
        await (0, store_1.writeFileDurable)(path.join(itemDir, store_1.THUMBNAIL), data);
        thumbnail = { key: thumbnailKey, size: data.length, sha256: (0, crypto_1.createHash)("sha256").update(data).digest("hex"), contentType: "image/webp" };
    }
    const processed = { ...meta, contentType: type, processed: true, thumbnail };
    // Atomic, not durable: lost in a crash, the item is processed again. The thumbnail it names was made durable first.
    await (0, store_1.writeFileAtomic)(path.join(itemDir, store_1.META), JSON.stringify(processed));
    return processed;
}
//# sourceMappingURL=process.js.map