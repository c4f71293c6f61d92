/** Every check the doctor runs, in the order of the source article's troubleshooting section. */
import { CannotCheck, Facts, problem, Verdict } from "../facts";
import { checkArchiveAccess } from "./archiveAccess";
import { checkExec } from "./exec";
import { checkMountTargets, checkNfsEgress, checkNfsIngress, checkVpcDns } from "./network";
import { checkStoppedTasks } from "./stoppedTasks";
import { checkEfsVolumes, checkPosixUser } from "./taskDefinition";

export interface Check {
    readonly id: string;
    /** What the check proves, and the symptom when it does not hold; printed by --help. */
    readonly help: string;
    readonly run: (facts: Facts) => Verdict;
}

export const CHECKS: readonly Check[] = [
    {
        id: "mount-targets",
        help: "every AZ the service's subnets are in has a mount target of the file system, `available`, in the stack's VPC (else: mount timeout, or the DNS name does not resolve)",
        run: checkMountTargets,
    },
    {
        id: "nfs-ingress",
        help: "the mount targets' security groups admit TCP 2049 from the task security group and nothing else: no other port, no CIDR such as 0.0.0.0/0, no other group",
        run: checkNfsIngress,
    },
    {
        id: "nfs-egress",
        help: "the task security group lets TCP 2049 out to every mount target (else: mount timeout)",
        run: checkNfsEgress,
    },
    {
        id: "vpc-dns",
        help: "the VPC has enableDnsSupport and enableDnsHostnames on, so the file system's DNS name resolves (else: \"Failed to resolve fs-….efs…\")",
        run: checkVpcDns,
    },
    {
        id: "posix-user",
        help: "the access point's POSIX user (uid:gid) is the `user` of every container that mounts EFS (else: \"Permission denied\")",
        run: checkPosixUser,
    },
    {
        id: "efs-volumes",
        help: "every EFS volume of the service's task definition has transitEncryption ENABLED and IAM authorization ENABLED through the stack's access point, on the stack's file system",
        run: checkEfsVolumes,
    },
    {
        id: "archive-access",
        help: "IAM's policy simulator (iam:SimulatePrincipalPolicy) says the task role may s3:PutObject and s3:GetObject under the archive prefix (else: \"Access Denied\" from S3)",
        run: checkArchiveAccess,
    },
    {
        id: "stopped-tasks",
        help: "no recently stopped task of the cluster failed; each failure (ResourceInitializationError from the EFS mount, CannotPullContainerError, AccessDenied, a crash…) is translated into its fix",
        run: checkStoppedTasks,
    },
    {
        id: "exec",
        help: "whether `aws ecs execute-command` can open a session (the article's \"check container user\": --command id): enableExecuteCommand on the service, the task role allowed the four ssmmessages actions (simulated), a writable root, and an ExecuteCommandAgent RUNNING in every running task; exec off is reported as the default, not a problem",
        run: checkExec,
    },
];

export const CHECK_IDS: readonly string[] = CHECKS.map((c) => c.id);

export interface CheckResult extends Verdict {
    readonly id: string;
}

/** Runs one check; a fact it needs that could not be learned is itself a problem (the check could not pass). */
export function runCheck(check: Check, facts: Facts): CheckResult {
    try {
        return { id: check.id, ...check.run(facts) };
    } catch (err) {
        if (err instanceof CannotCheck) return { id: check.id, ...problem(`could not check: ${err.message}`, err.fix) };
        throw err;
    }
}
