/**
 * A compliant stack for the proactive-control rules (docs/controls.md), in the form of `fixtures.ts`: a preview of a
 * new environment that passes every one of them, IDs and ARNs unknown. Each spec changes one property of it.
 */
import { Stack, U } from "./fixtures";

const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** The app container as the program writes it: non-root, read-only root, awslogs, no credentials in env. */
export function appContainer(): Record<string, unknown> {
    return {
        name: "app",
        image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:00",
        essential: true,
        user: "1000:1000",
        readonlyRootFilesystem: true,
        environment: [{ name: "BUCKET", value: "archive-1234" }],
        logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "app-logs", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "app" } },
    };
}

/** Replaces the task definition's containers with `containers` (a JSON string, as the provider takes them). */
export function withContainers(stack: Stack, ...containers: Record<string, unknown>[]): Stack {
    return stack.change("app-task", (i) => (i.containerDefinitions = JSON.stringify(containers)));
}

export function controlsStack(): Stack {
    return new Stack()
        .add("aws:ec2/vpc:Vpc", "vpc", { inputs: { cidrBlock: "10.0.0.0/16" } })
        .add("aws:ec2/securityGroup:SecurityGroup", "alb-sg", { inputs: { vpcId: U, description: "load balancer" }, deps: { vpcId: ["vpc"] } })
        .add("aws:ec2/securityGroup:SecurityGroup", "tasks-sg", { inputs: { vpcId: U, description: "tasks" }, deps: { vpcId: ["vpc"] } })
        .add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-https-in", {
            inputs: { securityGroupId: U, cidrIpv4: "0.0.0.0/0", ipProtocol: "tcp", fromPort: 443, toPort: 443 },
            deps: { securityGroupId: ["alb-sg"] },
        })
        .add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "alb-http-in", {
            inputs: { securityGroupId: U, cidrIpv6: "::/0", ipProtocol: "tcp", fromPort: 80, toPort: 80 },
            deps: { securityGroupId: ["alb-sg"] },
        })
        .add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "tasks-from-alb", {
            inputs: { securityGroupId: U, referencedSecurityGroupId: U, ipProtocol: "tcp", fromPort: 8080, toPort: 8080 },
            deps: { securityGroupId: ["tasks-sg"], referencedSecurityGroupId: ["alb-sg"] },
        })
        .add("aws:ec2/securityGroupRule:SecurityGroupRule", "tasks-vpc-in", {
            inputs: { type: "ingress", securityGroupId: U, cidrBlocks: ["10.0.0.0/16"], protocol: "tcp", fromPort: 8081, toPort: 8081 },
            deps: { securityGroupId: ["tasks-sg"] },
        })
        .add("aws:s3/bucket:Bucket", "archive", { inputs: { forceDestroy: false }, outputs: { forceDestroy: false, id: U, arn: U, bucket: U } })
        .add("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "archive-encryption", {
            inputs: { bucket: U, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            deps: { bucket: ["archive"] },
        })
        .add("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "archive-ownership", {
            inputs: { bucket: U, rule: { objectOwnership: "BucketOwnerEnforced" } },
            deps: { bucket: ["archive"] },
        })
        .add("aws:lb/loadBalancer:LoadBalancer", "alb", {
            inputs: {
                loadBalancerType: "application",
                internal: false,
                securityGroups: [U],
                subnets: U,
                dropInvalidHeaderFields: true,
                enableDeletionProtection: true,
                accessLogs: { enabled: true, bucket: U, prefix: "alb" },
            },
            deps: { securityGroups: ["alb-sg"], accessLogs: ["archive"] },
        })
        .add("aws:lb/listener:Listener", "https", {
            inputs: {
                loadBalancerArn: U,
                port: 443,
                protocol: "HTTPS",
                certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/8f3c1a52",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                defaultActions: [{ type: "fixed-response", fixedResponse: { contentType: "application/json", statusCode: "404" } }],
            },
            deps: { loadBalancerArn: ["alb"] },
        })
        .add("aws:lb/listener:Listener", "http-redirect", {
            inputs: { loadBalancerArn: U, port: 80, protocol: "HTTP", defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }] },
            deps: { loadBalancerArn: ["alb"] },
        })
        .add("aws:kms/key:Key", "logs-key", { inputs: { enableKeyRotation: true, description: "app logs" } })
        .add("aws:cloudwatch/logGroup:LogGroup", "app-logs", { inputs: { retentionInDays: 365, kmsKeyId: U }, deps: { kmsKeyId: ["logs-key"] } })
        .add("aws:sns/topic:Topic", "alarms", { inputs: {} })
        .add("aws:cloudwatch/metricAlarm:MetricAlarm", "tasks-running", {
            inputs: { namespace: "AWS/ECS", metricName: "RunningTaskCount", comparisonOperator: "LessThanThreshold", threshold: 1, evaluationPeriods: 1, period: 60, statistic: "Minimum", alarmActions: [U] },
            deps: { alarmActions: ["alarms"] },
        })
        .add("aws:efs/fileSystem:FileSystem", "data", { inputs: { encrypted: true } })
        .add("aws:efs/backupPolicy:BackupPolicy", "data-backup", { inputs: { fileSystemId: U, backupPolicy: { status: "ENABLED" } }, deps: { fileSystemId: ["data"] } })
        .add("aws:efs/accessPoint:AccessPoint", "data-ap", {
            inputs: { fileSystemId: U, posixUser: { uid: 1000, gid: 1000 }, rootDirectory: { path: "/app", creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "750" } } },
            deps: { fileSystemId: ["data"] },
        })
        .add("aws:ecr/repository:Repository", "repo", { inputs: { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true } }, outputs: { imageTagMutability: "IMMUTABLE", imageScanningConfiguration: { scanOnPush: true }, id: U, arn: U, name: U } })
        .add("aws:ecr/lifecyclePolicy:LifecyclePolicy", "repo-lifecycle", {
            inputs: { repository: U, policy: JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 10 }, action: { type: "expire" } }] }) },
            deps: { repository: ["repo"] },
        })
        .add("aws:iam/role:Role", "task-role", { inputs: { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]) } })
        .add("aws:iam/rolePolicy:RolePolicy", "task-role-archive", {
            inputs: { role: U, policy: doc([{ Sid: "Archive", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: "arn:aws:s3:::archive-1234/uploads/*" }]) },
            deps: { role: ["task-role"] },
        })
        .add("aws:iam/policy:Policy", "deploy-policy", { inputs: { policy: doc([{ Effect: "Allow", Action: "ecs:UpdateService", Resource: "*" }, { Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }]) } })
        .add("aws:ecs/cluster:Cluster", "cluster", { inputs: { settings: [{ name: "containerInsights", value: "enabled" }] } })
        .add("aws:ecs/taskDefinition:TaskDefinition", "app-task", {
            inputs: { family: "app", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", cpu: "256", memory: "512", containerDefinitions: JSON.stringify([appContainer()]) },
        })
        .add("aws:ecs/service:Service", "app-service", {
            inputs: { cluster: U, launchType: "FARGATE", taskDefinition: U, desiredCount: 2, networkConfiguration: { assignPublicIp: false, subnets: U, securityGroups: [U] } },
            deps: { cluster: ["cluster"], taskDefinition: ["app-task"], networkConfiguration: ["tasks-sg", "vpc"] },
        });
}
