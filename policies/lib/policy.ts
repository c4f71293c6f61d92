/** Small helpers shared by the rules. */
import { ResourceValidation, StackValidation } from "@pulumi/policy";

/**
 * Tags a validation with the one resource type it applies to, the way `validateResourceOfType`
 * does for an SDK class, so the pack server skips (and does not even deserialize) other resources.
 * The rules name types by token instead of importing @pulumi/aws, which keeps the pack quick to start.
 */
export function forType(type: string, validate: ResourceValidation): ResourceValidation {
    return tag(type, validate);
}

/** Tags a stack validation so the pack server skips it for stacks without a resource of `type`. */
export function whenStackHas(type: string, validate: StackValidation): StackValidation {
    return tag(type, validate);
}

function tag<T extends object>(type: string, validate: T): T {
    (validate as T & { __pulumiType?: string }).__pulumiType = type;
    return validate;
}

/** Resource type tokens (@pulumi/aws v7). */
export const types = {
    ecsTaskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    ecsService: "aws:ecs/service:Service",
    efsFileSystem: "aws:efs/fileSystem:FileSystem",
    efsMountTarget: "aws:efs/mountTarget:MountTarget",
    efsAccessPoint: "aws:efs/accessPoint:AccessPoint",
    efsFileSystemPolicy: "aws:efs/fileSystemPolicy:FileSystemPolicy",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    /** `aws.s3.Bucket` and its deprecated alias `aws.s3.BucketV2`. */
    s3Buckets: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    s3BucketVersionings: ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
    s3PublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    s3LifecycleConfigurations: [
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    ],
    s3BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    iamRole: "aws:iam/role:Role",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
} as const;
