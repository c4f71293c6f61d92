import * as pulumi from "@pulumi/pulumi";
import { PrivateSubnet } from "./network";
import { Problem } from "./validation";

/** The NFS port; the only traffic the file system's security group admits. */
export const NFS_PORT = 2049;

/** How EFS throughput is bought. */
export type ThroughputMode =
    /** Scales with the workload and bills per GB read and written: right for spiky or unknown loads. */
    | "elastic"
    /** Baseline grows with stored data, with burst credits on top: cheap for small steady loads. */
    | "bursting"
    /** A fixed MiB/s bought per month (`provisionedThroughputMibps`): for steady loads above the burst baseline. */
    | "provisioned";
export const THROUGHPUT_MODES: readonly ThroughputMode[] = ["elastic", "bursting", "provisioned"];

/** EFS performance mode; forces replacement of the file system. */
export type PerformanceMode =
    /** Lowest latency per operation; the only mode that elastic throughput supports. */
    | "generalPurpose"
    /** Higher aggregate throughput for thousands of clients at the cost of latency (legacy). */
    | "maxIO";
export const PERFORMANCE_MODES: readonly PerformanceMode[] = ["generalPurpose", "maxIO"];

/** The ages EFS accepts for moving files to Infrequent Access. */
export const IA_TRANSITION_DAYS = [1, 7, 14, 30, 60, 90, 180, 270, 365] as const;
export type IaTransitionDays = (typeof IA_TRANSITION_DAYS)[number];

/**
 * The ages EFS accepts for moving files to Archive. "TransitionToArchive must either not be set or must be later than
 * TransitionToIA. The Archive storage class is available only for file systems that use the Elastic throughput mode
 * and the General Purpose performance mode." https://docs.aws.amazon.com/efs/latest/ug/API_LifecyclePolicy.html,
 * https://docs.aws.amazon.com/efs/latest/ug/API_PutLifecycleConfiguration.html
 */
export const ARCHIVE_TRANSITION_DAYS = [1, 7, 14, 30, 60, 90, 180, 270, 365] as const;
export type ArchiveTransitionDays = (typeof ARCHIVE_TRANSITION_DAYS)[number];

/** A replica of the file system in another region, made and kept read-only by EFS replication. */
export interface FileSystemReplication {
    /** The region of the replica, another than the stack's (e.g. "us-west-2"). Forces replacement of the replication. */
    readonly region: string;
    /** A KMS key ARN in `region` to encrypt the replica with. Defaults to that region's `aws/elasticfilesystem` key. */
    readonly kmsKeyArn?: string;
}

/** The largest provisioned throughput EFS sells without a quota increase, in MiB/s. */
export const MAX_PROVISIONED_MIBPS = 3414;

/** A directory of the file system that clients see as their root, owned by a fixed POSIX user. */
export interface AccessPointSpec {
    /** The directory clients see as `/`; absolute, never `/` itself. Created on first use. Forces replacement. */
    readonly path: string;
    /** The POSIX uid every request through the access point runs as (and that owns the directory); not 0. */
    readonly uid: number;
    /** The POSIX gid every request runs as (and that owns the directory); not 0. */
    readonly gid: number;
    /** Octal permissions of the directory when EFS creates it. Defaults to "0750". */
    readonly permissions?: string;
}

export interface SharedFileSystemArgs {
    /** The VPC the mount targets live in. */
    readonly vpcId: pulumi.Input<string>;
    /** One mount target is made in each of these subnets, keyed by AZ: at most one subnet per AZ. */
    readonly subnets: readonly PrivateSubnet[];
    /** The access points, keyed by a short role name (`app`, `reports`); at least one. */
    readonly accessPoints: Readonly<Record<string, AccessPointSpec>>;
    /** A customer-managed KMS key for encryption at rest. Defaults to the AWS-managed key `aws/elasticfilesystem`. Forces replacement. */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** Defaults to "generalPurpose". Forces replacement. */
    readonly performanceMode?: PerformanceMode;
    /** Defaults to "elastic". */
    readonly throughputMode?: ThroughputMode;
    /** MiB/s to buy, 1 to 3414; required with (and only with) `throughputMode: "provisioned"`. */
    readonly provisionedThroughputMibps?: number;
    /** Days without access after which a file moves to Infrequent Access (it moves back on first access). Defaults to 30. */
    readonly transitionToIaDays?: IaTransitionDays;
    /**
     * Days without access after which a file moves to Archive; must be later than `transitionToIaDays`, and needs the
     * elastic throughput and general-purpose performance modes. Defaults to none (no Archive tier).
     */
    readonly transitionToArchiveDays?: ArchiveTransitionDays;
    /**
     * Replicate to a new, read-only file system in another region. The replica's replication overwrite protection
     * stays with EFS (REPLICATING while replicated, ENABLED again if the replication is deleted), and this file
     * system's own protection is set ENABLED so that no replication can ever overwrite it. Defaults to none.
     */
    readonly replication?: FileSystemReplication;
    /** Daily backups with AWS Backup's default plan (35-day retention). Defaults to true. */
    readonly backup?: boolean;
    /** Keep the file system (and its data) when the stack is destroyed. Defaults to true. */
    readonly retainOnDelete?: boolean;
}

/** Permissions of an access point's directory when the stack does not say. */
export const DEFAULT_ACCESS_POINT_PERMISSIONS = "0750";

/** The file system's effective settings: the one place its defaults live (the stack config leaves unset keys undefined). */
export function fileSystemDefaults(args: Pick<SharedFileSystemArgs, "performanceMode" | "throughputMode" | "transitionToIaDays" | "backup" | "retainOnDelete" | "transitionToArchiveDays" | "replication">) {
    return {
        performanceMode: args.performanceMode ?? ("generalPurpose" as PerformanceMode),
        throughputMode: args.throughputMode ?? ("elastic" as ThroughputMode),
        transitionToIaDays: args.transitionToIaDays ?? (30 as IaTransitionDays),
        backup: args.backup ?? true,
        retainOnDelete: args.retainOnDelete ?? true,
        // Optional features: present only when the stack asks for them.
        ...(args.transitionToArchiveDays === undefined ? {} : { transitionToArchiveDays: args.transitionToArchiveDays }),
        ...(args.replication === undefined ? {} : { replication: args.replication }),
    } as {
        performanceMode: PerformanceMode;
        throughputMode: ThroughputMode;
        transitionToIaDays: IaTransitionDays;
        backup: boolean;
        retainOnDelete: boolean;
        transitionToArchiveDays?: ArchiveTransitionDays;
        replication?: FileSystemReplication;
    };
}

/** `AFTER_<n>_DAY(S)`, as EFS lifecycle policies name an age. */
export function lifecycleAge(days: number): string {
    return `AFTER_${days}_DAY${days === 1 ? "" : "S"}`;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const KMS_KEY_ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The partition of a region: an account, and so a replication, lives in one partition
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html).
 */
function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("us-isob-")) return "aws-iso-b";
    if (region.startsWith("us-iso-")) return "aws-iso";
    return "aws";
}

/** The Archive tier and the replica against what EFS documents; `region` is the stack's own, when known. */
function validateArchiveAndReplication(args: Omit<SharedFileSystemArgs, "vpcId">, region: string | undefined): Problem[] {
    const problems: Problem[] = [];
    const { throughputMode, performanceMode, transitionToIaDays } = fileSystemDefaults(args);
    const archive = args.transitionToArchiveDays;
    if (archive !== undefined) {
        if (!ARCHIVE_TRANSITION_DAYS.includes(archive)) {
            problems.push({ property: "transitionToArchiveDays", reason: `must be one of ${ARCHIVE_TRANSITION_DAYS.join(", ")}; got ${JSON.stringify(archive)}` });
        } else if (archive <= transitionToIaDays) {
            problems.push({
                property: "transitionToArchiveDays",
                reason:
                    `must be later than transitionToIaDays (${transitionToIaDays}): EFS moves files to Archive only after IA; got ${archive}. ` +
                    (transitionToIaDays < 365 ? `Use one of ${ARCHIVE_TRANSITION_DAYS.filter((d) => d > transitionToIaDays).join(", ")}` : "Lower transitionToIaDays first (no Archive age is later than 365)"),
            });
        }
        if (throughputMode !== "elastic" || performanceMode !== "generalPurpose") {
            problems.push({
                property: "transitionToArchiveDays",
                reason: `needs throughputMode "elastic" and performanceMode "generalPurpose" (EFS offers Archive only there); the file system is ${throughputMode}/${performanceMode}`,
            });
        }
    }
    const replica = args.replication as unknown;
    if (replica !== undefined) {
        if (!replica || typeof replica !== "object" || Array.isArray(replica)) {
            problems.push({ property: "replication", reason: `must be a map { region, kmsKeyArn? }; got ${JSON.stringify(replica)}` });
            return problems;
        }
        const r = replica as Record<string, unknown>;
        for (const key of Object.keys(r)) {
            if (!["region", "kmsKeyArn"].includes(key)) {
                problems.push({ property: `replication.${key}`, reason: "is not a replication setting; use region, kmsKeyArn" });
            }
        }
        if (typeof r.region !== "string" || !REGION.test(r.region)) {
            problems.push({ property: "replication.region", reason: `must be an AWS region name like "us-west-2"; got ${JSON.stringify(r.region)}` });
        } else if (region !== undefined && r.region === region) {
            problems.push({ property: "replication.region", reason: `must be another region than the stack's own (${region}): a replica in the same region does not survive a regional outage` });
        } else if (region !== undefined && partitionOf(r.region) !== partitionOf(region)) {
            problems.push({ property: "replication.region", reason: `must be in the stack's partition (${partitionOf(region)}): ${r.region} is in ${partitionOf(r.region)}, where this account does not exist` });
        }
        if (r.kmsKeyArn !== undefined) {
            const match = typeof r.kmsKeyArn === "string" ? KMS_KEY_ARN.exec(r.kmsKeyArn) : null;
            if (!match) {
                problems.push({ property: "replication.kmsKeyArn", reason: `must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); got ${JSON.stringify(r.kmsKeyArn)}` });
            } else if (typeof r.region === "string" && match[2] !== r.region) {
                problems.push({ property: "replication.kmsKeyArn", reason: `must be a key in the replica's region ${r.region} (KMS keys are regional); got a key in ${match[2]}` });
            } else if (typeof r.region === "string" && match[1] !== partitionOf(r.region)) {
                problems.push({ property: "replication.kmsKeyArn", reason: `must be an ARN of the ${partitionOf(r.region)} partition, where ${r.region} is; got arn:${match[1]}:…` });
            }
        }
    }
    return problems;
}

const OCTAL_PERMISSIONS = /^0?[0-7]{3}$/;

function validatePath(path: string): string | undefined {
    if (typeof path !== "string" || !path.startsWith("/")) {
        return `must be an absolute path like /app; got ${JSON.stringify(path)}`;
    }
    if (path === "/" || /^\/+$/.test(path)) {
        return `must not be "/": the access point would expose the whole file system; use a directory like /app`;
    }
    if (path.length > 100) {
        return `must be at most 100 characters (an EFS limit); got ${path.length}`;
    }
    const parts = path.split("/").slice(1);
    if (parts.some((p) => p === "" || p === "." || p === "..")) {
        return `must not contain empty, "." or ".." segments; got ${path}`;
    }
    if (parts.length > 4) {
        return `may be at most 4 directories deep (an EFS limit); got ${parts.length}`;
    }
    return undefined;
}

function validatePosixId(id: unknown): string | undefined {
    if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > 4294967294) {
        return `must be a whole number from 1 to 4294967294 (0 is root, which the access point would then grant to every client); got ${JSON.stringify(id)}`;
    }
    return undefined;
}

/** Pure validation of the arguments, every problem at once; exported for tests and the stack config. */
export function validateSharedFileSystemArgs(args: Omit<SharedFileSystemArgs, "vpcId">, region?: string): Problem[] {
    const problems: Problem[] = validateArchiveAndReplication(args, region);
    const { throughputMode, performanceMode } = fileSystemDefaults(args);
    if (!THROUGHPUT_MODES.includes(throughputMode)) {
        problems.push({ property: "throughputMode", reason: `must be one of ${THROUGHPUT_MODES.join(", ")}; got ${JSON.stringify(throughputMode)}` });
    }
    if (!PERFORMANCE_MODES.includes(performanceMode)) {
        problems.push({ property: "performanceMode", reason: `must be one of ${PERFORMANCE_MODES.join(", ")}; got ${JSON.stringify(performanceMode)}` });
    }
    if (throughputMode === "elastic" && performanceMode === "maxIO") {
        problems.push({ property: "performanceMode", reason: `elastic throughput works only with "generalPurpose"; choose generalPurpose or another throughput mode` });
    }
    const mibps = args.provisionedThroughputMibps;
    if (throughputMode === "provisioned") {
        if (mibps === undefined) {
            problems.push({ property: "provisionedThroughputMibps", reason: `is required with throughputMode "provisioned": the MiB/s to buy, 1 to ${MAX_PROVISIONED_MIBPS}` });
        } else if (typeof mibps !== "number" || !(mibps >= 1 && mibps <= MAX_PROVISIONED_MIBPS)) {
            problems.push({ property: "provisionedThroughputMibps", reason: `must be from 1 to ${MAX_PROVISIONED_MIBPS} MiB/s; got ${JSON.stringify(mibps)}` });
        }
    } else if (mibps !== undefined) {
        problems.push({ property: "provisionedThroughputMibps", reason: `applies only to throughputMode "provisioned" (it is ${JSON.stringify(throughputMode)}); remove it or switch the mode` });
    }
    if (args.transitionToIaDays !== undefined && !IA_TRANSITION_DAYS.includes(args.transitionToIaDays)) {
        problems.push({ property: "transitionToIaDays", reason: `must be one of ${IA_TRANSITION_DAYS.join(", ")}; got ${JSON.stringify(args.transitionToIaDays)}` });
    }
    if (args.subnets.length < 1) {
        problems.push({ property: "subnets", reason: "needs at least one subnet for a mount target" });
    }
    const azs = args.subnets.map((s) => s.availabilityZone);
    const repeated = azs.filter((az, i) => azs.indexOf(az) !== i);
    if (repeated.length > 0) {
        problems.push({ property: "subnets", reason: `EFS allows one mount target per AZ; ${[...new Set(repeated)].join(", ")} appears more than once` });
    }
    const names = Object.keys(args.accessPoints);
    if (names.length === 0) {
        problems.push({ property: "accessPoints", reason: "needs at least one access point: clients never mount the file system's root" });
    }
    for (const apName of names) {
        const ap = args.accessPoints[apName];
        if (!/^[a-z][a-z0-9-]{0,30}$/.test(apName)) {
            problems.push({ property: `accessPoints.${apName}`, reason: "name must be lower-case letters, digits and dashes, starting with a letter, at most 31 characters" });
        }
        const pathProblem = validatePath(ap.path);
        if (pathProblem) {
            problems.push({ property: `accessPoints.${apName}.path`, reason: pathProblem });
        }
        for (const field of ["uid", "gid"] as const) {
            const idProblem = validatePosixId(ap[field]);
            if (idProblem) {
                problems.push({ property: `accessPoints.${apName}.${field}`, reason: idProblem });
            }
        }
        if (ap.permissions !== undefined && !OCTAL_PERMISSIONS.test(ap.permissions)) {
            problems.push({ property: `accessPoints.${apName}.permissions`, reason: `must be octal like "0750"; got ${JSON.stringify(ap.permissions)}` });
        }
    }
    return problems;
}
