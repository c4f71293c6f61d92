/**
 * The request target, taken exactly as the client sent it. Routing is on this raw path, never on a normalised one:
 * the public load balancer matches the raw path too (case-sensitive, no decoding, the query left out), so a path the
 * app would resolve differently from the load balancer (`/uploads/../status`, `/uploads/%2e%2e/metrics`,
 * `/uploads\..\status`) must not reach any route. The app's paths are made of letters, digits, `-` and `/` only
 * (upload ids are UUIDs), so anything else is refused before routing: dots, percent-encoding, backslashes.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-elasticloadbalancingv2-listenerrule-pathpatternconfig.html
 * ("The comparison is case sensitive. … The path pattern is compared only to the path of the URL, not to its query string.")
 */
export type RequestPath = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

const PLAIN_PATH = /^\/[A-Za-z0-9_\-/]*$/;

export function requestPath(target: string | undefined): RequestPath {
    const raw = target ?? "";
    // Origin-form only (RFC 9112 §3.2.1): an absolute-form or asterisk-form target is not something a browser or
    // the load balancer sends here.
    if (!raw.startsWith("/")) return { ok: false, reason: `the request target ${JSON.stringify(raw.slice(0, 200))} is not a path starting with '/'` };
    const query = raw.indexOf("?");
    const path = query < 0 ? raw : raw.slice(0, query);
    if (!PLAIN_PATH.test(path)) {
        return {
            ok: false,
            reason: `the path ${JSON.stringify(path.slice(0, 200))} has characters no route here uses: paths are letters, digits, '-', '_' and '/' only (no dot segments, percent-encoding or backslashes)`,
        };
    }
    return { ok: true, path };
}
