import { strict as assert } from "assert";
import { attachment } from "../../app/src/http/disposition";

/**
 * Content-Disposition per RFC 6266 §4.1/§4.3 and RFC 8187 §3.2: an ASCII `filename=` quoted-string for agents that
 * do not read `filename*`, and `filename*=UTF-8''<value-chars>` whose every character outside attr-char is
 * percent-encoded. The grammar is written out here, independently of the library the app uses.
 */
// RFC 8187 §3.2.1: attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const EXT_VALUE = /^UTF-8''((?:[A-Za-z0-9!#$&+\-.^_`|~]|%[0-9A-F]{2})*)$/;
// RFC 9110 §5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE, kept to printable ASCII here.
const QUOTED_ASCII = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*)"$/;

function params(header: string): Map<string, string> {
    const [type, ...rest] = header.split(/;\s*(?=[A-Za-z*]+=)/);
    assert.equal(type, "attachment");
    return new Map(rest.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)] as [string, string]));
}

describe("app: Content-Disposition has an ASCII fallback and a valid RFC 8187 filename*", () => {
    for (const name of ["it's (1)*.png", "naïve résumé.pdf", "日本語のファイル.png", 'quote"back\\slash.gif', "100% done.pdf", "plain.png", "tab\u00a0space.webp", "emoji 😀.jpg"]) {
        it(`${JSON.stringify(name)}: filename= is printable ASCII, filename* decodes to the name`, () => {
            const header = attachment(name);
            assert.ok(/^[\x20-\x7e]*$/.test(header), `the header is ASCII: ${header}`);
            const p = params(header);
            const fallback = p.get("filename");
            assert.ok(fallback !== undefined, `a filename= fallback: ${header}`);
            const quoted = QUOTED_ASCII.exec(fallback);
            assert.ok(quoted, `filename= is a quoted-string of printable ASCII: ${fallback}`);
            const unquoted = quoted[1].replace(/\\(.)/g, "$1");
            const ext = p.get("filename*");
            if (ext === undefined) {
                assert.equal(unquoted, name, "without filename*, the fallback is the name itself");
                return;
            }
            const m = EXT_VALUE.exec(ext);
            assert.ok(m, `filename* is a valid RFC 8187 ext-value (attr-char or %XX only): ${ext}`);
            assert.equal(decodeURIComponent(m[1]), name);
            assert.ok(!/%/.test(unquoted), "the fallback holds no % that an agent could decode");
        });
    }

    // A name can reach the header from meta.json (JSON can carry an unpaired surrogate) or from an S3 key.
    for (const [name, expected] of [["", "download"], ["\ud800lone.png", "\ufffdlone.png"]]) {
        it(`${JSON.stringify(name)}: the header is still valid (no throw, no empty filename*), naming ${JSON.stringify(expected)}`, () => {
            const header = attachment(name);
            const p = params(header);
            assert.ok(QUOTED_ASCII.test(p.get("filename") ?? ""), header);
            const ext = p.get("filename*");
            if (ext !== undefined) {
                const m = EXT_VALUE.exec(ext);
                assert.ok(m && m[1] !== "", `filename* is a non-empty ext-value: ${header}`);
                assert.equal(decodeURIComponent(m[1]), expected);
            } else assert.equal(p.get("filename"), `"${expected}"`);
        });
    }
});
