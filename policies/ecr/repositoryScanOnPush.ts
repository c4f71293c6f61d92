import { ResourceValidationPolicy } from "@pulumi/policy";

import { forType, types } from "../lib/policy";
import { get, plainObject } from "../lib/values";
import { why } from "../lib/why";

/**
 * ecr-repository-scan-on-push — a private ECR repository scans images on push
 * (`imageScanningConfiguration.scanOnPush: true`). Controls: CT.ECR.PR.2, Security Hub ECR.1.
 *
 * Why: the image runs with the task role's access to the archive and the file system; known CVEs in it should be
 * visible before it runs. Severity: high (advisory: an account-level enhanced scanning configuration also scans).
 * Unknowns: unknown is a violation.
 * See https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-basic.html
 */
export const requireScanOnPush: ResourceValidationPolicy = {
    name: "ecr-repository-scan-on-push",
    description: "ECR repositories must scan images on push (CT.ECR.PR.2, ECR.1; severity high).",
    enforcementLevel: "advisory",
    severity: "high",
    validateResource: forType(types.ecrRepository, (args, reportViolation) => {
        const scan = get(plainObject(args.props).imageScanningConfiguration, "scanOnPush");
        if (scan === true) {
            return;
        }
        reportViolation(`ECR repository "${args.name}" must scan images on push, but imageScanningConfiguration.scanOnPush ${why(scan, "is not set (defaults to false)")}. Set imageScanningConfiguration: { scanOnPush: true }.`);
    }),
};
