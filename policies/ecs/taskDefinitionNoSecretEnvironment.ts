import { ResourceValidationPolicy } from "@pulumi/policy";

import { checkContainers } from "../lib/containers";
import { forType, types } from "../lib/policy";
import { get, list } from "../lib/values";

/** The variables the Control Tower rule and Security Hub ECS.8 name: credentials passed in clear text. */
const SECRET_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"];

/**
 * ecs-taskdefinition-no-secret-environment — no container passes AWS credentials (`AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY`) or `ECS_ENGINE_AUTH_DATA` as a plain `environment` variable.
 * Controls: CT.ECS.PR.12, Security Hub ECS.8.
 *
 * Why: environment values are readable by anyone who can describe the task definition; the task role gives the app
 * its credentials. Severity: high (advisory). Unknowns: unknown containerDefinitions are reported as unproven.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html
 * ("we recommend that you use … Secrets Manager or Systems Manager Parameter Store … rather than … environment variables").
 */
export const forbidSecretEnvironment: ResourceValidationPolicy = {
    name: "ecs-taskdefinition-no-secret-environment",
    description: "ECS containers must not pass AWS credentials as environment variables (CT.ECS.PR.12, ECS.8; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecsTaskDefinition, (args, reportViolation) =>
        checkContainers(
            args.name,
            args.props,
            "no container may pass credentials as environment variables",
            ({ def }) => {
                const env = list(def.environment);
                const names = Array.isArray(env) ? env.map((e) => get(e, "name")).filter((n): n is string => typeof n === "string") : [];
                const found = names.filter((n) => SECRET_VARIABLES.includes(n.toUpperCase()));
                return found.length > 0 ? `sets ${found.join(", ")} in environment` : undefined;
            },
            "Remove them: the task role gives the app its AWS credentials; pass other secrets through secrets (Secrets Manager or Parameter Store).",
            reportViolation,
        ),
    ),
};
