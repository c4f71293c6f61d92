/**
 * A deployed stack, built with the AWS SDK on moto the way the components build it on AWS (see
 * components/sharedFileSystem.ts and components/fargateService.ts), healthy by default and broken one way per
 * variant. Returns the stack outputs as `pulumi stack output --json` prints them.
 */
import * as ec2 from "@aws-sdk/client-ec2";
import * as ecs from "@aws-sdk/client-ecs";
import * as efs from "@aws-sdk/client-efs";
import * as iam from "@aws-sdk/client-iam";
import { CREDENTIALS } from "../support/s3server";

export interface Breakage {
    /** The mount targets' group has no TCP 2049 rule from the task group. */
    readonly noNfsRule?: boolean;
    /** Extra ingress on the mount targets' group, as `aws ec2 authorize-security-group-ingress` would add it. */
    readonly extraIngress?: { readonly port: number; readonly cidr?: string };
    /** The task group keeps only its HTTPS egress. */
    readonly noNfsEgress?: boolean;
    readonly dnsHostnames?: false;
    /** The access point's uid, when it is not the container's 1000. */
    readonly accessPointUid?: number;
    /** The volume without TLS (and so without IAM authorization or an access point, which need TLS). */
    readonly plainNfs?: boolean;
    /** The service also runs in a subnet of us-east-1c, where the file system has no mount target. */
    readonly subnetWithoutMountTarget?: boolean;
    /** A task of the service stopped with this reason. */
    readonly stoppedReason?: string;
}

export interface LiveStack {
    readonly outputs: Record<string, string>;
}

const UID = 1000;
const GID = 1000;

export async function createLiveStack(endpoint: string, name: string, broken: Breakage = {}): Promise<LiveStack> {
    const config = {
        endpoint,
        region: CREDENTIALS.AWS_REGION,
        credentials: { accessKeyId: CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    };
    const EC2 = new ec2.EC2Client(config);
    const EFS = new efs.EFSClient(config);
    const ECS = new ecs.ECSClient(config);
    const IAM = new iam.IAMClient(config);
    try {
        // Network: awsx.ec2.Vpc turns both DNS attributes on.
        const vpcId = (await EC2.send(new ec2.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
        await EC2.send(new ec2.ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
        await EC2.send(new ec2.ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: broken.dnsHostnames ?? true } }));
        const subnet = async (az: string, cidr: string) =>
            (await EC2.send(new ec2.CreateSubnetCommand({ VpcId: vpcId, AvailabilityZone: az, CidrBlock: cidr }))).Subnet!.SubnetId!;
        const privateSubnets = [await subnet("us-east-1a", "10.0.1.0/24"), await subnet("us-east-1b", "10.0.2.0/24")];
        const taskSubnets = broken.subnetWithoutMountTarget ? [...privateSubnets, await subnet("us-east-1c", "10.0.3.0/24")] : privateSubnets;

        // Security groups without their default allow-all egress, as the provider creates them.
        const group = async (role: string) => {
            const id = (await EC2.send(new ec2.CreateSecurityGroupCommand({ VpcId: vpcId, GroupName: `${name}-${role}`, Description: role }))).GroupId!;
            await EC2.send(new ec2.RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }] }));
            return id;
        };
        const nfsGroup = await group("efs");
        const taskGroup = await group("task");
        const tcp = (port: number, peer: { group?: string; cidr?: string }): ec2.IpPermission => ({
            IpProtocol: "tcp",
            FromPort: port,
            ToPort: port,
            ...(peer.group ? { UserIdGroupPairs: [{ GroupId: peer.group }] } : { IpRanges: [{ CidrIp: peer.cidr }] }),
        });
        if (!broken.noNfsRule) await EC2.send(new ec2.AuthorizeSecurityGroupIngressCommand({ GroupId: nfsGroup, IpPermissions: [tcp(2049, { group: taskGroup })] }));
        if (broken.extraIngress) {
            const { port, cidr } = broken.extraIngress;
            await EC2.send(new ec2.AuthorizeSecurityGroupIngressCommand({ GroupId: nfsGroup, IpPermissions: [tcp(port, cidr ? { cidr } : { group: taskGroup })] }));
        }
        const taskEgress = [tcp(443, { cidr: "0.0.0.0/0" }), ...(broken.noNfsEgress ? [] : [tcp(2049, { group: nfsGroup })])];
        await EC2.send(new ec2.AuthorizeSecurityGroupEgressCommand({ GroupId: taskGroup, IpPermissions: taskEgress }));

        // Storage: one mount target per private subnet, the access point with its POSIX user.
        const fileSystemId = (await EFS.send(new efs.CreateFileSystemCommand({ CreationToken: name, Encrypted: true, PerformanceMode: "generalPurpose" }))).FileSystemId!;
        for (const subnetId of privateSubnets) {
            await EFS.send(new efs.CreateMountTargetCommand({ FileSystemId: fileSystemId, SubnetId: subnetId, SecurityGroups: [nfsGroup] }));
        }
        const accessPointId = (
            await EFS.send(
                new efs.CreateAccessPointCommand({
                    FileSystemId: fileSystemId,
                    PosixUser: { Uid: broken.accessPointUid ?? UID, Gid: GID },
                    RootDirectory: { Path: "/app", CreationInfo: { OwnerUid: UID, OwnerGid: GID, Permissions: "0750" } },
                }),
            )
        ).AccessPointId!;

        const bucketName = `${name}-archive`;
        const assumedByTasks = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }] };
        const roleArn = (await IAM.send(new iam.CreateRoleCommand({ RoleName: `${name}-task-role`, AssumeRolePolicyDocument: JSON.stringify(assumedByTasks) }))).Role!.Arn!;
        await IAM.send(
            new iam.PutRolePolicyCommand({
                RoleName: `${name}-task-role`,
                PolicyName: "archive-access",
                PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${bucketName}/uploads/*` }] }),
            }),
        );

        // Compute: the task definition FargateService registers, and its service.
        const clusterName = `${name}-cluster`;
        await ECS.send(new ecs.CreateClusterCommand({ clusterName }));
        const volume: ecs.Volume = {
            name: "efs-app",
            efsVolumeConfiguration: broken.plainNfs
                ? { fileSystemId, transitEncryption: "DISABLED" }
                : { fileSystemId, transitEncryption: "ENABLED", authorizationConfig: { accessPointId, iam: "ENABLED" } },
        };
        const app: ecs.ContainerDefinition = {
            name: "app",
            image: "app:latest",
            essential: true,
            user: `${UID}:${GID}`,
            environment: [
                { name: "ARCHIVE_PREFIX", value: "uploads/" },
                { name: "BUCKET", value: bucketName },
            ],
            mountPoints: [{ sourceVolume: "efs-app", containerPath: "/mnt/efs", readOnly: false }],
        };
        const taskDefinition = (
            await ECS.send(
                new ecs.RegisterTaskDefinitionCommand({
                    family: `${name}-app`,
                    networkMode: "awsvpc",
                    requiresCompatibilities: ["FARGATE"],
                    cpu: "256",
                    memory: "512",
                    taskRoleArn: roleArn,
                    volumes: [volume],
                    containerDefinitions: [app],
                }),
            )
        ).taskDefinition!.taskDefinitionArn!;
        const serviceName = `${name}-service`;
        await ECS.send(
            new ecs.CreateServiceCommand({
                cluster: clusterName,
                serviceName,
                taskDefinition,
                desiredCount: 1,
                launchType: "FARGATE",
                platformVersion: "1.4.0",
                networkConfiguration: { awsvpcConfiguration: { subnets: taskSubnets, securityGroups: [taskGroup], assignPublicIp: "DISABLED" } },
            }),
        );
        if (broken.stoppedReason) {
            // moto 5.2.5 cannot run an awsvpc task (its Task model fails on the ENI) and needs a container memory:
            // the stopped task runs a twin definition without awsvpc. Only its stop reason matters to the doctor.
            const twin = (
                await ECS.send(new ecs.RegisterTaskDefinitionCommand({ family: `${name}-stopped`, containerDefinitions: [{ ...app, memory: 512 }], volumes: [volume] }))
            ).taskDefinition!.taskDefinitionArn!;
            const task = (await ECS.send(new ecs.RunTaskCommand({ cluster: clusterName, taskDefinition: twin, launchType: "FARGATE", group: `service:${serviceName}` }))).tasks![0]!;
            // StopTask's reason is what DescribeTasks shows as stoppedReason, as on AWS.
            await ECS.send(new ecs.StopTaskCommand({ cluster: clusterName, task: task.taskArn, reason: broken.stoppedReason }));
        }

        return {
            outputs: {
                serviceUrl: `http://${name}.elb.example`,
                bucketName,
                fileSystemId,
                accessPointId,
                clusterName,
                serviceName,
                logGroupName: `${name}-logs`,
                vpcId,
            },
        };
    } finally {
        for (const c of [EC2, EFS, ECS, IAM]) c.destroy();
    }
}
