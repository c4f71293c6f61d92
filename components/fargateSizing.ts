import { Problem } from "./validation";

/**
 * The memory sizes (MiB) Fargate offers for each CPU size (CPU units; 1024 = 1 vCPU), platform 1.4.0 on Linux.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: range(1024, 4096, 1024),
    1024: range(2048, 8192, 1024),
    2048: range(4096, 16384, 1024),
    4096: range(8192, 30720, 1024),
    8192: range(16384, 61440, 4096),
    16384: range(32768, 122880, 8192),
};

function range(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) {
        out.push(v);
    }
    return out;
}

/** Sizing and scaling of the service; each field is checked by {@link validateServiceSizing}. */
export interface ServiceSizing {
    /** CPU units per task (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384. Defaults to 256. */
    readonly cpu?: number;
    /** MiB per task; must be a size Fargate offers for `cpu`. Defaults to 512. */
    readonly memory?: number;
    /** Tasks to start with. Defaults to `minCount`. */
    readonly desiredCount?: number;
    /** Fewest tasks autoscaling keeps. Defaults to 1. */
    readonly minCount?: number;
    /** Most tasks autoscaling starts. Defaults to 2. */
    readonly maxCount?: number;
    /** Average CPU % that target tracking holds the service at, 10 to 90. Defaults to 60. */
    readonly cpuTargetPercent?: number;
}

/** Effective sizing and scaling: the one place their defaults live. */
export function sizingDefaults(s: ServiceSizing): Required<ServiceSizing> {
    const minCount = s.minCount ?? 1;
    return { cpu: s.cpu ?? 256, memory: s.memory ?? 512, minCount, maxCount: s.maxCount ?? 2, desiredCount: s.desiredCount ?? minCount, cpuTargetPercent: s.cpuTargetPercent ?? 60 };
}

/** Pure validation of sizing and scaling; exported for tests and the stack config. */
export function validateServiceSizing(s: ServiceSizing): Problem[] {
    const problems: Problem[] = [];
    const { cpu, memory, minCount, maxCount, desiredCount: desired } = sizingDefaults(s);
    const sizes = FARGATE_SIZES[cpu];
    if (!sizes) {
        problems.push({ property: "cpu", reason: `must be one of ${Object.keys(FARGATE_SIZES).join(", ")} CPU units; got ${JSON.stringify(s.cpu)}` });
    } else if (!sizes.includes(memory)) {
        problems.push({ property: "memory", reason: `Fargate offers ${sizes[0]} to ${sizes[sizes.length - 1]} MiB in steps of ${sizes.length > 1 ? sizes[1] - sizes[0] : sizes[0]} for ${cpu} CPU units (${sizes.join(", ")}); got ${JSON.stringify(s.memory)}` });
    }
    const count = (field: "desiredCount" | "minCount" | "maxCount", value: unknown, min: number) => {
        if (value !== undefined && (typeof value !== "number" || !Number.isInteger(value) || value < min || value > 1000)) {
            problems.push({ property: field, reason: `must be a whole number from ${min} to 1000; got ${JSON.stringify(value)}` });
            return false;
        }
        return true;
    };
    const ok = [count("minCount", s.minCount, 0), count("maxCount", s.maxCount, 1), count("desiredCount", s.desiredCount, 0)].every(Boolean);
    if (ok) {
        if (minCount > maxCount) {
            problems.push({ property: "minCount", reason: `must not exceed maxCount (${maxCount}); got ${minCount}` });
        }
        if (desired > maxCount) {
            problems.push({ property: "desiredCount", reason: `must not exceed maxCount (${maxCount}); got ${desired}` });
        } else if (desired < minCount) {
            problems.push({ property: "desiredCount", reason: `must be at least minCount (${minCount}); got ${desired}` });
        }
    }
    const target = s.cpuTargetPercent;
    if (target !== undefined && (typeof target !== "number" || !(target >= 10 && target <= 90))) {
        problems.push({ property: "cpuTargetPercent", reason: `must be from 10 to 90; got ${JSON.stringify(target)}` });
    }
    return problems;
}
