import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { get, isUnknown, list } from "../lib/values";

const BACKUP_POLICY = "aws:efs/backupPolicy:BackupPolicy";
const REPLICATION = "aws:efs/replicationConfiguration:ReplicationConfiguration";
const BACKUP_SELECTION = "aws:backup/selection:Selection";
/** Resources whose deletion protection marks a stack as one whose data matters (prod-like). */
const PROTECTED = [
    { type: "aws:lb/loadBalancer:LoadBalancer", property: "enableDeletionProtection" },
    { type: "aws:alb/loadBalancer:LoadBalancer", property: "enableDeletionProtection" },
    { type: "aws:rds/instance:Instance", property: "deletionProtection" },
    { type: "aws:rds/cluster:Cluster", property: "deletionProtection" },
    { type: "aws:dynamodb/table:Table", property: "deletionProtectionEnabled" },
];

/** Whether something in the stack keeps a copy of the file system: EFS automatic backups, an AWS Backup selection, or a replica. */
function copiesOf(index: StackIndex, fs: StackNode): string[] {
    const found: string[] = [];
    for (const b of index.referrers(fs, [BACKUP_POLICY], "fileSystemId")) {
        const status = get(b.props.backupPolicy, "status");
        if (status === "ENABLED" || isUnknown(status)) found.push(`backup policy "${b.name}"`);
    }
    for (const r of index.referrers(fs, [REPLICATION], "sourceFileSystemId")) found.push(`replication "${r.name}"`);
    for (const s of index.ofType(BACKUP_SELECTION)) {
        const resources = list(s.props.resources);
        const named = !isUnknown(resources) && resources.some((r) => typeof r === "string" && typeof fs.props.arn === "string" && r === fs.props.arn);
        if (s.deps("resources").includes(fs.urn) || named) found.push(`AWS Backup selection "${s.name}"`);
    }
    return found;
}

/**
 * efs-filesystem-replica-or-backup — in a prod-like stack (a load balancer, database or table in it has deletion
 * protection on), every EFS file system is backed up (an `aws.efs.BackupPolicy` ENABLED, or an AWS Backup
 * selection that names it) or replicated to another region (`aws.efs.ReplicationConfiguration`).
 *
 * Why: deletion protection says the stack's data matters, but it guards only against `pulumi destroy`; a file
 * system without a copy loses its data to an `rm -rf` from a task, a bad deployment or a regional outage.
 * Severity: medium (advisory by default).
 * Joins: `fileSystemId` / `sourceFileSystemId` property dependencies (known in a preview) or a known id equal to
 * the file system's; a Backup selection by the dependency of its `resources` or a known ARN. Unknowns: a backup
 * status unknown during preview counts as enabled; an unknown deletion-protection flag does not make a stack prod-like.
 * See https://docs.aws.amazon.com/efs/latest/ug/awsbackup.html and https://docs.aws.amazon.com/efs/latest/ug/efs-replication.html
 */
export const requireReplicaOrBackup: StackValidationPolicy = {
    name: "efs-filesystem-replica-or-backup",
    description: "In a stack with deletion protection on, every EFS file system is backed up or replicated to another region.",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.efsFileSystem, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const guard = PROTECTED.flatMap(({ type, property }) => index.ofType(type).filter((r) => r.props[property] === true));
        if (guard.length === 0) {
            return;
        }
        for (const fs of index.ofType(types.efsFileSystem)) {
            if (copiesOf(index, fs).length > 0) {
                continue;
            }
            reportViolation(
                `EFS file system "${fs.name}" must be backed up or replicated, because the stack protects its data (deletion protection on "${guard[0]!.name}"), but nothing keeps a copy of it. ` +
                    `Add an aws.efs.BackupPolicy { backupPolicy: { status: "ENABLED" } } (this project: efsBackup: true) or an aws.efs.ReplicationConfiguration to another region (efsReplication: { region }).`,
                fs.urn,
            );
        }
    }),
};
