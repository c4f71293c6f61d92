import contentDisposition from "content-disposition";

/**
 * `attachment` with the client's file name, per RFC 6266 §4.3 and RFC 8187: an ASCII `filename=` quoted-string for
 * user agents that do not read `filename*` (every character outside printable ASCII becomes `_`, and `%`, which some
 * agents would decode, too), and, whenever that differs from the name, `filename*=UTF-8''…` with everything outside
 * RFC 8187's attr-char percent-encoded (so also `' ( ) *`, which encodeURIComponent leaves). The quoting and the
 * encoding are the `content-disposition` package's (jshttp, what Express uses).
 */
export function attachment(name: string): string {
    // Never throws, never an empty `filename*=UTF-8''` (a strict parser refuses it): a name that is not valid Unicode
    // (an unpaired surrogate, which encodeURIComponent throws on) has it replaced, and an empty one is "download".
    const wellFormed = name.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
    const fallback = asciiFallback(wellFormed);
    return contentDisposition(wellFormed === "" ? fallback : wellFormed, { type: "attachment", fallback });
}

export function asciiFallback(name: string): string {
    // NFKD splits "é" into "e" and a combining accent, which is then dropped with the rest of what is not ASCII.
    const fallback = name
        .normalize("NFKD")
        .replace(/[\u0300-\u036f]/g, "")
        .replace(/[^\x20-\x7e]|%/g, "_");
    return fallback === "" ? "download" : fallback;
}
