/** What the caller of `npm run doctor` must be allowed; kept apart from the SDK clients so that --help loads none. */

/** The read-only actions the doctor calls; printed by --help so an operator can grant exactly these. */
export const DOCTOR_ACTIONS = [
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "ecs:ListTasks",
    "ecs:DescribeTasks",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroupRules",
    "ec2:DescribeVpcAttribute",
    "ec2:DescribeNetworkInterfaceAttribute",
    "elasticfilesystem:DescribeMountTargets",
    "elasticfilesystem:DescribeMountTargetSecurityGroups",
    "elasticfilesystem:DescribeAccessPoints",
    "iam:SimulatePrincipalPolicy",
] as const;
