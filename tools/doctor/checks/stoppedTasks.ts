/**
 * Recently stopped tasks, their stop reasons translated into the fix. The reasons are those ECS documents:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html and
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/resource-initialization-error.html
 */
import type { Task } from "@aws-sdk/client-ecs";
import { Facts, need, ok, problem, Verdict } from "../facts";

export interface Diagnosis {
    /** What went wrong, in the operator's words. */
    readonly cause: string;
    readonly fix: string;
}

/** First match wins: the EFS mount failures before the generic ones. */
const REASONS: readonly { readonly pattern: RegExp; readonly diagnosis: Diagnosis }[] = [
    {
        pattern: /EFS utils commands[\s\S]*(Failed to resolve|Name or service not known|Temporary failure in name resolution)/i,
        diagnosis: {
            cause: "the file system's DNS name did not resolve in the task's subnet",
            fix: "give every task AZ a mount target and turn on the VPC's DNS support and hostnames (see mount-targets, vpc-dns)",
        },
    },
    {
        pattern: /EFS utils commands[\s\S]*(timed out|timeout|Connection refused|No route to host)/i,
        diagnosis: {
            cause: "the NFS connection (TCP 2049) to the mount target timed out",
            fix: "let the mount targets' security group admit TCP 2049 from the task security group, and the task group let it out (see nfs-ingress, nfs-egress)",
        },
    },
    {
        pattern: /EFS utils commands[\s\S]*(access denied|permission denied|not authorized)/i,
        diagnosis: {
            cause: "EFS refused the mount: IAM authorization or the file-system policy",
            fix: "allow elasticfilesystem:ClientMount/ClientWrite to the task role through the access point, in its policy and the file-system policy (SharedFileSystem.grantAccess), and mount with TLS and IAM on (see efs-volumes)",
        },
    },
    {
        pattern: /EFS utils commands[\s\S]*No such file or directory/i,
        diagnosis: {
            cause: "the access point's root directory does not exist on the file system",
            fix: "give the access point a CreationInfo (owner uid/gid and permissions) so that EFS creates the directory, as SharedFileSystem does",
        },
    },
    {
        pattern: /EFS utils commands|EFS volume/i,
        diagnosis: { cause: "the EFS volume could not be mounted", fix: "fix what the mount-targets, nfs-ingress, nfs-egress, vpc-dns and efs-volumes checks report" },
    },
    {
        pattern: /unable to pull secrets or registry auth/i,
        diagnosis: {
            cause: "the task could not reach ECR or Secrets Manager while starting",
            fix: "give the private subnets a route to ECR (NAT gateway or ECR/S3 VPC endpoints) and the execution role AmazonECSTaskExecutionRolePolicy",
        },
    },
    {
        pattern: /CannotPullContainerError/i,
        diagnosis: {
            cause: "the image could not be pulled",
            fix: "check the image URI exists, the private subnets reach ECR (NAT or VPC endpoints) and the execution role may pull (AmazonECSTaskExecutionRolePolicy)",
        },
    },
    {
        pattern: /AccessDenied|not authorized to perform/i,
        diagnosis: {
            cause: "an AWS call was denied",
            fix: "give the execution role what starting needs (ECR pull, logs) and the task role what the app needs (see archive-access)",
        },
    },
    { pattern: /OutOfMemory|killed due to memory usage/i, diagnosis: { cause: "the container ran out of memory", fix: "raise the task's memory (config: memory)" } },
    {
        pattern: /failed (ELB|container) health checks/i,
        diagnosis: {
            cause: "the app did not answer /healthz",
            fix: "read the app's log group; /healthz fails when DATA_DIR is not writable, which is the POSIX user (see posix-user)",
        },
    },
];

/** Stops that are part of normal operation: scale-in, deployments, an operator's stop, platform maintenance. */
const ROUTINE = /Scaling activity initiated by|Task stopped by user|ECS is performing maintenance|deployment .* replaced|Service .* draining/i;

/** Why a stopped task stopped and what to do, or undefined when the stop is routine. */
export function diagnoseStoppedTask(task: Task): Diagnosis | undefined {
    const reasons = [task.stoppedReason, ...(task.containers ?? []).map((c) => c.reason)].filter((r): r is string => !!r);
    const text = reasons.join("\n");
    for (const { pattern, diagnosis } of REASONS) {
        if (pattern.test(text)) return diagnosis;
    }
    const essentialExit = /Essential container in task exited/i.test(text) || task.stopCode === "EssentialContainerExited";
    const failed = (task.containers ?? []).filter((c) => c.exitCode !== undefined && c.exitCode !== 0);
    if (essentialExit && failed.length > 0) {
        return {
            cause: `the app exited with code ${failed.map((c) => c.exitCode).join(", ")}`,
            fix: "read the app's log group (output logGroupName): EACCES under /mnt/efs is the POSIX user (see posix-user), AccessDenied from S3 is IAM (see archive-access)",
        };
    }
    if (essentialExit || ROUTINE.test(text) || task.stopCode === "UserInitiated" || task.stopCode === "ServiceSchedulerInitiated") return undefined;
    return { cause: `stopped: ${text || task.stopCode || "no reason given"}`, fix: "look the reason up in https://docs.aws.amazon.com/AmazonECS/latest/developerguide/stopped-task-error-codes.html" };
}

const shortId = (arn: string | undefined) => arn?.split("/").pop() ?? "?";

export function checkStoppedTasks(f: Pick<Facts, "stoppedTasks">): Verdict {
    const tasks = need(f.stoppedTasks);
    const byCause = new Map<string, { diagnosis: Diagnosis; tasks: Task[] }>();
    for (const task of tasks) {
        const d = diagnoseStoppedTask(task);
        if (d === undefined) continue;
        const entry = byCause.get(d.cause) ?? { diagnosis: d, tasks: [] };
        entry.tasks.push(task);
        byCause.set(d.cause, entry);
    }
    if (byCause.size === 0) return ok(`${tasks.length} recently stopped task(s), none failed`);
    const entries = [...byCause.values()];
    return problem(
        entries
            .map(({ diagnosis, tasks: ts }) => `${ts.length} task(s) (${ts.slice(0, 3).map((t) => shortId(t.taskArn)).join(", ")}${ts.length > 3 ? ", …" : ""}): ${diagnosis.cause} (stopped: "${(ts[0].stoppedReason ?? "").slice(0, 160)}")`)
            .join("; "),
        entries.map(({ diagnosis }) => diagnosis.fix).join("; "),
    );
}
