import * as aws from "@pulumi/aws";
// awsx's ecr module on its own: the package root also loads awsx "classic" (the 0.x crosswalk, about a hundred
// modules with a Docker client) that nothing here uses. The module registers its resources itself.
import * as awsxEcr from "@pulumi/awsx/ecr";
import * as pulumi from "@pulumi/pulumi";
import { STOP_TIMEOUT_SECONDS } from "../app/src/metricNames";
import { EFS_MOUNT_PATH } from "./fargateServiceArgs";
import { EfsAccessGrant } from "./sharedFileSystem";

export interface ImageArgs {
    /** A container image URI to run; when undefined, `build` is built into a new ECR repository. */
    readonly image?: pulumi.Input<string>;
    readonly build: { readonly context: string; readonly dockerfile: string };
    /** The user the image is built for (the access point's). */
    readonly posixUser: { readonly uid: number; readonly gid: number };
    readonly deletionProtection: boolean;
}

/** The image to run: the one given, or `app/` built into an ECR repository and named by digest. */
export function resolveImage(name: string, args: ImageArgs, parent: pulumi.Resource): pulumi.Output<string> {
    if (args.image !== undefined) {
        return pulumi.output(args.image);
    }
    const repository = new aws.ecr.Repository(
        `${name}-repository`,
        {
            imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: "MUTABLE",
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            forceDelete: !args.deletionProtection,
        },
        { parent },
    );
    // The task definition names the image by digest, so a new build always rolls the service.
    return new awsxEcr.Image(
        `${name}-image`,
        {
            repositoryUrl: repository.repositoryUrl,
            context: args.build.context,
            dockerfile: args.build.dockerfile,
            platform: "linux/amd64",
            args: { APP_UID: String(args.posixUser.uid), APP_GID: String(args.posixUser.gid) },
        },
        { parent },
    ).imageUri;
}

export interface TaskDefinitionArgs {
    readonly image: pulumi.Input<string>;
    readonly cpu: number;
    readonly memory: number;
    readonly containerPort: number;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly efs: EfsAccessGrant;
    readonly environment: Record<string, pulumi.Input<string>>;
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly region: pulumi.Input<string>;
    /** The app's command. Defaults to `serve`. */
    readonly command?: readonly string[];
    /** Publish `containerPort` to the task's network (the load balancer's target). Defaults to true; the worker's port is for its own health check only. */
    readonly publishPort?: boolean;
}

/**
 * One `app` container that serves, runs as the access point's user on a read-only root with EFS at
 * {@link EFS_MOUNT_PATH}, health-checked on `/healthz` (liveness: the process and DATA_DIR, never S3).
 */
export function createTaskDefinition(name: string, args: TaskDefinitionArgs, parent: pulumi.Resource): aws.ecs.TaskDefinition {
    const { containerPort, efs } = args;
    return new aws.ecs.TaskDefinition(
        `${name}-task`,
        {
            // Derived from project and stack so that two stacks in one account never share a family.
            family: `${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
            cpu: String(args.cpu),
            memory: String(args.memory),
            networkMode: "awsvpc",
            requiresCompatibilities: ["FARGATE"],
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
            executionRoleArn: args.executionRole.arn,
            taskRoleArn: args.taskRole.arn,
            volumes: [efs.volume],
            containerDefinitions: pulumi.jsonStringify([
                {
                    name: "app",
                    image: args.image,
                    essential: true,
                    command: args.command ?? ["serve"],
                    user: `${efs.posixUser.uid}:${efs.posixUser.gid}`,
                    readonlyRootFilesystem: true,
                    portMappings: args.publishPort === false ? [] : [{ containerPort, protocol: "tcp" }],
                    environment: Object.entries(args.environment)
                        .sort(([a], [b]) => a.localeCompare(b))
                        .map(([key, value]) => ({ name: key, value })),
                    mountPoints: [{ sourceVolume: efs.volume.name, containerPath: EFS_MOUNT_PATH, readOnly: efs.readOnly }],
                    healthCheck: {
                        command: ["CMD", "node", "-e", `fetch("http://127.0.0.1:${containerPort}/healthz").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`],
                        interval: 30,
                        timeout: 5,
                        retries: 3,
                        startPeriod: 30,
                    },
                    // The app exits within SHUTDOWN_DEADLINE_SECONDS of SIGTERM, safely below this (app/src/shutdown.ts).
                    stopTimeout: STOP_TIMEOUT_SECONDS,
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: { "awslogs-group": args.logGroup.name, "awslogs-region": args.region, "awslogs-stream-prefix": "app" },
                    },
                },
            ]),
        },
        { parent },
    );
}
