/**
 * Processing (app/src/archive/process.ts) writes meta.json anew only when it learnt something to keep (issue 23: the
 * replacement was a third of an archived PDF's round trips on EFS); what happens to an item whose original went
 * after S3 confirmed it, processed or not, is archive.spec's "original was already removed" case.
 */
import { strict as assert } from "assert";
import { promises as fsp } from "fs";
import * as os from "os";
import * as path from "path";
import { processItem } from "../../app/src/archive/process";
import { ItemMeta, META, META_QUEUED_MODE, ORIGINAL, THUMBNAIL } from "../../app/src/store/store";
import { pdf, sha256 } from "./helpers";

const sharp = require(require.resolve("sharp", { paths: [path.join(__dirname, "..", "..", "app")] }));

describe("app: processing an item", () => {
    let dir: string;
    beforeEach(async () => (dir = await fsp.mkdtemp(path.join(os.tmpdir(), "process-"))));
    afterEach(() => fsp.rm(dir, { recursive: true, force: true }));

    async function item(bytes: Buffer, name: string, contentType: string): Promise<ItemMeta> {
        const meta: ItemMeta = { id: "x", kind: "upload", name, size: bytes.length, sha256: sha256(bytes), contentType, key: `uploads/x/${name}`, receivedAt: new Date().toISOString() };
        await fsp.writeFile(path.join(dir, ORIGINAL), bytes);
        await fsp.writeFile(path.join(dir, META), JSON.stringify(meta), { mode: META_QUEUED_MODE });
        return meta;
    }

    it("a PDF (nothing to add: no thumbnail, the type ingest sniffed) leaves meta.json as ingest wrote it, marked, not replaced", async () => {
        const meta = await item(pdf(5000), "a.pdf", "application/pdf");
        const before = await fsp.stat(path.join(dir, META));
        const processed = await processItem(dir, meta, ["application/pdf"], "uploads/x/thumbnails/a.pdf.webp");
        assert.equal(processed.processed, true);
        assert.equal(processed.thumbnail, undefined);
        const after = await fsp.stat(path.join(dir, META));
        assert.equal(after.ino, before.ino, "the same file: not replaced");
        assert.equal(after.mode & 0o777, META_QUEUED_MODE);
        assert.deepEqual((await fsp.readdir(dir)).sort(), [META, ORIGINAL]);
    });

    it("an image gets its thumbnail, and meta.json is replaced to name it (processed, still marked)", async () => {
        const png: Buffer = await sharp({ create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 10, b: 10 } } }).png().toBuffer();
        const meta = await item(png, "p.png", "image/png");
        const before = await fsp.stat(path.join(dir, META));
        await processItem(dir, meta, ["image/png"], "uploads/x/thumbnails/p.png.webp");
        const after = await fsp.stat(path.join(dir, META));
        assert.notEqual(after.ino, before.ino, "replaced");
        assert.equal(after.mode & 0o777, META_QUEUED_MODE);
        const stored = JSON.parse(await fsp.readFile(path.join(dir, META), "utf8")) as ItemMeta;
        assert.equal(stored.processed, true);
        assert.equal(stored.thumbnail?.key, "uploads/x/thumbnails/p.png.webp");
        assert.ok((await fsp.stat(path.join(dir, THUMBNAIL))).size > 0);
    });
});
