import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Where a service's roles may be assumed: the account and region ECS runs its tasks in. */
export interface RoleScope {
    readonly account: pulumi.Input<string>;
    readonly region: pulumi.Input<string>;
}

/** The account and region the stack deploys to, as the trust policies need them. */
export function roleScope(parent: pulumi.Resource): RoleScope {
    return {
        account: aws.getCallerIdentityOutput({}, { parent }).accountId,
        region: aws.getRegionOutput({}, { parent }).region,
    };
}

/**
 * A trust policy for roles that ECS tasks assume, guarded against the confused deputy: only on behalf of this
 * account (`aws:SourceAccount`) and, for task roles, of ECS resources in this account and region
 * (`aws:SourceArn`), as the ECS guide recommends for task roles.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html
 */
export function assumedByEcsTasks(scope: RoleScope, withSourceArn: boolean): pulumi.Output<string> {
    return pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "ecs-tasks.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": scope.account },
                    ...(withSourceArn ? { ArnLike: { "aws:SourceArn": pulumi.interpolate`arn:aws:ecs:${scope.region}:${scope.account}:*` } } : {}),
                },
            },
        ],
    });
}

/** A role for the app code of a task: no policy of its own, only what the owners of resources grant it. */
export function createTaskRole(name: string, scope: RoleScope, parent: pulumi.Resource): aws.iam.Role {
    return new aws.iam.Role(name, { assumeRolePolicy: assumedByEcsTasks(scope, true) }, { parent });
}

/**
 * The execution role is the agent's (pull the image, ship logs); task roles are the app's. Kept apart so the app
 * never holds ECR or log-delivery rights, and the agent never holds data rights. Only `aws:SourceAccount` here: the
 * ECS guide documents `aws:SourceArn` for task roles, not for the agent's role.
 */
export function createExecutionRole(name: string, scope: RoleScope, parent: pulumi.Resource) {
    const role = new aws.iam.Role(`${name}-execution-role`, { assumeRolePolicy: assumedByEcsTasks(scope, false) }, { parent });
    const policy = new aws.iam.RolePolicyAttachment(
        `${name}-execution-policy`,
        { role: role.name, policyArn: aws.iam.ManagedPolicy.AmazonECSTaskExecutionRolePolicy },
        { parent },
    );
    return { role, policy };
}

/** A service's two roles: the agent's (execution) and the app's (task), apart as {@link createExecutionRole} says why. */
export interface ServiceRoles {
    readonly execution: { readonly role: aws.iam.Role; readonly policy: aws.iam.RolePolicyAttachment };
    /** `<name>-task-role`: no policy of its own; the owners' grants attach theirs. */
    readonly taskRole: aws.iam.Role;
}

/** The execution role (`<name>-execution-role`) and the task role (`<name>-task-role`) of one service. */
export function createServiceRoles(name: string, scope: RoleScope, parent: pulumi.Resource): ServiceRoles {
    const execution = createExecutionRole(name, scope, parent);
    const taskRole = createTaskRole(`${name}-task-role`, scope, parent);
    return { execution, taskRole };
}
