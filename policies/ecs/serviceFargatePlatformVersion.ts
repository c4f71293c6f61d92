import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, isUnknown, list, plainObject, show } from "../lib/values";

export interface FargatePlatformVersionConfig {
    /** The lowest acceptable Fargate platform version. */
    minimumVersion: string;
}

function compare(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < 3; i++) {
        if ((pa[i] ?? 0) !== (pb[i] ?? 0)) {
            return (pa[i] ?? 0) - (pb[i] ?? 0);
        }
    }
    return 0;
}

/**
 * ecs-service-fargate-platform-version — an ECS service on Fargate runs platform version 1.4.0 or
 * later (`LATEST` or unset means the latest, which qualifies). The minimum is configurable.
 *
 * Why: EFS volumes need Fargate platform version 1.4.0 or later; older versions fail to start the
 * task. Severity: medium (advisory by default).
 * Unknowns: a launch type or platform version unknown during preview is a violation.
 * See https://docs.aws.amazon.com/AmazonECS/latest/developerguide/platform-linux-fargate.html
 */
export const requireFargatePlatformVersion: ResourceValidationPolicy = {
    name: "ecs-service-fargate-platform-version",
    description: "ECS services on Fargate must use platform version 1.4.0 or later (required for EFS).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema: {
        properties: {
            minimumVersion: { type: "string", pattern: "^\\d+\\.\\d+\\.\\d+$", default: "1.4.0", description: "Lowest acceptable platform version." },
        },
    },
    validateResource: forType(types.ecsService, (args, reportViolation) => {
        const { minimumVersion } = args.getConfig<FargatePlatformVersionConfig>();
        const props = plainObject(args.props);
        const launchType = props.launchType;
        const strategies = list(props.capacityProviderStrategies);
        const fargate =
            launchType === "FARGATE" ||
            (!isUnknown(strategies) && strategies.some((s) => ["FARGATE", "FARGATE_SPOT"].includes(String(get(s, "capacityProvider")))));
        if (isUnknown(launchType) || isUnknown(strategies)) {
            reportViolation(`The launch type of ECS service "${args.name}" is unknown during preview, so its Fargate platform version cannot be checked. Set launchType: "FARGATE" literally.`);
            return;
        }
        if (!fargate) {
            return;
        }
        const version = props.platformVersion;
        if (version === undefined || version === null || version === "LATEST") {
            return;
        }
        if (typeof version === "string" && /^\d+\.\d+\.\d+$/.test(version) && compare(version, minimumVersion) >= 0) {
            return;
        }
        const why = isUnknown(version) ? "is unknown during preview" : `is ${show(version)}`;
        reportViolation(
            `ECS service "${args.name}" runs on Fargate and must use platform version ${minimumVersion} or later, but its platformVersion ${why}. ` +
                `Set platformVersion to "LATEST" or "${minimumVersion}" or later.`,
        );
    }),
};
