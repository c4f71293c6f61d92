/** The article's "Permission Denied" checklist, and the mount options a task needs to reach EFS at all. */
import type { ContainerDefinition, TaskDefinition, Volume } from "@aws-sdk/client-ecs";
import { Facts, need, ok, problem, Verdict } from "../facts";

const efsVolumes = (td: TaskDefinition): Volume[] => (td.volumes ?? []).filter((v) => v.efsVolumeConfiguration !== undefined);

/** The containers that mount one of the task definition's EFS volumes. */
function efsContainers(td: TaskDefinition): ContainerDefinition[] {
    const names = new Set(efsVolumes(td).map((v) => v.name));
    return (td.containerDefinitions ?? []).filter((c) => (c.mountPoints ?? []).some((m) => names.has(m.sourceVolume)));
}

/**
 * The access point makes every NFS request run as its POSIX user; a container running as another user sees files
 * it "owns" with someone else's uid, and its own permission checks refuse what the server would allow.
 * https://docs.aws.amazon.com/efs/latest/ug/efs-access-points.html
 */
export function checkPosixUser(f: Pick<Facts, "outputs" | "taskDefinition" | "accessPoint">): Verdict {
    const td = need(f.taskDefinition);
    const posix = need(f.accessPoint).PosixUser;
    if (posix?.Uid === undefined || posix.Gid === undefined) {
        return problem(
            `access point ${f.outputs.accessPointId} enforces no POSIX user, so files are written as whoever the client claims to be`,
            "recreate the access point with a PosixUser (uid:gid of the container, never 0) — SharedFileSystem always sets one",
        );
    }
    const wanted = `${posix.Uid}:${posix.Gid}`;
    const containers = efsContainers(td);
    if (containers.length === 0) {
        return problem(`no container of ${td.family}:${td.revision} mounts an EFS volume`, "give the app container a mountPoint on the EFS volume at /mnt/efs");
    }
    const problems: string[] = [];
    for (const c of containers) {
        const user = c.user;
        if (user === undefined || user === "") {
            problems.push(`container ${c.name} sets no user (the image decides), the access point enforces ${wanted}`);
        } else if (!/^\d+(:\d+)?$/.test(user)) {
            problems.push(`container ${c.name} runs as "${user}", a name the doctor cannot compare with the access point's ${wanted}`);
        } else if (user !== wanted) {
            problems.push(`container ${c.name} runs as ${user}${user.includes(":") ? "" : " (no group)"}, the access point enforces ${wanted}`);
        }
    }
    if (problems.length > 0) {
        return problem(problems.join("; "), `run the container as "user": "${wanted}" (FargateService sets it from the access point: posixUid/posixGid config), or change the access point's PosixUser to the container's uid:gid`);
    }
    return ok(`${containers.map((c) => c.name).join(", ")} run${containers.length === 1 ? "s" : ""} as ${wanted}, the access point's POSIX user`);
}

/**
 * Every EFS volume mounts with TLS and IAM authorization through the stack's access point, the file system's
 * policy denies anything else. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/efs-volumes.html
 */
export function checkEfsVolumes(f: Pick<Facts, "outputs" | "taskDefinition" | "accessPoint">): Verdict {
    const td = need(f.taskDefinition);
    const volumes = efsVolumes(td);
    const { fileSystemId, accessPointId } = f.outputs;
    const problems: string[] = [];
    if (volumes.length === 0) problems.push(`${td.family}:${td.revision} has no EFS volume`);
    for (const v of volumes) {
        const c = v.efsVolumeConfiguration!;
        if (c.transitEncryption !== "ENABLED") problems.push(`volume ${v.name} has transitEncryption ${c.transitEncryption ?? "DISABLED (unset)"}`);
        if (c.authorizationConfig?.iam !== "ENABLED") problems.push(`volume ${v.name} has IAM authorization ${c.authorizationConfig?.iam ?? "DISABLED (unset)"}`);
        if (c.authorizationConfig?.accessPointId !== accessPointId) {
            problems.push(`volume ${v.name} mounts through ${c.authorizationConfig?.accessPointId ?? "no access point"}, not ${accessPointId}`);
        }
        if (c.fileSystemId !== fileSystemId) problems.push(`volume ${v.name} mounts ${c.fileSystemId}, not the stack's ${fileSystemId}`);
    }
    const ap = f.accessPoint.ok ? f.accessPoint.value : undefined;
    if (ap !== undefined && ap.FileSystemId !== fileSystemId) problems.push(`access point ${accessPointId} belongs to ${ap.FileSystemId}, not ${fileSystemId}`);
    if (problems.length > 0) {
        return problem(
            problems.join("; "),
            `set each EFS volume to { fileSystemId: ${fileSystemId}, transitEncryption: ENABLED, authorizationConfig: { accessPointId: ${accessPointId}, iam: ENABLED } } (the volume SharedFileSystem.grantAccess returns), then deploy the new revision`,
        );
    }
    return ok(`${volumes.map((v) => v.name).join(", ")}: TLS, IAM authorization, access point ${accessPointId}`);
}
