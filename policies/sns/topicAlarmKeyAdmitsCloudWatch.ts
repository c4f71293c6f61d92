import { StackValidationPolicy } from "@pulumi/policy";

import { parsePolicyDocument, Statement } from "../lib/iamDocument";
import { StackIndex, StackNode } from "../lib/stack";
import { isUnknown, list, show } from "../lib/values";

const TOPIC = "aws:sns/topic:Topic";
const METRIC_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const COMPOSITE_ALARM = "aws:cloudwatch/compositeAlarm:CompositeAlarm";
const KMS_KEY = "aws:kms/key:Key";
const KMS_ALIAS = "aws:kms/alias:Alias";
const ALARM_ACTIONS = ["alarmActions", "okActions", "insufficientDataActions"];
/** AWS managed keys are named by `alias/aws/<service>` (as a name or inside an alias ARN); their policies cannot be edited. */
const AWS_MANAGED_ALIAS = /(^|:)alias\/aws\//;
const CLOUDWATCH = "Service:cloudwatch.amazonaws.com";

/** Whether an action pattern of a key policy covers `action` (`kms:*`, `*`, `kms:GenerateDataKey*`, case-insensitive). */
function covers(pattern: string, action: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
    return re.test(action);
}

/** What a key policy lacks for CloudWatch to publish to a topic encrypted with it; empty when it admits CloudWatch. */
function keyPolicyProblems(key: StackNode): string[] {
    if (key.props.policy === undefined || key.props.policy === null || key.props.policy === "") {
        return [`KMS key "${key.name}" has no policy, so it gets the default key policy, which admits no AWS service principal`];
    }
    const doc = parsePolicyDocument(key.props.policy);
    if (doc.kind === "unknown") return [`the policy of KMS key "${key.name}" is unknown during preview, so it cannot be proven to admit cloudwatch.amazonaws.com`];
    if (doc.kind === "invalid") return [`the policy of KMS key "${key.name}" cannot be read: ${doc.reason}`];
    const admits = (s: Statement, action: string) => s.effect === "Allow" && !s.notAction && s.principals.includes(CLOUDWATCH) && s.actions.some((a) => covers(a, action));
    const missing = ["kms:Decrypt", "kms:GenerateDataKey"].filter((action) => !doc.statements.some((s) => admits(s, action)));
    return missing.length === 0 ? [] : [`the policy of KMS key "${key.name}" does not allow cloudwatch.amazonaws.com ${missing.join(" and ")}`];
}

/**
 * sns-topic-alarm-key-admits-cloudwatch — an SNS topic that CloudWatch alarms notify (alarm, OK or
 * insufficient-data actions) is not encrypted with an AWS managed key (`alias/aws/sns`), and when its key is a
 * customer managed key of this stack, that key's policy allows `cloudwatch.amazonaws.com` `kms:Decrypt` and
 * `kms:GenerateDataKey*`.
 *
 * Why: CloudWatch publishes alarm notifications as the cloudwatch.amazonaws.com service principal; with a key whose
 * policy does not admit it, every alarm action fails with KMS AccessDenied and shows only in the alarm history, so
 * no alarm ever reaches a person. The AWS managed key's policy cannot be edited. Amazon SNS Developer Guide,
 * "Enable compatibility between event sources from AWS services and encrypted topics": "1. Use a customer managed
 * KMS key. 2. To allow the AWS service to have the kms:GenerateDataKey* and kms:Decrypt permissions, add the following
 * statement to the KMS policy." https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 * Severity: high (mandatory): it breaks every alarm silently.
 * Joins: an alarm notifies a topic when the property dependencies of one of its action lists include the topic's URN
 * (known in a preview) or, for a topic that exists, an action equals its ARN; the topic's key is the stack's
 * `aws.kms.Key` its `kmsMasterKeyId` depends on, or whose ARN, key id or id it equals — directly or through an
 * `aws.kms.Alias` of the stack (its `targetKeyId`), which `kmsMasterKeyId` also accepts.
 * Unknowns, as in the other mandatory rules: an unknown `kmsMasterKeyId` that comes from no KMS key of this stack is
 * a violation ("cannot be proven during preview"), and so is an unknown key policy. A known key ARN or alias of a key
 * outside the stack passes unless it names an AWS managed alias (its policy is not in the stack to read).
 */
export const requireAlarmTopicKeyForCloudWatch: StackValidationPolicy = {
    name: "sns-topic-alarm-key-admits-cloudwatch",
    description: "An SNS topic that CloudWatch alarms notify is encrypted with a customer managed key whose policy admits cloudwatch.amazonaws.com, never alias/aws/sns.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const topics = index.ofType(TOPIC);
        if (topics.length === 0) return;
        const alarms = index.ofType(METRIC_ALARM, COMPOSITE_ALARM);
        const fix =
            `Encrypt the topic with a customer managed aws.kms.Key whose policy has a statement allowing Principal { Service: "cloudwatch.amazonaws.com" } ` +
            `"kms:Decrypt" and "kms:GenerateDataKey*" (with aws:SourceAccount and aws:SourceArn conditions) beside the account root's "kms:*"; the Monitoring component creates one.`;
        for (const topic of topics) {
            const notifiedBy = alarms.filter((alarm) =>
                ALARM_ACTIONS.some((property) => {
                    if (alarm.deps(property).includes(topic.urn)) return true;
                    const actions = list(alarm.props[property]);
                    const arn = topic.props.arn;
                    return !isUnknown(actions) && typeof arn === "string" && actions.includes(arn);
                }),
            );
            if (notifiedBy.length === 0) continue;
            const who = `SNS topic "${topic.name}" is notified by CloudWatch alarm${notifiedBy.length > 1 ? "s" : ""} ${notifiedBy.slice(0, 3).map((a) => `"${a.name}"`).join(", ")}${notifiedBy.length > 3 ? ` and ${notifiedBy.length - 3} more` : ""}`;
            const keyId = topic.props.kmsMasterKeyId;
            if (keyId === undefined || keyId === null || keyId === "") continue; // not encrypted: CloudWatch can publish (other rules may ask for encryption)
            if (typeof keyId === "string" && AWS_MANAGED_ALIAS.test(keyId)) {
                reportViolation(
                    `${who}, but it is encrypted with the AWS managed key ${show(keyId)}, whose policy cannot admit cloudwatch.amazonaws.com: every alarm action would fail with KMS AccessDenied. ${fix}`,
                    topic.urn,
                );
                continue;
            }
            // The key itself, or an alias of this stack in front of it (kmsMasterKeyId takes either; the alias's
            // targetKeyId names its key).
            const direct = index.referencedBy(topic, "kmsMasterKeyId", [KMS_KEY], ["arn", "keyId", "id"]).targets;
            const viaAlias = index
                .referencedBy(topic, "kmsMasterKeyId", [KMS_ALIAS], ["arn", "name", "id"])
                .targets.flatMap((alias) => index.referencedBy(alias, "targetKeyId", [KMS_KEY], ["arn", "keyId", "id"]).targets);
            const keys = [...new Map([...direct, ...viaAlias].map((k) => [k.urn, k])).values()];
            if (keys.length === 0) {
                if (isUnknown(keyId)) {
                    reportViolation(`${who}, but its kmsMasterKeyId is unknown during preview and comes from no KMS key of this stack, so it cannot be proven not to be an AWS managed key. ${fix}`, topic.urn);
                }
                continue;
            }
            const problems = keys.flatMap(keyPolicyProblems);
            if (problems.length > 0) {
                reportViolation(`${who}, but ${problems.join("; ")}: CloudWatch could not publish to it. ${fix}`, topic.urn);
            }
        }
    },
};
