import * as pulumi from "@pulumi/pulumi";
import { ArchiveBucket, KEY_PREFIX } from "./archiveBucket";
import { CapacityProviderStrategy, CPU_ARCHITECTURES, CpuArchitecture, DEFAULT_CPU_ARCHITECTURE, DRAIN_CAPACITY, usesSpot, validateCapacityStrategy, WEB_CAPACITY } from "./capacity";
import { execDefaults, ExecSettings, validateExecSettings } from "./execAccess";
import { ServiceSizing, sizingDefaults, validateServiceSizing } from "./fargateSizing";
import { SharedFileSystem } from "./sharedFileSystem";
import { Problem } from "./validation";
import { ServiceQueue } from "./workQueue";

/** Where the access point is mounted in the container; the app's `DATA_DIR`. */
export const EFS_MOUNT_PATH = "/mnt/efs";

/** Where the app archives its own rotated logs (`logs/<task>/<timestamp>.jsonl`, see app/README.md). */
export const APP_LOG_PREFIX = "logs/";

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
/** The archive bucket as the service sees it: where the app archives, and the grants on it. */
export type ServiceBucket = Pick<ArchiveBucket, "bucketName" | "grantRead" | "grantWrite">;

export interface FargateServiceArgs extends ServiceSizing {
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the load balancer (internet-facing). */
    readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Subnets of the tasks, which get no public IP. */
    readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The file system to mount at {@link EFS_MOUNT_PATH}, and which of its access points. */
    readonly fileSystem: SharedFileSystem;
    readonly accessPoint: string;
    /** Where the app archives to; the task role is granted only `archivePrefix` and the app's log prefix there. */
    readonly bucket: ServiceBucket;
    /** Key prefix of archived objects; ends with "/". Defaults to "uploads/". */
    readonly archivePrefix?: string;
    /** The work queue: the task role (and the drain's) gets both its grants, the app its URLs. */
    readonly queue: ServiceQueue;
    /** A container image URI to run. Defaults to building `app/` into a new ECR repository. */
    readonly image?: pulumi.Input<string>;
    /** Docker build context and Dockerfile used when `image` is not given. Defaults to the repository root and app/Dockerfile. */
    readonly build?: { readonly context: string; readonly dockerfile: string };
    /** The port the app listens on, 1024 to 65535 (the container does not run as root). Defaults to 8080. */
    readonly containerPort?: number;
    /** Days CloudWatch keeps the app's logs; one of {@link LOG_RETENTION_DAYS}. Defaults to 30. */
    readonly logRetentionDays?: number;
    /** More environment for the app (e.g. `MAX_UPLOAD_BYTES`); cannot override the variables the service sets. */
    readonly environment?: Readonly<Record<string, pulumi.Input<string>>>;
    /** An ACM certificate for HTTPS on 443; port 80 then only redirects. Excludes nothing; required unless `allowPlainHttp`. */
    readonly certificateArn?: pulumi.Input<string>;
    /** Explicit opt-out of TLS: serve plain HTTP on port 80 when there is no certificate. Defaults to false. */
    readonly allowPlainHttp?: boolean;
    /** Backlog files per running task that target tracking holds, beside CPU. Defaults to 5,000 (see backlogScaling.ts). */
    readonly backlogFilesPerTask?: number;
    /** Refuse to delete the load balancer. Defaults to true. */
    readonly deletionProtection?: boolean;
    /**
     * When to run one extra task with `archive --once`, which drains whatever is left on EFS (after a crash, a
     * scale-in, or while the service runs no task) to S3 and exits. An EventBridge Scheduler expression such as
     * `rate(1 hour)` or `cron(0 3 * * ? *)`, or false for none. Defaults to `rate(1 hour)`.
     */
    readonly drainSchedule?: string | false;
    /** The CPU of the web and drain tasks, on FARGATE and FARGATE_SPOT alike. Defaults to "ARM64" (Graviton). */
    readonly cpuArchitecture?: CpuArchitecture;
    /**
     * Where the web tier's tasks run. Excludes `launchType` (ECS takes one or the other). FARGATE_SPOT here needs
     * `allowWebOnSpot`. Defaults to FARGATE only.
     */
    readonly capacityProviderStrategy?: CapacityProviderStrategy;
    /**
     * The named opt-out that lets `capacityProviderStrategy` put load-balanced web tasks on FARGATE_SPOT: Spot capacity
     * can run out (ECS does not fall back to FARGATE), and every interruption drops the task's open uploads at the
     * deadline. Defaults to false.
     */
    readonly allowWebOnSpot?: boolean;
    /** Where the scheduled drain task runs. Defaults to FARGATE only. */
    readonly drainCapacityProviderStrategy?: CapacityProviderStrategy;
    /** ECS Exec on the services, with the cluster's session log. Defaults to off. */
    readonly exec?: ExecSettings;
    /** More architectures to build the image for (a worker's of another architecture). Defaults to none. */
    readonly extraImageArchitectures?: readonly CpuArchitecture[];
}

/**
 * The service's effective settings: the one place its defaults live. The stack config leaves unset keys undefined,
 * and tools that need a figure (the cost estimate) ask here.
 */
export function serviceDefaults(
    args: ServiceSizing &
        Pick<FargateServiceArgs, "archivePrefix" | "containerPort" | "logRetentionDays" | "allowPlainHttp" | "deletionProtection" | "drainSchedule" | "cpuArchitecture" | "capacityProviderStrategy" | "drainCapacityProviderStrategy" | "exec">,
) {
    const capacityProviderStrategy = args.capacityProviderStrategy ?? WEB_CAPACITY;
    return {
        cpuArchitecture: args.cpuArchitecture ?? DEFAULT_CPU_ARCHITECTURE,
        capacityProviderStrategy,
        drainCapacityProviderStrategy: args.drainCapacityProviderStrategy ?? DRAIN_CAPACITY,
        exec: execDefaults(args.exec),
        ...sizingDefaults(args),
        archivePrefix: args.archivePrefix ?? "uploads/",
        containerPort: args.containerPort ?? 8080,
        logRetentionDays: args.logRetentionDays ?? 30,
        allowPlainHttp: args.allowPlainHttp ?? false,
        deletionProtection: args.deletionProtection ?? true,
        drainSchedule: args.drainSchedule ?? ("rate(1 hour)" as string | false),
    };
}

const SCHEDULE_EXPRESSION = /^(rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)|cron\(\S+( \S+){5}\))$/;

/** Pure validation of everything else that decides what is built; exported for tests and the stack config. */
export function validateServiceArgs(args: Omit<FargateServiceArgs, "vpcId" | "publicSubnetIds" | "privateSubnetIds" | "fileSystem" | "bucket" | "queue">): Problem[] {
    const problems = validateServiceSizing(args);
    const port = args.containerPort;
    if (port !== undefined && (typeof port !== "number" || !Number.isInteger(port) || port < 1024 || port > 65535)) {
        problems.push({ property: "containerPort", reason: `must be a whole number from 1024 to 65535 (the app does not run as root); got ${JSON.stringify(port)}` });
    }
    const retention = args.logRetentionDays;
    if (retention !== undefined && !(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
        problems.push({ property: "logRetentionDays", reason: `must be one of ${LOG_RETENTION_DAYS.join(", ")} (what CloudWatch Logs accepts); got ${JSON.stringify(retention)}` });
    }
    const prefix = args.archivePrefix;
    if (prefix !== undefined && !KEY_PREFIX.test(prefix)) {
        problems.push({ property: "archivePrefix", reason: `must be a relative key prefix ending with "/", like "uploads/"; got ${JSON.stringify(prefix)}` });
    }
    if (args.certificateArn === undefined && !args.allowPlainHttp) {
        problems.push({
            property: "certificateArn",
            reason: "is required for HTTPS; give an ACM certificate ARN, or opt out explicitly with allowPlainHttp: true (plain HTTP on port 80)",
        });
    }
    const drain = args.drainSchedule;
    const rate = typeof drain === "string" ? SCHEDULE_EXPRESSION.exec(drain) : null;
    if (drain !== undefined && drain !== false && !rate) {
        problems.push({ property: "drainSchedule", reason: `must be an EventBridge Scheduler expression like "rate(1 hour)" or "cron(0 3 * * ? *)", or off; got ${JSON.stringify(drain)}` });
    } else if (rate && (rate[2] === "1") !== !rate[3].endsWith("s")) {
        // https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based: the unit is singular
        // for 1 and plural otherwise; the Scheduler API refuses anything else.
        const unit = rate[3].replace(/s$/, "");
        const fixed = `rate(${rate[2]} ${rate[2] === "1" ? unit : `${unit}s`})`;
        problems.push({ property: "drainSchedule", reason: `EventBridge Scheduler takes a singular unit only for 1 and a plural one otherwise; write "${fixed}", got ${JSON.stringify(drain)}` });
    } else if (rate && rate[3]?.startsWith("minute") && Number(rate[2]) < 5) {
        problems.push({ property: "drainSchedule", reason: `would start a task every ${rate[2]} minute(s); use 5 minutes or more (every service task already archives continuously)` });
    }
    problems.push(...validatePlacement(args));
    if (typeof args.certificateArn === "string" && !/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/.test(args.certificateArn)) {
        problems.push({ property: "certificateArn", reason: `must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>); got ${JSON.stringify(args.certificateArn)}` });
    }
    return problems;
}

/** The architecture, the capacity strategies (the web tier on Spot only with its opt-out) and ECS Exec, each checked. */
function validatePlacement(args: Pick<FargateServiceArgs, "cpuArchitecture" | "capacityProviderStrategy" | "allowWebOnSpot" | "drainCapacityProviderStrategy" | "exec">): Problem[] {
    const problems: Problem[] = [];
    if (args.cpuArchitecture !== undefined && !CPU_ARCHITECTURES.includes(args.cpuArchitecture)) {
        problems.push({ property: "cpuArchitecture", reason: `must be one of ${CPU_ARCHITECTURES.join(", ")}; got ${JSON.stringify(args.cpuArchitecture)}` });
    }
    const strategy = (property: "capacityProviderStrategy" | "drainCapacityProviderStrategy") => {
        const value = args[property];
        const found = value === undefined ? [] : validateCapacityStrategy(value);
        problems.push(...found.map((p) => ({ property: `${property}${p.property}`, reason: p.reason })));
        return found.length === 0;
    };
    const webOk = strategy("capacityProviderStrategy");
    strategy("drainCapacityProviderStrategy");
    if (args.allowWebOnSpot !== undefined && typeof args.allowWebOnSpot !== "boolean") {
        problems.push({ property: "allowWebOnSpot", reason: `must be true or false; got ${JSON.stringify(args.allowWebOnSpot)}` });
    }
    if (webOk && args.capacityProviderStrategy && usesSpot(args.capacityProviderStrategy) && args.allowWebOnSpot !== true) {
        problems.push({
            property: "capacityProviderStrategy",
            reason:
                // ECS places Spot tasks only while Spot has capacity, with no fallback to FARGATE (an open request:
                // https://github.com/aws/containers-roadmap/issues/852); a worker keeps its FARGATE base for that.
                "puts load-balanced web tasks on FARGATE_SPOT: Spot capacity can run out (ECS does not fall back to FARGATE) and an " +
                "interruption cuts the task's open uploads at the deadline; keep the web tier on FARGATE, or opt out explicitly with allowWebOnSpot: true",
        });
    }
    problems.push(...validateExecSettings(args.exec).map((p) => ({ property: `exec.${p.property}`.replace(/\.$/, ""), reason: p.reason })));
    return problems;
}
