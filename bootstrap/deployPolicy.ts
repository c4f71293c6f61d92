/**
 * The documents of the bootstrap stack, as pure functions of plain data (tested without mocks): the trust policy of a
 * role that GitHub Actions assumes through OIDC, and the deploy role's permissions, scoped to what `pulumi up` of this
 * project creates.
 *
 * Trust: GitHub, "Configuring OpenID Connect in Amazon Web Services"
 * (https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services):
 * the audience is `sts.amazonaws.com` for the official action, and "AWS Identity and Access Management (IAM)
 * recommends that users evaluate the IAM condition key, token.actions.githubusercontent.com:sub, in the trust policy of
 * any role that trusts GitHub's OIDC identity provider"; "If you use a workflow with an environment, the sub field must
 * reference the environment name: repo:ORG-NAME/REPO-NAME:environment:ENVIRONMENT-NAME". IAM, "Create a role for
 * OpenID Connect federation" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html).
 * Every subject here is an exact `StringEquals` value: no `StringLike`, no wildcard.
 *
 * Permissions: one statement per service the program's components create (components/, `new aws.*`), by action
 * name (no `service:*`, never `*:*`), in the deploy regions only (`aws:RequestedRegion`), and by resource name where
 * the program's names are stable (`PROGRAM_NAMES`, held to the program by test/bootstrap/programNames.spec.ts). IAM is
 * the sharp edge: the role may create, change and delete only roles named as the program names its roles, attach only
 * the ECS task-execution managed policy, and pass those roles only to ECS tasks (and the drain's scheduler role only
 * to EventBridge Scheduler). It can still write inline policies on those roles (the grants are inline policies), so
 * whoever can run the deploy workflow holds what a task role can be given: keep the environments' reviewers.
 */

/** An IAM policy document. */
export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: readonly Statement[];
}
export interface Statement {
    readonly Sid: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    /** Absent in a trust policy. */
    readonly Resource?: string | readonly string[];
    readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
    readonly Principal?: unknown;
}

/** GitHub's OIDC issuer, and the audience the official action (aws-actions/configure-aws-credentials) asks for. */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
export const GITHUB_OIDC_AUDIENCE = "sts.amazonaws.com";

/**
 * The `sub` claims that may assume a role: one per environment (`repo:<repo>:environment:<env>`) and per branch
 * (`repo:<repo>:ref:refs/heads/<branch>`).
 */
export function deploySubjects(repository: string, environments: readonly string[], branches: readonly string[]): string[] {
    return [...environments.map((env) => `repo:${repository}:environment:${env}`), ...branches.map((branch) => `repo:${repository}:ref:refs/heads/${branch}`)];
}

/** The `sub` claim of a `pull_request` workflow's jobs (no environment): what .github/workflows/preview.yml sends. */
export function previewSubjects(repository: string): string[] {
    return [`repo:${repository}:pull_request`];
}

/** A trust policy for GitHub Actions: the account's GitHub provider, `aud` exactly sts.amazonaws.com, `sub` one of `subjects` exactly. */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): PolicyDocument {
    if (subjects.length === 0 || subjects.some((s) => /[*?]/.test(s))) {
        throw new Error(`a GitHub trust policy needs exact subjects, without wildcards; got ${JSON.stringify(subjects)}`);
    }
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "GitHubActionsOfOneRepository",
                Effect: "Allow",
                Principal: { Federated: providerArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${GITHUB_OIDC_HOST}:aud`]: GITHUB_OIDC_AUDIENCE,
                        [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0] : [...subjects],
                    },
                },
            },
        ],
    };
}

/**
 * How the program names what it creates: Pulumi's auto-names are `<logical name>-<7 hex>`, and the logical names come
 * from index.ts (components/architecture.ts): the services `app` and `worker`, the queue `work`, the bucket `archive`,
 * monitoring `ops`, log analytics `logs`. Each entry is a name prefix; test/bootstrap/programNames.spec.ts runs the
 * program and holds every named resource to it.
 */
export const PROGRAM_NAMES = {
    /** `<service>-execution-role`, `-task-role`, `-drain-task-role`, `-drain-scheduler-role`. */
    roles: ["app-", "worker-"],
    /** The drain's EventBridge Scheduler role: the one role passed to scheduler.amazonaws.com. */
    schedulerRoles: ["app-drain-scheduler-role-"],
    buckets: ["archive-bucket-", "app-access-logs-"],
    queues: ["work-queue-", "work-dead-letters-"],
    topics: ["ops-alarms-"],
    logGroups: ["app-", "worker-"],
    repositories: ["app-repository-"],
    alarms: ["ops-"],
    schedules: ["app-drain-"],
} as const;

/** Where the deploy role acts: the account, its partition, the regions, the main project's name, the optional features. */
export interface DeployScope {
    readonly partition: string;
    readonly account: string;
    readonly regions: readonly string[];
    /** The main project's name (`fargate-efs-s3`): the dashboard is `<project>-<stack>`, the Glue and Athena names `<project>_<stack>_logs` with `_`. */
    readonly project: string;
    readonly contentDelivery: boolean;
}

/** The deploy role's policies, one per part of the architecture (each a customer managed policy, under IAM's 6,144 characters). */
export type DeployPart = "network" | "storage" | "compute" | "messaging" | "identity" | "analytics";

export function deployPolicies(scope: DeployScope): Record<DeployPart, PolicyDocument> {
    const { partition, account, regions } = scope;
    const inRegions = { StringEquals: { "aws:RequestedRegion": [...regions] } };
    const regional = (service: string, resources: readonly string[]) => regions.flatMap((region) => resources.map((r) => `arn:${partition}:${service}:${region}:${account}:${r}`));
    const doc = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });
    const catalogPrefix = `${scope.project.replace(/-/g, "_")}_`;
    const roleArns = (prefixes: readonly string[]) => prefixes.map((p) => `arn:${partition}:iam::${account}:role/${p}*`);

    return {
        // awsx.ec2.Vpc (subnets, route tables, internet and NAT gateways, elastic IPs), the S3 gateway endpoint, the
        // security groups and their rules.
        network: doc({
            Sid: "VpcAndSecurityGroups",
            Effect: "Allow",
            Action: [
                "ec2:Describe*",
                "ec2:CreateTags",
                "ec2:DeleteTags",
                "ec2:CreateVpc",
                "ec2:DeleteVpc",
                "ec2:ModifyVpcAttribute",
                "ec2:CreateSubnet",
                "ec2:DeleteSubnet",
                "ec2:ModifySubnetAttribute",
                "ec2:CreateRouteTable",
                "ec2:DeleteRouteTable",
                "ec2:AssociateRouteTable",
                "ec2:DisassociateRouteTable",
                "ec2:CreateRoute",
                "ec2:DeleteRoute",
                "ec2:ReplaceRoute",
                "ec2:CreateInternetGateway",
                "ec2:DeleteInternetGateway",
                "ec2:AttachInternetGateway",
                "ec2:DetachInternetGateway",
                "ec2:AllocateAddress",
                "ec2:ReleaseAddress",
                "ec2:DisassociateAddress",
                "ec2:CreateNatGateway",
                "ec2:DeleteNatGateway",
                "ec2:CreateVpcEndpoint",
                "ec2:DeleteVpcEndpoints",
                "ec2:ModifyVpcEndpoint",
                "ec2:CreateSecurityGroup",
                "ec2:DeleteSecurityGroup",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:ModifySecurityGroupRules",
                "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
                "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                // EFS's CreateMountTarget, DeleteMountTarget and ModifyMountTargetSecurityGroups act on the caller's
                // behalf on the mount target's network interface (EFS API reference, each operation).
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:ModifyNetworkInterfaceAttribute",
            ],
            Resource: "*",
            Condition: inRegions,
        }),
        // EFS (file system, mount targets, access points, policies, backup, replication), S3 (the archive and its access
        // log bucket, bucket-level only: the deployer never reads the data; deleting objects only for forceDestroy), KMS.
        storage: doc(
            {
                Sid: "FileSystem",
                Effect: "Allow",
                Action: [
                    "elasticfilesystem:CreateFileSystem",
                    "elasticfilesystem:DeleteFileSystem",
                    "elasticfilesystem:UpdateFileSystem",
                    "elasticfilesystem:UpdateFileSystemProtection",
                    "elasticfilesystem:Describe*",
                    "elasticfilesystem:CreateMountTarget",
                    "elasticfilesystem:DeleteMountTarget",
                    "elasticfilesystem:ModifyMountTargetSecurityGroups",
                    "elasticfilesystem:CreateAccessPoint",
                    "elasticfilesystem:DeleteAccessPoint",
                    "elasticfilesystem:PutFileSystemPolicy",
                    "elasticfilesystem:DeleteFileSystemPolicy",
                    "elasticfilesystem:PutBackupPolicy",
                    "elasticfilesystem:PutLifecycleConfiguration",
                    "elasticfilesystem:CreateReplicationConfiguration",
                    "elasticfilesystem:DeleteReplicationConfiguration",
                    "elasticfilesystem:TagResource",
                    "elasticfilesystem:UntagResource",
                    "elasticfilesystem:ListTagsForResource",
                ],
                Resource: "*",
                Condition: inRegions,
            },
            {
                Sid: "ArchiveBuckets",
                Effect: "Allow",
                Action: [
                    "s3:CreateBucket",
                    "s3:DeleteBucket",
                    "s3:ListBucket",
                    "s3:ListBucketVersions",
                    "s3:GetBucket*",
                    "s3:PutBucket*",
                    "s3:DeleteBucketPolicy",
                    "s3:GetAccelerateConfiguration",
                    "s3:GetLifecycleConfiguration",
                    "s3:PutLifecycleConfiguration",
                    "s3:GetReplicationConfiguration",
                    "s3:GetEncryptionConfiguration",
                    "s3:PutEncryptionConfiguration",
                ],
                Resource: PROGRAM_NAMES.buckets.map((b) => `arn:${partition}:s3:::${b}*`),
            },
            {
                Sid: "EmptyBucketsOnDestroy",
                Effect: "Allow",
                Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                Resource: PROGRAM_NAMES.buckets.map((b) => `arn:${partition}:s3:::${b}*/*`),
            },
            { Sid: "CreateKeys", Effect: "Allow", Action: "kms:CreateKey", Resource: "*", Condition: inRegions },
            {
                Sid: "ManageKeys",
                Effect: "Allow",
                Action: [
                    "kms:DescribeKey",
                    "kms:GetKeyPolicy",
                    "kms:PutKeyPolicy",
                    "kms:GetKeyRotationStatus",
                    "kms:EnableKeyRotation",
                    "kms:UpdateKeyDescription",
                    "kms:ListResourceTags",
                    "kms:TagResource",
                    "kms:UntagResource",
                    "kms:ScheduleKeyDeletion",
                ],
                Resource: regional("kms", ["key/*"]),
            },
        ),
        // ECS (cluster, capacity providers, task definitions, services), ECR (the repository and the image push), the
        // load balancer, Application Auto Scaling, EventBridge Scheduler.
        compute: doc(
            {
                Sid: "ContainerServices",
                Effect: "Allow",
                Action: [
                    "ecs:CreateCluster",
                    "ecs:DeleteCluster",
                    "ecs:UpdateCluster",
                    "ecs:DescribeClusters",
                    "ecs:PutClusterCapacityProviders",
                    "ecs:RegisterTaskDefinition",
                    "ecs:DeregisterTaskDefinition",
                    "ecs:DescribeTaskDefinition",
                    "ecs:CreateService",
                    "ecs:UpdateService",
                    "ecs:DeleteService",
                    "ecs:DescribeServices",
                    "ecs:TagResource",
                    "ecs:UntagResource",
                    "ecs:ListTagsForResource",
                    "elasticloadbalancing:Describe*",
                    "elasticloadbalancing:CreateLoadBalancer",
                    "elasticloadbalancing:DeleteLoadBalancer",
                    "elasticloadbalancing:ModifyLoadBalancerAttributes",
                    "elasticloadbalancing:SetSecurityGroups",
                    "elasticloadbalancing:SetSubnets",
                    "elasticloadbalancing:CreateTargetGroup",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:CreateListener",
                    "elasticloadbalancing:DeleteListener",
                    "elasticloadbalancing:ModifyListener",
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:AddTags",
                    "elasticloadbalancing:RemoveTags",
                    "application-autoscaling:RegisterScalableTarget",
                    "application-autoscaling:DeregisterScalableTarget",
                    "application-autoscaling:DescribeScalableTargets",
                    "application-autoscaling:PutScalingPolicy",
                    "application-autoscaling:DeleteScalingPolicy",
                    "application-autoscaling:DescribeScalingPolicies",
                    "application-autoscaling:TagResource",
                    "application-autoscaling:UntagResource",
                    "application-autoscaling:ListTagsForResource",
                    "ecr:GetAuthorizationToken",
                ],
                Resource: "*",
                Condition: inRegions,
            },
            {
                Sid: "ImageRepository",
                Effect: "Allow",
                Action: [
                    "ecr:CreateRepository",
                    "ecr:DeleteRepository",
                    "ecr:DescribeRepositories",
                    "ecr:PutImageScanningConfiguration",
                    "ecr:PutImageTagMutability",
                    "ecr:PutLifecyclePolicy",
                    "ecr:GetLifecyclePolicy",
                    "ecr:DeleteLifecyclePolicy",
                    "ecr:TagResource",
                    "ecr:UntagResource",
                    "ecr:ListTagsForResource",
                    "ecr:DescribeImages",
                    "ecr:BatchGetImage",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                ],
                Resource: regional("ecr", PROGRAM_NAMES.repositories.map((r) => `repository/${r}*`)),
            },
            {
                Sid: "DrainSchedule",
                Effect: "Allow",
                Action: ["scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:UpdateSchedule", "scheduler:DeleteSchedule"],
                Resource: regional("scheduler", PROGRAM_NAMES.schedules.map((s) => `schedule/default/${s}*`)),
            },
        ),
        // SQS, SNS, CloudWatch Logs, alarms and the dashboard.
        messaging: doc(
            {
                Sid: "WorkQueues",
                Effect: "Allow",
                Action: ["sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:SetQueueAttributes", "sqs:GetQueueUrl", "sqs:TagQueue", "sqs:UntagQueue", "sqs:ListQueueTags"],
                Resource: regional("sqs", PROGRAM_NAMES.queues.map((q) => `${q}*`)),
            },
            {
                Sid: "AlarmTopic",
                Effect: "Allow",
                Action: [
                    "sns:CreateTopic",
                    "sns:DeleteTopic",
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:Subscribe",
                    "sns:Unsubscribe",
                    "sns:GetSubscriptionAttributes",
                    "sns:SetSubscriptionAttributes",
                    "sns:TagResource",
                    "sns:UntagResource",
                    "sns:ListTagsForResource",
                ],
                Resource: regional("sns", PROGRAM_NAMES.topics.flatMap((t) => [`${t}*`, `${t}*:*`])),
            },
            {
                Sid: "LogGroups",
                Effect: "Allow",
                Action: [
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:AssociateKmsKey",
                    "logs:DisassociateKmsKey",
                    "logs:TagResource",
                    "logs:UntagResource",
                    "logs:ListTagsForResource",
                ],
                Resource: regional("logs", PROGRAM_NAMES.logGroups.flatMap((g) => [`log-group:${g}*`, `log-group:${g}*:*`])),
            },
            {
                Sid: "DescribeLogGroupsAndAlarms",
                Effect: "Allow",
                Action: ["logs:DescribeLogGroups", "cloudwatch:DescribeAlarms"],
                Resource: "*",
                Condition: inRegions,
            },
            {
                Sid: "Alarms",
                Effect: "Allow",
                Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
                Resource: regional("cloudwatch", PROGRAM_NAMES.alarms.map((a) => `alarm:${a}*`)),
            },
            {
                Sid: "Dashboard",
                Effect: "Allow",
                Action: ["cloudwatch:PutDashboard", "cloudwatch:GetDashboard", "cloudwatch:DeleteDashboards"],
                Resource: `arn:${partition}:cloudwatch::${account}:dashboard/${scope.project}-*`,
            },
        ),
        identity: doc(
            {
                Sid: "ProgramRoles",
                Effect: "Allow",
                Action: [
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:UpdateRole",
                    "iam:UpdateAssumeRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                    "iam:ListRoleTags",
                    "iam:PutRolePolicy",
                    "iam:GetRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:ListRolePolicies",
                    "iam:ListAttachedRolePolicies",
                    "iam:ListInstanceProfilesForRole",
                ],
                Resource: roleArns(PROGRAM_NAMES.roles),
            },
            {
                Sid: "AttachOnlyTheTaskExecutionPolicy",
                Effect: "Allow",
                Action: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                Resource: roleArns(PROGRAM_NAMES.roles),
                Condition: { ArnEquals: { "iam:PolicyARN": `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy` } },
            },
            {
                // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
                Sid: "PassTaskRolesToEcsTasksOnly",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: roleArns(PROGRAM_NAMES.roles),
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
            {
                Sid: "PassTheDrainSchedulerRoleToSchedulerOnly",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: roleArns(PROGRAM_NAMES.schedulerRoles),
                Condition: { StringEquals: { "iam:PassedToService": "scheduler.amazonaws.com" } },
            },
            {
                // The first ECS cluster, load balancer, file system or scalable target of an account creates its
                // service-linked role.
                Sid: "ServiceLinkedRolesOfTheServicesUsed",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: `arn:${partition}:iam::${account}:role/aws-service-role/*`,
                Condition: {
                    StringEquals: {
                        "iam:AWSServiceName": [
                            "ecs.amazonaws.com",
                            "elasticloadbalancing.amazonaws.com",
                            "elasticfilesystem.amazonaws.com",
                            "ecs.application-autoscaling.amazonaws.com",
                            "backup.amazonaws.com",
                        ],
                    },
                },
            },
        ),
        // Glue and Athena (logAnalytics), CloudFront (cdn.enabled) when allowed.
        analytics: doc(
            {
                Sid: "LogCatalog",
                Effect: "Allow",
                Action: ["glue:CreateDatabase", "glue:DeleteDatabase", "glue:GetDatabase", "glue:UpdateDatabase", "glue:CreateTable", "glue:DeleteTable", "glue:GetTable", "glue:UpdateTable", "glue:GetTags", "glue:TagResource", "glue:UntagResource"],
                Resource: regional("glue", ["catalog", `database/${catalogPrefix}*`, `table/${catalogPrefix}*/*`]),
            },
            {
                Sid: "LogQueries",
                Effect: "Allow",
                Action: [
                    "athena:CreateWorkGroup",
                    "athena:DeleteWorkGroup",
                    "athena:GetWorkGroup",
                    "athena:UpdateWorkGroup",
                    "athena:CreateNamedQuery",
                    "athena:DeleteNamedQuery",
                    "athena:GetNamedQuery",
                    "athena:TagResource",
                    "athena:UntagResource",
                    "athena:ListTagsForResource",
                ],
                Resource: regional("athena", [`workgroup/${catalogPrefix}*`]),
            },
            ...(scope.contentDelivery
                ? [
                      {
                          // CloudFront is global: its API is called in us-east-1 ("aws:RequestedRegion … For global
                          // services such as IAM, AWS uses us-east-1", IAM User Guide, global condition context keys).
                          Sid: "CreateDistributions",
                          Effect: "Allow" as const,
                          Action: ["cloudfront:CreateDistribution", "cloudfront:CreateOriginAccessControl"],
                          Resource: "*",
                          Condition: { StringEquals: { "aws:RequestedRegion": ["us-east-1"] } },
                      },
                      {
                          Sid: "ManageDistributions",
                          Effect: "Allow" as const,
                          Action: [
                              "cloudfront:UpdateDistribution",
                              "cloudfront:DeleteDistribution",
                              "cloudfront:GetDistribution",
                              "cloudfront:GetDistributionConfig",
                              "cloudfront:TagResource",
                              "cloudfront:UntagResource",
                              "cloudfront:ListTagsForResource",
                              "cloudfront:GetOriginAccessControl",
                              "cloudfront:UpdateOriginAccessControl",
                              "cloudfront:DeleteOriginAccessControl",
                          ],
                          Resource: [`arn:${partition}:cloudfront::${account}:distribution/*`, `arn:${partition}:cloudfront::${account}:origin-access-control/*`],
                      },
                  ]
                : []),
        ),
    };
}

/**
 * The preview role: what `pulumi preview` of this project reads from AWS besides its state (the data sources: caller
 * identity needs no permission; availability zones and route tables; the ECR login of the image build; the alarm
 * topic's key when a stack passes one in, which the program describes to refuse an AWS managed key).
 */
export function previewPolicy(scope: Pick<DeployScope, "regions">): PolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ReadWhatThePreviewLooksUp",
                Effect: "Allow",
                Action: ["ec2:DescribeAvailabilityZones", "ec2:DescribeRouteTables", "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ecr:GetAuthorizationToken", "kms:DescribeKey"],
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": [...scope.regions] } },
            },
        ],
    };
}
