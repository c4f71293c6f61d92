/**
 * Where a tier's tasks run: its CPU architecture and its Fargate capacity provider strategy. Pure data, defaults and
 * validation; the services and the drain schedule render them.
 */
import { Problem } from "./validation";

/** The CPU a task runs on; the image must be built for it (`linux/arm64` or `linux/amd64`). */
export type CpuArchitecture =
    /** AWS Graviton: about 20% less per vCPU-hour and GB-hour than x86 on the Fargate price page, on demand and on Spot. */
    | "ARM64"
    /** Intel/AMD x86-64. */
    | "X86_64";
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ["ARM64", "X86_64"];
/**
 * The architecture of every tier, on FARGATE and FARGATE_SPOT alike, unless the stack says otherwise. "FARGATE_SPOT
 * supports Linux tasks with the X86_64 architecture on platform version 1.3.0 or later. FARGATE_SPOT supports Linux
 * tasks with the ARM64 architecture on platform version 1.4.0 or later."
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html (the same sentence is
 * in botocore's ecs 2014-11-13 service model); every service and RunTask here pins platform version 1.4.0.
 */
export const DEFAULT_CPU_ARCHITECTURE: CpuArchitecture = "ARM64";

/** The Docker platform an image is built for, for a task definition's `cpuArchitecture`. */
export function dockerPlatform(architecture: CpuArchitecture): "linux/arm64" | "linux/amd64" {
    return architecture === "ARM64" ? "linux/arm64" : "linux/amd64";
}

/** The two Fargate capacity providers: every account has them, a cluster has to be associated with them. */
export type FargateCapacityProvider =
    /** On-demand Fargate. */
    | "FARGATE"
    /** Spare capacity at a discount, interrupted with a two-minute warning (a SIGTERM); ARM64 on platform 1.4.0+. */
    | "FARGATE_SPOT";
export const FARGATE_CAPACITY_PROVIDERS: readonly FargateCapacityProvider[] = ["FARGATE", "FARGATE_SPOT"];

/** One entry of a capacity provider strategy, as ECS takes it. */
export interface CapacityProviderItem {
    readonly capacityProvider: FargateCapacityProvider;
    /** Tasks placed on this provider before any weight applies, 0 to 100,000; at most one entry may set it. Defaults to 0. */
    readonly base?: number;
    /** Share of the tasks beyond the bases, 0 to 1,000. Defaults to 0 (ECS's own default). */
    readonly weight?: number;
}
export type CapacityProviderStrategy = readonly CapacityProviderItem[];

/** The web tier: on-demand only. Its tasks answer the load balancer, and a Spot interruption would drop requests. */
export const WEB_CAPACITY: CapacityProviderStrategy = [{ capacityProvider: "FARGATE", weight: 1 }];
/**
 * The worker: one on-demand task always (archiving never stops when Spot capacity is short), every further task on
 * Spot. Its claims are leased and exactly-once across task deaths, so an interruption loses nothing.
 */
export const WORKER_CAPACITY: CapacityProviderStrategy = [
    { capacityProvider: "FARGATE", base: 1, weight: 0 },
    { capacityProvider: "FARGATE_SPOT", weight: 1 },
];
/** The scheduled drain: on-demand, so that the hourly safety net runs even when Spot capacity is short. */
export const DRAIN_CAPACITY: CapacityProviderStrategy = [{ capacityProvider: "FARGATE", weight: 1 }];

export function usesSpot(strategy: CapacityProviderStrategy): boolean {
    return strategy.some((item) => item.capacityProvider === "FARGATE_SPOT" && (item.weight ?? 0) + (item.base ?? 0) > 0);
}

/**
 * Pure validation of a strategy against what the ECS API accepts: Fargate providers only, each at most once, at most
 * one base, base 0 to 100,000, weight 0 to 1,000, and some weight above zero (ECS refuses a strategy whose weights
 * are all zero). https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
 */
export function validateCapacityStrategy(strategy: unknown): Problem[] {
    if (!Array.isArray(strategy) || strategy.length === 0) {
        return [{ property: "", reason: `must be a non-empty list of { capacityProvider: FARGATE | FARGATE_SPOT, base?, weight? }; got ${JSON.stringify(strategy)}` }];
    }
    const problems: Problem[] = [];
    const seen = new Set<string>();
    strategy.forEach((item: Record<string, unknown>, i) => {
        const at = `[${i}]`;
        if (!item || typeof item !== "object") {
            problems.push({ property: at, reason: `must be { capacityProvider, base?, weight? }; got ${JSON.stringify(item)}` });
            return;
        }
        for (const key of Object.keys(item)) {
            if (!["capacityProvider", "base", "weight"].includes(key)) {
                problems.push({ property: `${at}.${key}`, reason: "is not a field of a capacity provider strategy item; use capacityProvider, base, weight" });
            }
        }
        const provider = item.capacityProvider;
        if (!FARGATE_CAPACITY_PROVIDERS.includes(provider as FargateCapacityProvider)) {
            problems.push({ property: `${at}.capacityProvider`, reason: `must be FARGATE or FARGATE_SPOT (the cluster has no other provider); got ${JSON.stringify(provider)}` });
        } else if (seen.has(provider as string)) {
            problems.push({ property: `${at}.capacityProvider`, reason: `${provider} appears more than once; ECS takes each provider once per strategy` });
        }
        seen.add(String(provider));
        const whole = (field: "base" | "weight", max: number) => {
            const v = item[field];
            if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max)) {
                problems.push({ property: `${at}.${field}`, reason: `must be a whole number from 0 to ${max}; got ${JSON.stringify(v)}` });
            }
        };
        whole("base", 100_000);
        whole("weight", 1_000);
    });
    const items = strategy as CapacityProviderItem[];
    if (items.filter((i) => (i?.base ?? 0) > 0).length > 1) {
        problems.push({ property: "", reason: "only one capacity provider in a strategy can have a base; keep the base on FARGATE" });
    }
    if (problems.length === 0 && !items.some((i) => (i.weight ?? 0) > 0)) {
        problems.push({ property: "", reason: "needs a weight above 0 on at least one provider, or ECS refuses the strategy" });
    }
    return problems;
}

/** The strategy as the ECS service resource takes it (`capacityProviderStrategies`). */
export function serviceStrategy(strategy: CapacityProviderStrategy) {
    return strategy.map((i) => ({ capacityProvider: i.capacityProvider, base: i.base ?? 0, weight: i.weight ?? 0 }));
}

/** The strategy as the RunTask API takes it (the drain schedule's universal target passes the request as is). */
export function runTaskStrategy(strategy: CapacityProviderStrategy) {
    return strategy.map((i) => ({ CapacityProvider: i.capacityProvider, Base: i.base ?? 0, Weight: i.weight ?? 0 }));
}

/**
 * How ECS spreads `tasks` over a strategy: the provider with a base gets up to that many first, and the rest go by
 * weight ("After the base value is satisfied, the weight value is used", ECS developer guide, capacity provider
 * strategies). Returns the share on FARGATE_SPOT (a whole-task count, rounded as the weights allow).
 */
export function spotTaskCount(strategy: CapacityProviderStrategy, tasks: number): number {
    const withBase = strategy.find((i) => (i.base ?? 0) > 0);
    const baseTasks = Math.min(tasks, withBase?.base ?? 0);
    const rest = tasks - baseTasks;
    const total = strategy.reduce((sum, i) => sum + (i.weight ?? 0), 0);
    const spot = strategy.filter((i) => i.capacityProvider === "FARGATE_SPOT");
    const spotWeight = spot.reduce((sum, i) => sum + (i.weight ?? 0), 0);
    const spotBase = withBase?.capacityProvider === "FARGATE_SPOT" ? baseTasks : 0;
    return spotBase + (total > 0 ? Math.round((rest * spotWeight) / total) : 0);
}
