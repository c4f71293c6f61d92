import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccessPointSpec, DEFAULT_ACCESS_POINT_PERMISSIONS, fileSystemDefaults, lifecycleAge, NFS_PORT, SharedFileSystemArgs, validateSharedFileSystemArgs } from "./fileSystemArgs";
import { fileSystemPolicy, mountThroughAccessPoint } from "./fileSystemPolicy";
import { GrantLedger, Grantee } from "./policyStatements";
import { throwIfProblems } from "./validation";

export type { PerformanceMode, ThroughputMode } from "./fileSystemArgs";

/** A client of the file system: a role, and the security group its tasks run in. */
export interface EfsGrantee extends Grantee {
    /**
     * The clients' security group; it gets NFS egress to, and NFS ingress from, the file system's group. Only its id
     * is used: a group of this program or one named by id (the package's building block) serves alike.
     */
    readonly securityGroup: Pick<aws.ec2.SecurityGroup, "id">;
}

/** What a client needs to mount an access point, handed back by {@link SharedFileSystem.grantAccess}. */
export interface EfsAccessGrant {
    /** A task-definition volume: TLS in transit, IAM authorization, through the access point. */
    readonly volume: aws.types.input.ecs.TaskDefinitionVolume;
    /** The POSIX user the access point enforces; run the container as this user. */
    readonly posixUser: { readonly uid: number; readonly gid: number };
    /** Mounted read-only (no ClientWrite): mount the volume read-only too. */
    readonly readOnly: boolean;
    /** Resources to wait on before starting tasks: the mount targets, the file-system policy and the grant's own. */
    readonly ready: pulumi.Resource[];
}

/**
 * An EFS file system that tasks share: encrypted at rest, mounted only over TLS with IAM authorization through an
 * access point, reachable only on NFS from the clients it was told about, backed up, and tiered to IA.
 *
 * Its file-system policy exists from the moment the file system does and only denies: anything without TLS, and any
 * mount that does not come through an access point. It allows nothing: same-account access needs the allow in only
 * one of the identity and resource policies, so the allows live in the clients' identity policies
 * ({@link grantAccess}), and a client role deleted and recreated under the same name is never locked out by a stale
 * principal in the resource policy.
 * https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 */
export class SharedFileSystem extends pulumi.ComponentResource {
    public readonly fileSystemId: pulumi.Output<string>;
    public readonly fileSystemArn: pulumi.Output<string>;
    /** The security group of the mount targets. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** Access point ids, keyed like `accessPoints`. */
    public readonly accessPointIds: Readonly<Record<string, pulumi.Output<string>>>;
    /** Access point ARNs, keyed like `accessPoints`. */
    public readonly accessPointArns: Readonly<Record<string, pulumi.Output<string>>>;
    /** The mount targets, keyed by AZ: a handle to wait on before any client mounts. */
    public readonly mountTargets: Readonly<Record<string, aws.efs.MountTarget>>;

    private readonly name: string;
    private readonly specs: Readonly<Record<string, AccessPointSpec>>;
    private readonly accessPoints: Readonly<Record<string, aws.efs.AccessPoint>>;
    private readonly fileSystem: aws.efs.FileSystem;
    private readonly securityGroup: aws.ec2.SecurityGroup;
    private readonly policy: aws.efs.FileSystemPolicy;
    private readonly grants: GrantLedger<EfsAccessGrant>;
    private readonly nfsRules = new Map<Pick<aws.ec2.SecurityGroup, "id">, pulumi.Resource[]>();

    constructor(name: string, args: SharedFileSystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:storage:SharedFileSystem", name, {}, opts);

        throwIfProblems(`SharedFileSystem "${name}"`, validateSharedFileSystemArgs(args));
        const { performanceMode, throughputMode, transitionToIaDays, transitionToArchiveDays, replication, backup, retainOnDelete } = fileSystemDefaults(args);
        this.name = name;
        this.specs = args.accessPoints;
        this.grants = new GrantLedger(`SharedFileSystem "${name}"`);

        this.fileSystem = new aws.efs.FileSystem(
            `${name}-fs`,
            {
                encrypted: true,
                kmsKeyId: args.kmsKeyArn,
                performanceMode,
                throughputMode,
                provisionedThroughputInMibps: throughputMode === "provisioned" ? args.provisionedThroughputMibps : undefined,
                // One transition per policy object, as EFS requires.
                lifecyclePolicies: [
                    { transitionToIa: lifecycleAge(transitionToIaDays) },
                    ...(transitionToArchiveDays === undefined ? [] : [{ transitionToArchive: lifecycleAge(transitionToArchiveDays) }]),
                    { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
                ],
                // ENABLED (EFS's default, said here so that no one turns it off): this writable file system can never
                // be made the destination of a replication, which would overwrite it and make it read-only.
                // https://docs.aws.amazon.com/efs/latest/ug/replication-overwrite.html
                protection: { replicationOverwrite: "ENABLED" },
            },
            { parent: this, retainOnDelete },
        );

        if (replication) {
            // A new destination file system that EFS creates and keeps read-only (its overwrite protection is
            // REPLICATING while replicated); nothing existing is ever overwritten. Deleting the replication leaves
            // the replica, writable again. https://docs.aws.amazon.com/efs/latest/ug/efs-replication.html
            new aws.efs.ReplicationConfiguration(
                `${name}-replication`,
                { sourceFileSystemId: this.fileSystem.id, destination: { region: replication.region, kmsKeyId: replication.kmsKeyArn } },
                { parent: this, retainOnDelete },
            );
        }

        new aws.efs.BackupPolicy(
            `${name}-backup`,
            { fileSystemId: this.fileSystem.id, backupPolicy: { status: backup ? "ENABLED" : "DISABLED" } },
            { parent: this },
        );

        // Without a policy of its own EFS applies its default one, which lets any client that reaches a mount
        // target in; so the policy is made with the file system, before any mount target exists.
        this.policy = new aws.efs.FileSystemPolicy(
            `${name}-policy`,
            { fileSystemId: this.fileSystem.id, policy: pulumi.jsonStringify(fileSystemPolicy(this.fileSystem.arn)) },
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
                { parent: this, dependsOn: [this.policy] },
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
                        creationInfo: { ownerUid: spec.uid, ownerGid: spec.gid, permissions: spec.permissions ?? DEFAULT_ACCESS_POINT_PERMISSIONS },
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
        this.accessPointArns = Object.fromEntries(Object.entries(accessPoints).map(([k, ap]) => [k, ap.arn]));
        this.registerOutputs({
            fileSystemId: this.fileSystemId,
            fileSystemArn: this.fileSystemArn,
            securityGroupId: this.securityGroupId,
            accessPointIds: this.accessPointIds,
            accessPointArns: this.accessPointArns,
        });
    }

    /**
     * Lets a client mount one access point, doing in one call what is otherwise wired by hand and forgotten: NFS
     * between the client's and the file system's security groups (once per client group, and nothing else), and an
     * identity policy on the client's role that allows ClientMount (and ClientWrite unless `readOnly`) only through
     * this access point and a mount target. Never ClientRootAccess: the access point's POSIX user is what the client
     * runs as. Call it for any number of clients and access points; the same client and access point again returns
     * the same grant. Returns the task-definition volume to use.
     */
    public grantAccess(grantee: EfsGrantee, accessPoint: string, options: { readonly readOnly?: boolean } = {}): EfsAccessGrant {
        const spec = this.specs[accessPoint];
        const ap = this.accessPoints[accessPoint];
        if (!spec || !ap) {
            throw new pulumi.InputPropertyError({
                propertyPath: "accessPoint",
                reason: `SharedFileSystem "${this.name}" has no access point "${accessPoint}"; it has ${Object.keys(this.specs).join(", ")}`,
            });
        }
        const readOnly = options.readOnly ?? false;
        const first = this.grants.isFirst(grantee);
        return this.grants.once(grantee, `access point "${accessPoint}"`, readOnly ? "read-only" : "read-write", () => {
            const parent = grantee.parent ?? this;
            const rolePolicy = new aws.iam.RolePolicy(
                `${grantee.name}-efs-${accessPoint}`,
                {
                    role: grantee.role.name,
                    policy: pulumi.jsonStringify(mountThroughAccessPoint(this.fileSystem.arn, ap.arn, readOnly)),
                },
                // The first grant of a client was named `<client>-efs-access` when a client could mount one access point.
                { parent, aliases: first ? [{ name: `${grantee.name}-efs-access` }] : [] },
            );
            return {
                volume: {
                    name: `efs-${accessPoint}`,
                    efsVolumeConfiguration: {
                        fileSystemId: this.fileSystem.id,
                        transitEncryption: "ENABLED",
                        authorizationConfig: { accessPointId: ap.id, iam: "ENABLED" },
                    },
                },
                posixUser: { uid: spec.uid, gid: spec.gid },
                readOnly,
                ready: [...Object.values(this.mountTargets), this.policy, ...this.nfsFrom(grantee), rolePolicy],
            };
        });
    }

    /** The NFS rule pair between a client's security group and the file system's, made once per client group. */
    private nfsFrom(grantee: EfsGrantee): pulumi.Resource[] {
        const existing = this.nfsRules.get(grantee.securityGroup);
        if (existing) {
            return existing;
        }
        const parent = grantee.parent ?? this;
        const nfs = { ipProtocol: "tcp", fromPort: NFS_PORT, toPort: NFS_PORT };
        const rules = [
            new aws.vpc.SecurityGroupIngressRule(
                `${grantee.name}-nfs-ingress`,
                { securityGroupId: this.securityGroup.id, referencedSecurityGroupId: grantee.securityGroup.id, ...nfs, description: `NFS from ${grantee.name}` },
                { parent },
            ),
            new aws.vpc.SecurityGroupEgressRule(
                `${grantee.name}-nfs-egress`,
                { securityGroupId: grantee.securityGroup.id, referencedSecurityGroupId: this.securityGroup.id, ...nfs, description: `NFS to the file system ${this.name}` },
                { parent },
            ),
        ];
        this.nfsRules.set(grantee.securityGroup, rules);
        return rules;
    }
}
