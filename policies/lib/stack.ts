/**
 * Joins resources of a stack the way a preview allows: by property dependencies (URNs), which
 * are known before anything exists, and — for resources that already exist, whose IDs are known —
 * by the referring property's value equal to the target's ID (or another identifying output).
 */
import { PolicyResource } from "@pulumi/policy";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getSpecialProxyTarget } = require("@pulumi/policy/proxy") as { getSpecialProxyTarget: string };

import { Plain, PlainObject, isUnknown, plainObject } from "./values";

/** One resource of the stack, with its properties already copied out of the unknown-checking proxy. */
export interface StackNode {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: PlainObject;
    /** URNs that `property`'s value came from. */
    deps(property: string): string[];
}

/** One index per AnalyzeStack request, shared by its stack policies (see {@link StackIndex.of}). */
const perRequest = new WeakMap<object, StackIndex>();

/**
 * What identifies one AnalyzeStack request across its policies: the decoded properties of its first resource. The
 * server hands every stack policy new resource objects, but with decodeOnce (lib/decodeOnce.ts) their `props` proxy
 * one decoded object per resource and request, which the proxy gives back for @pulumi/policy's own
 * `getSpecialProxyTarget` key. Without decodeOnce each policy sees new objects, and nothing is shared.
 */
function requestKey(resources: readonly PolicyResource[]): object | undefined {
    const props = resources[0]?.props as Record<string, unknown> | undefined;
    const target = props?.[getSpecialProxyTarget];
    return target !== null && typeof target === "object" ? target : undefined;
}

export class StackIndex {
    /**
     * The index of `resources`, shared by every stack policy of the same request: each policy building its own
     * meant one scan of the stack and one copy of each resource's properties per policy (at 10,000 resources and
     * fifteen stack policies, more CPU than @pulumi/policy's own decoding; bench/policy.bench.ts). The index is
     * read-only, so sharing it cannot change a verdict.
     */
    static of(resources: PolicyResource[]): StackIndex {
        const key = requestKey(resources);
        if (key === undefined) {
            return new StackIndex(resources);
        }
        const known = perRequest.get(key);
        if (known && known.size === resources.length && known.firstUrn === resources[0].urn) {
            return known;
        }
        const index = new StackIndex(resources);
        perRequest.set(key, index);
        return index;
    }

    private readonly size: number;
    private readonly firstUrn: string | undefined;
    private readonly byType = new Map<string, PolicyResource[]>();
    private readonly byUrn = new Map<string, PolicyResource>();
    private readonly nodes = new Map<string, StackNode>();
    private readonly typed = new Map<string, StackNode[]>();
    /** (types, property) → target URN → the resources whose property depends on it. */
    private readonly reverse = new Map<string, Map<string, StackNode[]>>();
    /** (types, properties) → string value → the resources of those types with that value in one of the properties. */
    private readonly byValue = new Map<string, Map<string, StackNode[]>>();
    /** (types) → resource → its position in `ofType(types)`, to keep results in stack order. */
    private readonly positions = new Map<string, Map<StackNode, number>>();

    constructor(resources: PolicyResource[]) {
        this.size = resources.length;
        this.firstUrn = resources[0]?.urn;
        for (const r of resources) {
            this.byUrn.set(r.urn, r);
            const list = this.byType.get(r.type);
            if (list) {
                list.push(r);
            } else {
                this.byType.set(r.type, [r]);
            }
        }
    }

    private node(r: PolicyResource): StackNode {
        let n = this.nodes.get(r.urn);
        if (!n) {
            const props = plainObject(r.props);
            const deps = r.propertyDependencies;
            n = {
                urn: r.urn,
                type: r.type,
                name: r.name,
                props,
                deps: (property: string) => (deps[property] ?? []).map((d) => d.urn),
            };
            this.nodes.set(r.urn, n);
        }
        return n;
    }

    /** The resources of any of `types`. */
    ofType(...types: string[]): StackNode[] {
        const key = types.join("|");
        let nodes = this.typed.get(key);
        if (!nodes) {
            nodes = types.flatMap((t) => (this.byType.get(t) ?? []).map((r) => this.node(r)));
            this.typed.set(key, nodes);
        }
        return nodes;
    }

    /** The resource with this URN, if it is in the stack. */
    get(urn: string): StackNode | undefined {
        const r = this.byUrn.get(urn);
        return r ? this.node(r) : undefined;
    }

    /** The resource type of this URN, if it is in the stack. */
    typeOf(urn: string): string | undefined {
        return this.byUrn.get(urn)?.type;
    }

    /**
     * The resources of `types` that `property` of `from` refers to: through its property
     * dependencies, and through known values equal to a target's `keys` outputs (IDs of resources
     * that already exist). `unresolved` lists the known values that match no resource in the stack
     * (none when dependency targets whose own IDs are not known can account for them).
     */
    referencedBy(from: StackNode, property: string, types: string[], keys: string[] = ["id"]): { targets: StackNode[]; unresolved: string[] } {
        const targets = new Map<string, StackNode>();
        for (const urn of from.deps(property)) {
            const t = this.get(urn);
            if (t && types.includes(t.type)) {
                targets.set(t.urn, t);
            }
        }
        const raw = from.props[property];
        const values = Array.isArray(raw) ? raw : [raw];
        const byKey = this.withValues(types, keys);
        const unmatched: string[] = [];
        for (const v of values) {
            if (typeof v !== "string") {
                continue;
            }
            const match = byKey.get(v) ?? [];
            if (match.length === 0) {
                unmatched.push(v);
            }
            for (const m of match) {
                targets.set(m.urn, m);
            }
        }
        // A dependency target whose IDs are not known may be what a known value names; each unknown
        // value already accounts for one such target. Known values beyond that match nothing here.
        const unidentified = [...targets.values()].filter((t) => !keys.some((k) => typeof t.props[k] === "string")).length;
        const unknownValues = values.filter(isUnknown).length;
        const unresolved = unmatched.length > Math.max(0, unidentified - unknownValues) ? unmatched : [];
        return { targets: [...targets.values()], unresolved };
    }

    /** The resources of `types` whose `property` refers to `target` (by property dependency or by a known value equal to one of its `keys`). */
    referrers(target: StackNode, types: string[], property: string, keys: string[] = ["id"]): StackNode[] {
        const key = `${types.join("|")}#${property}`;
        let byTarget = this.reverse.get(key);
        if (!byTarget) {
            byTarget = new Map();
            for (const r of this.ofType(...types)) {
                for (const urn of r.deps(property)) {
                    const list = byTarget.get(urn);
                    if (list) {
                        list.push(r);
                    } else {
                        byTarget.set(urn, [r]);
                    }
                }
            }
            this.reverse.set(key, byTarget);
        }
        const found = new Set(byTarget.get(target.urn) ?? []);
        const ids = keys.map((k) => target.props[k]).filter((v): v is string => typeof v === "string" && v !== "");
        if (ids.length > 0) {
            const byProperty = this.withValues(types, [property]);
            const position = this.positionsIn(types);
            const matches = new Set(ids.flatMap((id) => byProperty.get(id) ?? []));
            for (const r of [...matches].sort((a, b) => position.get(a)! - position.get(b)!)) {
                found.add(r);
            }
        }
        return [...found];
    }

    /** The resources of `types` by each string value of their `keys` properties, in stack order. */
    private withValues(types: string[], keys: string[]): Map<string, StackNode[]> {
        const key = `${types.join("|")}#${keys.join("|")}`;
        let index = this.byValue.get(key);
        if (!index) {
            index = new Map();
            for (const node of this.ofType(...types)) {
                const values = new Set<Plain | undefined>(keys.map((k) => node.props[k]));
                for (const v of values) {
                    if (typeof v === "string") {
                        const list = index.get(v);
                        if (list) {
                            list.push(node);
                        } else {
                            index.set(v, [node]);
                        }
                    }
                }
            }
            this.byValue.set(key, index);
        }
        return index;
    }

    private positionsIn(types: string[]): Map<StackNode, number> {
        const key = types.join("|");
        let position = this.positions.get(key);
        if (!position) {
            position = new Map(this.ofType(...types).map((n, i) => [n, i]));
            this.positions.set(key, position);
        }
        return position;
    }
}
