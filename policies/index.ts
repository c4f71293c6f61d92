/**
 * The fargate-efs-s3 CrossGuard pack: `pulumi preview --policy-pack policies`.
 * The rules live one per file under a folder per service; `rules.ts` lists them.
 */
import { PolicyPack } from "@pulumi/policy";

import { decodeEachResourceOnce } from "./lib/decodeOnce";
import { buildStackViewOncePerRequest } from "./lib/stackViewOnce";
import { policies } from "./rules";

decodeEachResourceOnce();
buildStackViewOncePerRequest();

new PolicyPack("fargate-efs-s3", {
    description: "EFS encrypted in transit behind NFS-only security groups, versioned S3 buckets, and advisory hardening for Fargate services that use EFS and S3.",
    policies,
});
