/**
 * The one place the program specs get their mocks from: the program runs under the mocks of `tools/stackRun.ts`
 * (ids `${name}-id`, inputs echoed with computed ARNs and names, data sources stubbed by token), and these helpers
 * find the recorded child resources by type.
 */
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockRecord, recordStack, RecordedCall, RecordedResource, RecordStackOptions, registrationsSettled, StackRun, UNKNOWN } from "../tools/stackRun";

export { MockRecord, recordStack, RecordedCall, RecordedResource, registrationsSettled, StackRun, UNKNOWN };

/**
 * A certificate that is not a placeholder, for running prod as an update: `Pulumi.prod.yaml` ships an example ARN,
 * which `pulumi up` (and so the program under mocks with `preview: false`) refuses, as it should.
 */
export const PROD_UPDATE_OVERRIDES: Readonly<Record<string, string>> = {
    "fargate-efs-s3:certificateArn": "arn:aws:acm:us-east-1:210987654321:certificate/8f3c1a52-6b0e-4d2f-9c7a-1e5b2d4f6a80",
};

/**
 * The program's mocks for a component built on its own in a spec (an update unless `preview`): returns the record
 * of what it registers and calls; await {@link registrationsSettled} before reading it.
 */
export function useMocks(opts: { stack?: string; preview?: boolean } = {}): Promise<MockRecord> {
    return installMocks({ stack: opts.stack ?? "components", preview: opts.preview });
}

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
