/** Small helpers shared by the rules. */
import { ResourceValidation, StackValidation } from "@pulumi/policy";

/**
 * Runs `validate` only for resources of `type` (one token, or several for a resource and its deprecated alias),
 * judged by the resource's own `args.type`. The rules name types by token instead of importing @pulumi/aws,
 * which keeps the pack quick to start; `validateResourceOfType` would need the SDK's classes. No private field of
 * @pulumi/policy is read or written, so each rule is right on its own whatever the pack server filters.
 */
export function forType(type: string | readonly string[], validate: ResourceValidation): ResourceValidation {
    const accepts = typeMatcher(type);
    return (args, reportViolation) => (accepts(args.type) ? validate(args, reportViolation) : undefined);
}

/**
 * Runs a stack validation only for stacks with at least one resource of `type`. With a single type the function also
 * carries it as `__pulumiType`, the mark @pulumi/policy's own typed stack validations carry (`getPulumiType`): the
 * server then skips the policy before it builds its view of every resource of the stack, which is most of what a
 * stack policy costs at 10,000 resources (bench/policy.bench.ts).
 */
export function whenStackHas(type: string | readonly string[], validate: StackValidation): StackValidation {
    const accepts = typeMatcher(type);
    const fn: StackValidation & { __pulumiType?: string } = (args, reportViolation) => (args.resources.some((r) => accepts(r.type)) ? validate(args, reportViolation) : undefined);
    if (typeof type === "string") {
        fn.__pulumiType = type;
    }
    return fn;
}

function typeMatcher(type: string | readonly string[]): (candidate: string) => boolean {
    const tokens = new Set(typeof type === "string" ? [type] : type);
    return (candidate) => tokens.has(candidate);
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
    cloudfrontDistribution: "aws:cloudfront/distribution:Distribution",
    cloudfrontOriginAccessControl: "aws:cloudfront/originAccessControl:OriginAccessControl",
    cloudfrontOriginAccessIdentity: "aws:cloudfront/originAccessIdentity:OriginAccessIdentity",
    iamRole: "aws:iam/role:Role",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    // issue 19: the work queue
    sqsQueue: "aws:sqs/queue:Queue",
    sqsQueuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    sqsRedrivePolicy: "aws:sqs/redrivePolicy:RedrivePolicy",
    iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
    iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    ecsCluster: "aws:ecs/cluster:Cluster",
    efsBackupPolicy: "aws:efs/backupPolicy:BackupPolicy",
    s3ServerSideEncryptions: [
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    ],
    s3OwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    s3BucketAcls: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
    /** `aws.lb.*` and its alias module `aws.alb.*`. */
    loadBalancers: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
    listeners: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    kmsKey: "aws:kms/key:Key",
    ecrRepository: "aws:ecr/repository:Repository",
    ecrLifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
} as const;
