/**
 * What the doctor learns about a live stack, as the AWS APIs return it. Every check is a pure function over these
 * facts, so that a check can be tested on a handwritten API response where moto lacks the API (see README, Doctor).
 */
import type { SecurityGroupRule, Subnet } from "@aws-sdk/client-ec2";
import type { AccessPointDescription, MountTargetDescription } from "@aws-sdk/client-efs";
import type { Service, Task, TaskDefinition } from "@aws-sdk/client-ecs";
import type { EvaluationResult } from "@aws-sdk/client-iam";
import type { StackOutputs } from "./outputs";

/** A fact, or why it could not be learned (an API error, a missing resource) and what to do about it. */
export type Fact<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly fix: string };

export const known = <T>(value: T): Fact<T> => ({ ok: true, value });
export const unknown = <T>(error: string, fix: string): Fact<T> => ({ ok: false, error, fix });

export interface MountTarget extends MountTargetDescription {
    /** From DescribeMountTargetSecurityGroups. */
    readonly securityGroups: readonly string[];
}

export interface VpcDns {
    readonly enableDnsSupport: boolean;
    readonly enableDnsHostnames: boolean;
}

export interface ArchiveSimulation {
    readonly roleArn: string;
    /** The object ARN the simulation asked about: `arn:<partition>:s3:::<bucket>/<prefix>…`. */
    readonly resource: string;
    readonly results: readonly EvaluationResult[];
}

/** What IAM's simulator says of the exec actions for the task role (issue 22). */
export interface ExecSimulation {
    readonly roleArn: string;
    readonly results: readonly EvaluationResult[];
}

export interface Facts {
    readonly outputs: StackOutputs;
    readonly service: Fact<Service>;
    readonly taskDefinition: Fact<TaskDefinition>;
    /** The subnets of the service's awsvpc network configuration. */
    readonly taskSubnets: Fact<readonly Subnet[]>;
    readonly mountTargets: Fact<readonly MountTarget[]>;
    /** Every rule of every security group the mount targets use. */
    readonly mountTargetRules: Fact<readonly SecurityGroupRule[]>;
    /** Every rule of every security group the service's tasks use. */
    readonly taskRules: Fact<readonly SecurityGroupRule[]>;
    readonly vpcDns: Fact<VpcDns>;
    readonly accessPoint: Fact<AccessPointDescription>;
    readonly archiveSimulation: Fact<ArchiveSimulation>;
    /** The cluster's recently stopped tasks (ECS shows a stopped task for at least an hour). */
    readonly stoppedTasks: Fact<readonly Task[]>;
    /** Issue 22: the service's running tasks, with their managed agents (ECS Exec). */
    readonly runningTasks: Fact<readonly Task[]>;
    /** Issue 22: the task role's ssmmessages actions, simulated. */
    readonly execSimulation: Fact<ExecSimulation>;
}

/** AWS cannot be asked at all (no credentials, no region, nothing listening): a usage problem, exit 2. */
export class AwsSetupError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AwsSetupError";
    }
}

/** A check's verdict: `detail` says what was seen, `fix` what to do (empty when ok). */
export interface Verdict {
    readonly ok: boolean;
    readonly detail: string;
    readonly fix: string;
}

/** Thrown by {@link need} when a fact a check depends on is unknown; the runner turns it into a problem. */
export class CannotCheck extends Error {
    constructor(
        message: string,
        readonly fix: string,
    ) {
        super(message);
    }
}

export function need<T>(fact: Fact<T>): T {
    if (!fact.ok) throw new CannotCheck(fact.error, fact.fix);
    return fact.value;
}

export const ok = (detail: string): Verdict => ({ ok: true, detail, fix: "" });
export const problem = (detail: string, fix: string): Verdict => ({ ok: false, detail, fix });

/** The security groups of the service's tasks (awsvpc), or a CannotCheck. */
export function taskSecurityGroups(service: Service): string[] {
    const groups = service.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? [];
    if (groups.length === 0) {
        throw new CannotCheck(`service ${service.serviceName} has no awsvpc security groups`, "run the service with networkMode awsvpc and a task security group (FargateService does)");
    }
    return groups;
}
