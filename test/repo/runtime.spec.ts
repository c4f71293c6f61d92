import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..", "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

// Node.js 20 reached end of life on 2026-04-30 (https://nodejs.org/en/about/previous-releases); 24 is the LTS line.
describe("runtime: one supported Node LTS everywhere", () => {
    const nvmrc = read(".nvmrc").trim();
    const major = Number(nvmrc.split(".")[0]);

    it(".nvmrc names an exact release of an even (LTS) major of at least 24", () => {
        assert.match(nvmrc, /^\d+\.\d+\.\d+$/);
        assert.ok(major >= 24 && major % 2 === 0, `.nvmrc says ${nvmrc}`);
    });

    it("the container's base image is that exact release", () => {
        const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(read("app/Dockerfile"))?.[1];
        assert.equal(image, `node:${nvmrc}-bookworm-slim`);
    });

    it("engines of the root, the app and the pack require that major", () => {
        for (const file of ["package.json", "app/package.json", "policies/package.json"]) {
            assert.equal(JSON.parse(read(file)).engines?.node, `>=${major}`, file);
        }
    });

    it("every workflow sets up Node from .nvmrc, never a version of its own", () => {
        for (const file of fs.readdirSync(path.join(ROOT, ".github", "workflows"))) {
            const text = read(path.join(".github", "workflows", file));
            assert.doesNotMatch(text, /node-version:\s*\d/, `${file} pins a Node version of its own`);
            if (text.includes("setup-node")) assert.match(text, /node-version-file: \.nvmrc/, file);
        }
    });

    it("the specs themselves run on that major", () => {
        assert.equal(Number(process.versions.node.split(".")[0]), major);
    });
});
