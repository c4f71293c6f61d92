/** Every rule of the pack, mandatory ones first. */
import { Policies } from "@pulumi/policy";

import { requireNfsOnlyEfsSecurityGroups } from "./ec2/securityGroupEfsNfsOnly";
import { requireEfsTransitEncryption } from "./ecs/taskDefinitionEfsTransitEncryption";
import { requireBucketVersioning } from "./s3/bucketVersioningEnabled";

export const policies: Policies = [
    // Mandatory
    requireEfsTransitEncryption,
    requireNfsOnlyEfsSecurityGroups,
    requireBucketVersioning,
];
