import * as pulumi from "@pulumi/pulumi";

/** One thing wrong with a component's arguments or the stack config: where, and what is allowed instead. */
export interface Problem {
    /** The argument path (`lifecycle.transitions[1].days`) or config key (`fargate-efs-s3:azCount`). */
    readonly property: string;
    /** What is wrong and what is allowed, phrased so that the fix is obvious. */
    readonly reason: string;
}

/**
 * Throws one error that names every problem, so that a user fixes them all in one round instead of one per
 * `pulumi up`. The engine pretty-prints `InputPropertiesError`; the message alone reads well too.
 */
export function throwIfProblems(what: string, problems: readonly Problem[]): void {
    if (problems.length === 0) {
        return;
    }
    const lines = problems.map((p) => `  - ${p.property}: ${p.reason}`).join("\n");
    throw new pulumi.InputPropertiesError({
        message: `${what} has ${problems.length} invalid setting${problems.length === 1 ? "" : "s"}:\n${lines}`,
        errors: problems.map((p) => ({ propertyPath: p.property, reason: p.reason })),
    });
}

/** Prefixes each problem's property with `prefix` (a config key or a parent argument). */
export function within(prefix: string, problems: readonly Problem[]): Problem[] {
    return problems.map((p) => ({
        property: p.property.startsWith("[") ? `${prefix}${p.property}` : `${prefix}.${p.property}`,
        reason: p.reason,
    }));
}
