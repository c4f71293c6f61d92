import * as aws from "@pulumi/aws";
// awsx's ecr module on its own: the package root also loads awsx "classic" (the 0.x crosswalk, about a hundred
// modules with a Docker client) that nothing here uses. The module registers its resources itself.
import * as awsxEcr from "@pulumi/awsx/ecr";
import * as pulumi from "@pulumi/pulumi";
import { STOP_TIMEOUT_SECONDS } from "../app/src/contract";
import { CpuArchitecture, dockerPlatform } from "./capacity";
import { EFS_MOUNT_PATH } from "./fargateServiceArgs";
import { EfsAccessGrant } from "./sharedFileSystem";

export interface ImageArgs {
    /** A container image URI to run; when undefined, `build` is built into a new ECR repository. */
    readonly image?: pulumi.Input<string>;
    readonly build: { readonly context: string; readonly dockerfile: string };
    /** The user the image is built for (the access point's). */
    readonly posixUser: { readonly uid: number; readonly gid: number };
    readonly deletionProtection: boolean;
    /**
     * Every CPU architecture a task definition of the stack runs. A given `image` must hold all of them (a multi-arch
     * manifest list when there are two); a build is made once per architecture.
     */
    readonly architectures: readonly CpuArchitecture[];
}

/**
 * The image to run for each architecture: the one given (for all of them), or `app/` built into an ECR repository
 * for each and named by digest. The Node base image is multi-arch and sharp ships linux-arm64 and linux-x64 builds,
 * so the same Dockerfile builds for both; a cross build needs QEMU (binfmt) and buildx on the builder.
 */
export function resolveImage(name: string, args: ImageArgs, parent: pulumi.Resource): Partial<Record<CpuArchitecture, pulumi.Output<string>>> {
    const architectures = [...new Set(args.architectures)];
    if (args.image !== undefined) {
        const image = pulumi.output(args.image);
        return Object.fromEntries(architectures.map((a) => [a, image]));
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
    // CT.ECR.PR.1 / Security Hub ECR.3 (docs/controls.md): builds would otherwise pile up for ever. The task definition
    // pins its image by digest, so the images kept must cover the revisions a rollback can return to: the last 20.
    // https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html ("Lifecycle policies let you
    // define a set of rules for removing unused images"; countType imageCountMoreThan expires the oldest beyond N).
    new aws.ecr.LifecyclePolicy(
        `${name}-repository-lifecycle`,
        {
            repository: repository.name,
            policy: JSON.stringify({
                rules: [
                    {
                        rulePriority: 1,
                        description: "Keep the 20 newest images; task definitions pin images by digest, so rollbacks need the recent ones.",
                        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
                        action: { type: "expire" },
                    },
                ],
            }),
        },
        { parent },
    );
    // The task definition names the image by digest, so a new build always rolls the service. The x86 build keeps
    // the name it had when it was the only one; an ARM64 build is `<name>-image-arm64`.
    // awsx names the docker-build Image it registers inside by `imageName`, else `imageTag`, else a hash of context,
    // dockerfile, build args and stack that leaves the platform out (pulumi-awsx awsx/ecr/image.ts, computeImageFromAsset
    // and createUniqueImageName), and tags the push with that name. Two architectures from one context would register two
    // children of one URN ("Duplicate resource URN … try giving it a unique name": the real CLI stopped a new prod stack
    // there) and push to one tag. So beside an ARM64 build, the X86_64 build is tagged (and named) by its architecture;
    // a single build keeps awsx's name, and so its URN.
    const tagged = architectures.length > 1;
    const build = (architecture: CpuArchitecture) =>
        new awsxEcr.Image(
            architecture === "X86_64" ? `${name}-image` : `${name}-image-arm64`,
            {
                repositoryUrl: repository.repositoryUrl,
                context: args.build.context,
                dockerfile: args.build.dockerfile,
                platform: dockerPlatform(architecture),
                args: { APP_UID: String(args.posixUser.uid), APP_GID: String(args.posixUser.gid) },
                ...(tagged && architecture === "X86_64" ? { imageTag: `${name}-x86_64` } : {}),
            },
            { parent },
        ).imageUri;
    return Object.fromEntries(architectures.map((a) => [a, build(a)]));
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
    /**
     * Judge the container by `GET /healthz` on `containerPort`. Defaults to true; false for a command that serves no
     * `/healthz` (`archive --once`), which would otherwise always be reported UNHEALTHY. ECS: "If a health check isn't
     * defined in the container definition, the container health status is UNKNOWN" — and a RunTask container override
     * cannot change a health check (ContainerOverride has no healthCheck field), so such a command needs a task
     * definition of its own. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html#container_definition_healthcheck
     * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerOverride.html
     */
    readonly healthCheck?: boolean;
    /** The CPU the task runs on; the image must hold this platform. Defaults to ARM64. */
    readonly cpuArchitecture?: CpuArchitecture;
    /**
     * ECS Exec may open sessions in this task: the root file system is then writable, because the managed SSM agent
     * that ECS bind-mounts into the container writes its state under /var/lib/amazon/ssm and /var/log/amazon/ssm and
     * crashes on a read-only root (https://github.com/aws-containers/amazon-ecs-exec-checker/issues/21: "ECS Exec
     * requires the container storage writable"; https://github.com/aws/containers-roadmap/issues/1359). Defaults to
     * false (a read-only root).
     */
    readonly execEnabled?: boolean;
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
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.cpuArchitecture ?? "ARM64" },
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
                    readonlyRootFilesystem: !args.execEnabled,
                    portMappings: args.publishPort === false ? [] : [{ containerPort, protocol: "tcp" }],
                    environment: Object.entries(args.environment)
                        .sort(([a], [b]) => a.localeCompare(b))
                        .map(([key, value]) => ({ name: key, value })),
                    mountPoints: [{ sourceVolume: efs.volume.name, containerPath: EFS_MOUNT_PATH, readOnly: efs.readOnly }],
                    healthCheck:
                        args.healthCheck === false
                            ? undefined
                            : {
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
