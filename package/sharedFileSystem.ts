/**
 * The shared file system as a building block of the package (`fargate-efs-s3:index:SharedFileSystem`). The
 * component takes the Network's subnets and, through `grantAccess`, its clients' role and security-group objects;
 * here those are ids and names (`vpcId`, `subnets[].subnetId`, `clients[].roleName`, `clients[].securityGroupId`),
 * which cross every Pulumi language. It builds `components/sharedFileSystem.ts`'s SharedFileSystem as its one child,
 * named like it, and makes each client's grant on it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ArchiveTransitionDays, FileSystemReplication, IaTransitionDays, PerformanceMode, ThroughputMode } from "../components/fileSystemArgs";
import { SharedFileSystem as SharedFileSystemComponent } from "../components/sharedFileSystem";
import type { ArchitectureEfsReplication } from "./architecture";
import { roleHandles, securityGroupHandles } from "./grantees";

/** A subnet that gets a mount target. */
export interface MountSubnet {
    /** The subnet's availability zone (e.g. us-east-1a): one mount target per zone; it names the mount target. */
    readonly availabilityZone: string;
    /** The subnet. */
    readonly subnetId: pulumi.Input<string>;
}

/** A directory of the file system that clients see as their root, owned by a fixed POSIX user. */
export interface FileSystemAccessPoint {
    /** The directory clients see as /: absolute, never / itself, at most 4 levels (forces replacement). */
    readonly path: string;
    /** The POSIX user id every request runs as and that owns the directory; never 0 (root). */
    readonly uid: number;
    /** The POSIX group id every request runs as; never 0. */
    readonly gid: number;
    /** Octal mode of the directory when EFS creates it. Defaults to 0750. */
    readonly permissions?: string;
}

/** A client allowed to mount one access point: an IAM role and the security group its tasks run in. */
export interface FileSystemClient {
    /** The client's name, unique per role: its grant resources are named `<name>-efs-<accessPoint>`, `<name>-nfs-ingress`, `<name>-nfs-egress`. */
    readonly name: string;
    /** The IAM role (its name) that gets an identity policy allowing ClientMount (and ClientWrite unless readOnly) through this access point only. */
    readonly roleName: pulumi.Input<string>;
    /** The clients' security group: it gets NFS egress to the file system's group, which gets NFS ingress from it. */
    readonly securityGroupId: pulumi.Input<string>;
    /** The key of the access point in accessPoints. */
    readonly accessPoint: string;
    /** Mount without ClientWrite. Defaults to false. */
    readonly readOnly?: boolean;
}

export interface SharedFileSystemArgs {
    /** The VPC of the mount targets' security group. */
    readonly vpcId: pulumi.Input<string>;
    /** The subnets that get a mount target, at most one per availability zone, at least one. */
    readonly subnets: MountSubnet[];
    /** The access points, keyed by a short role name (lower-case letters, digits, dashes), at least one: clients never mount the root. */
    readonly accessPoints: { [name: string]: FileSystemAccessPoint };
    /** The clients allowed to mount, each through one access point, over TLS with IAM. Defaults to none (grant later with the outputs). */
    readonly clients?: FileSystemClient[];
    /** KMS key or alias ARN for encryption at rest (forces replacement). Defaults to the AWS-managed key aws/elasticfilesystem. */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** generalPurpose or maxIO (forces replacement). Defaults to generalPurpose. */
    readonly performanceMode?: string;
    /** elastic, bursting or provisioned. Defaults to elastic. */
    readonly throughputMode?: string;
    /** MiB/s bought, 1 to 3414; required with, and only with, provisioned throughput. */
    readonly provisionedThroughputMibps?: number;
    /** Days without access before a file moves to Infrequent Access (1, 7, 14, 30, 60, 90, 180, 270, 365). Defaults to 30. */
    readonly transitionToIaDays?: number;
    /** Days without access before a file moves to EFS Archive, later than transitionToIaDays (needs elastic throughput). Defaults to none. */
    readonly transitionToArchiveDays?: number;
    /** A read-only replica in another region: region (required), kmsKeyArn. Defaults to none. */
    readonly replication?: ArchitectureEfsReplication;
    /** Daily AWS Backup of the file system. Defaults to true. */
    readonly backup?: boolean;
    /** Keep the file system and its data when destroyed. Defaults to true. */
    readonly retainOnDelete?: boolean;
}

/**
 * An EFS file system that tasks share: encrypted at rest, its policy from birth denying any request without TLS or
 * not through an access point, a mount target per availability zone in a security group that admits NFS from the
 * granted clients only, access points with a fixed POSIX user, backup and tiering.
 */
export class SharedFileSystem extends pulumi.ComponentResource {
    /** The file system. */
    public readonly fileSystemId: pulumi.Output<string>;
    /** The file system's ARN. */
    public readonly fileSystemArn: pulumi.Output<string>;
    /** The mount targets' security group. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Access point ids, keyed like accessPoints: a task definition's efsVolumeConfiguration.authorizationConfig.accessPointId. */
    public readonly accessPointIds: pulumi.Output<{ [name: string]: string }>;
    /** Access point ARNs, keyed like accessPoints. */
    public readonly accessPointArns: pulumi.Output<{ [name: string]: string }>;

    constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:SharedFileSystem", name, {}, opts);
        const fileSystem = new SharedFileSystemComponent(
            name,
            {
                vpcId: args.vpcId,
                subnets: (args.subnets ?? []).map((s) => ({ availabilityZone: s.availabilityZone, subnetId: pulumi.output(s.subnetId) })),
                accessPoints: args.accessPoints ?? {},
                kmsKeyArn: args.kmsKeyArn,
                performanceMode: args.performanceMode as PerformanceMode | undefined,
                throughputMode: args.throughputMode as ThroughputMode | undefined,
                provisionedThroughputMibps: args.provisionedThroughputMibps,
                transitionToIaDays: args.transitionToIaDays as IaTransitionDays | undefined,
                transitionToArchiveDays: args.transitionToArchiveDays as ArchiveTransitionDays | undefined,
                replication: args.replication as FileSystemReplication | undefined,
                backup: args.backup,
                retainOnDelete: args.retainOnDelete,
            },
            { parent: this },
        );
        const role = roleHandles();
        const securityGroup = securityGroupHandles();
        for (const client of args.clients ?? []) {
            fileSystem.grantAccess(
                { name: client.name, role: role(client), securityGroup: securityGroup(client) },
                client.accessPoint,
                { readOnly: client.readOnly ?? false },
            );
        }
        this.fileSystemId = fileSystem.fileSystemId;
        this.fileSystemArn = fileSystem.fileSystemArn;
        this.securityGroupId = fileSystem.securityGroupId;
        this.accessPointIds = pulumi.output(fileSystem.accessPointIds);
        this.accessPointArns = pulumi.output(fileSystem.accessPointArns);
        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            fileSystemArn: this.fileSystemArn,
            securityGroupId: this.securityGroupId,
            accessPointIds: this.accessPointIds,
            accessPointArns: this.accessPointArns,
        });
    }
}
