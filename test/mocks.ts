/**
 * The one place the program specs get their mocks from: the program runs under the mocks of `tools/stackRun.ts`
 * (ids `${name}-id`, inputs echoed with computed ARNs and names, data sources stubbed by token), and these helpers
 * find the recorded child resources by type.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { recordStack, RecordedResource, RecordStackOptions, StackRun, UNKNOWN } from "../tools/stackRun";

export { recordStack, RecordedResource, StackRun, UNKNOWN };

/** Runs a stack once per spec file and caches it: the program is deterministic for a given config. */
const cache = new Map<string, Promise<StackRun>>();
export function stackRun(opts: RecordStackOptions): Promise<StackRun> {
    const key = JSON.stringify(opts);
    if (!cache.has(key)) {
        cache.set(key, recordStack(opts));
    }
    return cache.get(key)!;
}

/** Every recorded resource of a type token. */
export function allOfType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

/** The one recorded resource of a type token (fails the spec if there are none or several). */
export function oneOfType(run: StackRun, type: string, name?: string): RecordedResource {
    const found = allOfType(run, type).filter((r) => name === undefined || r.name === name);
    assert.strictEqual(found.length, 1, `expected exactly one ${type}${name ? ` named ${name}` : ""}, found ${found.map((r) => r.name).join(", ") || "none"}`);
    return found[0];
}

/** Parses a JSON-string input (policies, container definitions). */
export function json<T = any>(value: unknown): T {
    assert.strictEqual(typeof value, "string", `expected a JSON string, got ${JSON.stringify(value)}`);
    return JSON.parse(value as string) as T;
}

/** The URNs a resource's input property came from. */
export function deps(r: RecordedResource, property: string): string[] {
    return r.propertyDependencies[property] ?? [];
}

/** Awaits an output's value in a test (never `done` inside `apply`). */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}
