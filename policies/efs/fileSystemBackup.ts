import { StackValidationPolicy } from "@pulumi/policy";

import { types, whenStackHas } from "../lib/policy";
import { StackIndex } from "../lib/stack";
import { get } from "../lib/values";
import { why } from "../lib/why";

/**
 * efs-filesystem-backup — every EFS file system has automatic backups: an `aws.efs.BackupPolicy` with status
 * `ENABLED` refers to it. Controls: CT.ELASTICFILESYSTEM.PR.2, Security Hub EFS.2.
 *
 * Why: EFS holds uploads until they are archived; AWS Backup is the only way back from a deletion there. Severity:
 * medium (advisory: `efsBackup` is a stack setting). Joins: the backup policy's `fileSystemId` property dependency
 * (URN), or its value equal to an existing file system's id. Unknowns: an unknown status is a violation.
 * See https://docs.aws.amazon.com/efs/latest/ug/awsbackup.html ("Automatic backups … are turned on by default
 * when you create a file system using the Amazon EFS console"; the API and providers default to off).
 */
export const requireFileSystemBackup: StackValidationPolicy = {
    name: "efs-filesystem-backup",
    description: "EFS file systems must have automatic backups (CT.ELASTICFILESYSTEM.PR.2, EFS.2; severity medium).",
    enforcementLevel: "advisory",
    severity: "medium",
    validateStack: whenStackHas(types.efsFileSystem, (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        for (const fs of index.ofType(types.efsFileSystem)) {
            const policies = index.referrers(fs, [types.efsBackupPolicy], "fileSystemId");
            if (policies.length === 0) {
                reportViolation(`EFS file system "${fs.name}" must be backed up, but no aws.efs.BackupPolicy refers to it. Set efsBackup: true (an aws.efs.BackupPolicy with status "ENABLED").`, fs.urn);
                continue;
            }
            for (const p of policies) {
                const status = get(p.props.backupPolicy, "status");
                if (status !== "ENABLED") {
                    reportViolation(`EFS file system "${fs.name}" must be backed up, but the status of its BackupPolicy "${p.name}" ${why(status)}. Set backupPolicy.status to "ENABLED".`, p.urn);
                }
            }
        }
    }),
};
