/**
 * efs-filesystem-replica-or-backup (issue 22): in a prod-like stack (deletion protection on), every EFS file system
 * is backed up or replicated, joined by the backup policy's, the replication's or a Backup selection's dependency.
 * https://docs.aws.amazon.com/efs/latest/ug/awsbackup.html
 */
import { compliantStack, Stack, U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const P = "efs-filesystem-replica-or-backup";

/** The compliant stack, prod-like: a load balancer with deletion protection, and the file system backed up. */
function prodLike(): Stack {
    return compliantStack()
        .add("aws:lb/loadBalancer:LoadBalancer", "alb", { inputs: { loadBalancerType: "application", enableDeletionProtection: true } })
        .add("aws:efs/backupPolicy:BackupPolicy", "data-backup", { inputs: { fileSystemId: U, backupPolicy: { status: "ENABLED" } }, deps: { fileSystemId: ["data"] } });
}

describe(P, () => {
    it("passes a prod-like stack whose file system has EFS automatic backups on", () => expectNoViolation(P, prodLike().resources));
    it("passes a prod-like stack whose file system is replicated instead", () =>
        expectNoViolation(
            P,
            prodLike()
                .change("data-backup", (i) => (i.backupPolicy.status = "DISABLED"))
                .add("aws:efs/replicationConfiguration:ReplicationConfiguration", "data-replica", { inputs: { sourceFileSystemId: U, destination: { region: "us-west-2" } }, deps: { sourceFileSystemId: ["data"] } }).resources,
        ));
    it("passes a prod-like stack whose file system an AWS Backup selection names", () =>
        expectNoViolation(
            P,
            prodLike()
                .remove("data-backup")
                .add("aws:backup/selection:Selection", "daily", { inputs: { planId: "plan-1", iamRoleArn: "arn:aws:iam::123456789012:role/backup", name: "daily", resources: [U] }, deps: { resources: ["data"] } }).resources,
        ));
    it("ignores a stack without deletion protection (dev: throw-away data)", () =>
        expectNoViolation(P, prodLike().change("alb", (i) => (i.enableDeletionProtection = false)).change("data-backup", (i) => (i.backupPolicy.status = "DISABLED")).resources));
    it("catches a prod-like stack whose backups are off and that has no replica", () =>
        expectOneViolation(P, prodLike().change("data-backup", (i) => (i.backupPolicy.status = "DISABLED")).resources, "data", /"data" must be backed up or replicated.*deletion protection on "alb"/, {
            fix: /efsBackup: true.*efsReplication/,
            level: "advisory",
        }));
    it("treats an unknown deletion-protection flag as not prod-like, and a backup status unknown in preview as on (unknowns never raise it)", async () => {
        const unbacked = prodLike().change("data-backup", (i) => (i.backupPolicy.status = "DISABLED"));
        await expectNoViolation(P, unbacked.change("alb", (i) => (i.enableDeletionProtection = U)).resources);
        await expectNoViolation(P, prodLike().change("data-backup", (i) => (i.backupPolicy.status = U)).resources);
    });
    it("catches a file system when only another one is backed up", () =>
        expectOneViolation(
            P,
            prodLike()
                .remove("data-backup")
                .add("aws:efs/fileSystem:FileSystem", "other", { inputs: { encrypted: true } })
                .add("aws:efs/backupPolicy:BackupPolicy", "other-backup", { inputs: { fileSystemId: U, backupPolicy: { status: "ENABLED" } }, deps: { fileSystemId: ["other"] } }).resources,
            "data",
            /nothing keeps a copy/,
        ));
});
