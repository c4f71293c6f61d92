import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PrivateSubnet } from "./network";
import { denyInsecureTransport } from "./policyStatements";
import { Problem, throwIfProblems } from "./validation";

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
    /** Daily backups with AWS Backup's default plan (35-day retention). Defaults to true. */
    readonly backup?: boolean;
    /** Keep the file system (and its data) when the stack is destroyed. Defaults to true. */
    readonly retainOnDelete?: boolean;
}

/** What a client needs to mount an access point, handed back by {@link SharedFileSystem.grantAccess}. */
export interface EfsAccessGrant {
    /** A task-definition volume: TLS in transit, IAM authorization, through the access point. */
    readonly volume: aws.types.input.ecs.TaskDefinitionVolume;
    /** The POSIX user the access point enforces; run the container as this user. */
    readonly posixUser: { readonly uid: number; readonly gid: number };
    /** Resources to wait on before starting tasks: the mount targets and the grant's own rules. */
    readonly ready: pulumi.Resource[];
}

export interface GrantAccessArgs {
    /** The access point (a key of `accessPoints`). */
    readonly accessPoint: string;
    /** The task role that mounts; it gets an IAM policy and is named in the file-system policy. */
    readonly role: aws.iam.Role;
    /** The clients' security group; it gets NFS egress to, and NFS ingress from, the file system's group. */
    readonly clientSecurityGroupId: pulumi.Input<string>;
    /** Mount read-only: no ClientWrite. Defaults to false. */
    readonly readOnly?: boolean;
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
export function validateSharedFileSystemArgs(args: Omit<SharedFileSystemArgs, "vpcId">): Problem[] {
    const problems: Problem[] = [];
    const throughputMode = args.throughputMode ?? "elastic";
    const performanceMode = args.performanceMode ?? "generalPurpose";
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

/**
 * An EFS file system that tasks share: encrypted at rest, mounted only over TLS with IAM authorization through an
 * access point, reachable only on NFS from the clients it was told about, backed up, and tiered to IA.
 */
export class SharedFileSystem extends pulumi.ComponentResource {
    public readonly fileSystemId: pulumi.Output<string>;
    public readonly fileSystemArn: pulumi.Output<string>;
    /** The security group of the mount targets. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Access point ids, keyed like `accessPoints`. */
    public readonly accessPointIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** The mount targets, keyed by AZ: a handle to wait on before any client mounts. */
    public readonly mountTargets: Readonly<Record<string, aws.efs.MountTarget>>;

    private readonly name: string;
    private readonly specs: Readonly<Record<string, AccessPointSpec>>;
    private readonly accessPoints: Readonly<Record<string, aws.efs.AccessPoint>>;
    private readonly fileSystem: aws.efs.FileSystem;
    private readonly securityGroup: aws.ec2.SecurityGroup;
    private policyGrantedTo?: string;

    constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:storage:SharedFileSystem", name, {}, opts);

        throwIfProblems(`SharedFileSystem "${name}"`, validateSharedFileSystemArgs(args));
        const throughputMode = args.throughputMode ?? "elastic";
        const transitionToIaDays = args.transitionToIaDays ?? 30;
        const retainOnDelete = args.retainOnDelete ?? true;
        this.name = name;
        this.specs = args.accessPoints;

        this.fileSystem = new aws.efs.FileSystem(
            `${name}-fs`,
            {
                encrypted: true,
                kmsKeyId: args.kmsKeyArn,
                performanceMode: args.performanceMode ?? "generalPurpose",
                throughputMode,
                provisionedThroughputInMibps: throughputMode === "provisioned" ? args.provisionedThroughputMibps : undefined,
                lifecyclePolicies: [
                    { transitionToIa: `AFTER_${transitionToIaDays}_DAY${transitionToIaDays === 1 ? "" : "S"}` },
                    { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
                ],
            },
            { parent: this, retainOnDelete },
        );

        new aws.efs.BackupPolicy(
            `${name}-backup`,
            { fileSystemId: this.fileSystem.id, backupPolicy: { status: args.backup ?? true ? "ENABLED" : "DISABLED" } },
            { parent: this },
        );

        // No inline rules at all: ingress is added per client by grantAccess, and an NFS server needs no egress
        // (security groups are stateful), so the provider's removal of the default allow-all egress is what we want.
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: `EFS mount targets of ${name}: NFS (TCP ${NFS_PORT}) from granted clients only` },
            { parent: this },
        );

        const mountTargets: Record<string, aws.efs.MountTarget> = {};
        for (const subnet of args.subnets) {
            mountTargets[subnet.availabilityZone] = new aws.efs.MountTarget(
                `${name}-mount-${subnet.availabilityZone}`,
                { fileSystemId: this.fileSystem.id, subnetId: subnet.subnetId, securityGroups: [this.securityGroup.id] },
                { parent: this },
            );
        }
        this.mountTargets = mountTargets;

        const accessPoints: Record<string, aws.efs.AccessPoint> = {};
        for (const [apName, spec] of Object.entries(args.accessPoints)) {
            accessPoints[apName] = new aws.efs.AccessPoint(
                `${name}-ap-${apName}`,
                {
                    fileSystemId: this.fileSystem.id,
                    posixUser: { uid: spec.uid, gid: spec.gid },
                    rootDirectory: {
                        path: spec.path,
                        creationInfo: { ownerUid: spec.uid, ownerGid: spec.gid, permissions: spec.permissions ?? "0750" },
                    },
                    tags: { Name: `${name}-${apName}` },
                },
                { parent: this },
            );
        }
        this.accessPoints = accessPoints;

        this.fileSystemId = this.fileSystem.id;
        this.fileSystemArn = this.fileSystem.arn;
        this.securityGroupId = this.securityGroup.id;
        this.accessPointIds = Object.fromEntries(Object.entries(accessPoints).map(([k, ap]) => [k, ap.id]));
        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            fileSystemArn: this.fileSystemArn,
            securityGroupId: this.securityGroupId,
            accessPointIds: this.accessPointIds,
        });
    }

    /**
     * Lets one client role mount an access point, doing the three things that are otherwise wired by hand and
     * forgotten: NFS between the client's and the file system's security groups (and nothing else), an IAM policy
     * on the role limited to this access point, and the file-system policy that denies anything without TLS and
     * allows only this role through this access point. Returns the task-definition volume to use.
     *
     * One file-system policy names one client role: EFS allows a single policy per file system, so a second grant
     * to a different role is refused rather than silently replacing the first. Share the role to share the grant.
     */
    public grantAccess(clientName: string, args: GrantAccessArgs, opts: { parent?: pulumi.Resource } = {}): EfsAccessGrant {
        const spec = this.specs[args.accessPoint];
        const accessPoint = this.accessPoints[args.accessPoint];
        if (!spec || !accessPoint) {
            throw new pulumi.InputPropertyError({
                propertyPath: "accessPoint",
                reason: `SharedFileSystem "${this.name}" has no access point "${args.accessPoint}"; it has ${Object.keys(this.specs).join(", ")}`,
            });
        }
        if (this.policyGrantedTo !== undefined) {
            throw new pulumi.InputPropertyError({
                propertyPath: "role",
                reason: `SharedFileSystem "${this.name}" already grants "${this.policyGrantedTo}"; EFS holds one file-system policy, so grant once per role`,
            });
        }
        this.policyGrantedTo = clientName;
        const parent = opts.parent ?? this;
        const actions = ["elasticfilesystem:ClientMount", ...(args.readOnly ? [] : ["elasticfilesystem:ClientWrite"])];
        const throughAccessPoint = {
            StringEquals: { "elasticfilesystem:AccessPointArn": accessPoint.arn },
            Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" },
        };

        const ingress = new aws.vpc.SecurityGroupIngressRule(
            `${clientName}-nfs-ingress`,
            {
                securityGroupId: this.securityGroup.id,
                referencedSecurityGroupId: args.clientSecurityGroupId,
                ipProtocol: "tcp",
                fromPort: NFS_PORT,
                toPort: NFS_PORT,
                description: `NFS from ${clientName}`,
            },
            { parent },
        );
        const egress = new aws.vpc.SecurityGroupEgressRule(
            `${clientName}-nfs-egress`,
            {
                securityGroupId: args.clientSecurityGroupId,
                referencedSecurityGroupId: this.securityGroup.id,
                ipProtocol: "tcp",
                fromPort: NFS_PORT,
                toPort: NFS_PORT,
                description: `NFS to the file system ${this.name}`,
            },
            { parent },
        );
        const rolePolicy = new aws.iam.RolePolicy(
            `${clientName}-efs-access`,
            {
                role: args.role.name,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "MountThroughAccessPoint",
                            Effect: "Allow",
                            Action: actions,
                            Resource: this.fileSystem.arn,
                            Condition: throughAccessPoint,
                        },
                    ],
                }),
            },
            { parent },
        );
        const fileSystemPolicy = new aws.efs.FileSystemPolicy(
            `${this.name}-policy`,
            {
                fileSystemId: this.fileSystem.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        denyInsecureTransport("*", this.fileSystem.arn),
                        {
                            Sid: `Allow${pascal(clientName)}ThroughAccessPoint`,
                            Effect: "Allow",
                            Principal: { AWS: args.role.arn },
                            Action: actions,
                            Resource: this.fileSystem.arn,
                            Condition: throughAccessPoint,
                        },
                    ],
                }),
            },
            { parent: this },
        );

        return {
            volume: {
                name: `efs-${args.accessPoint}`,
                efsVolumeConfiguration: {
                    fileSystemId: this.fileSystem.id,
                    transitEncryption: "ENABLED",
                    authorizationConfig: { accessPointId: accessPoint.id, iam: "ENABLED" },
                },
            },
            posixUser: { uid: spec.uid, gid: spec.gid },
            ready: [...Object.values(this.mountTargets), ingress, egress, rolePolicy, fileSystemPolicy],
        };
    }
}

function pascal(s: string): string {
    return s
        .split(/[^a-zA-Z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join("");
}
