/**
 * sns-topic-alarm-key-admits-cloudwatch (mandatory): a topic CloudWatch alarms notify is never encrypted with an AWS
 * managed key, and its stack key admits cloudwatch.amazonaws.com for kms:Decrypt and kms:GenerateDataKey*.
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
 */
import { alarmKeyStatements, compliantStack, U } from "../fixtures";
import { expectNoViolation, expectOneViolation } from "../harness";

const P = "sns-topic-alarm-key-admits-cloudwatch";
const M = { level: "mandatory" as const, fix: /customer managed aws\.kms\.Key.*cloudwatch\.amazonaws\.com.*kms:GenerateDataKey\*/ };
const TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:alarms-1234";
const KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const keyPolicy = (statements: unknown[]) => (i: any) => (i.policy = JSON.stringify({ Version: "2012-10-17", Statement: statements }));

/** The same stack once it exists: ARNs known, and the joins made by value (no property dependencies to lean on). */
function existingStack(kmsMasterKeyId: string) {
    const s = compliantStack()
        .changeOutputs("alarms-key", (o) => Object.assign(o, { id: "1234abcd-12ab-34cd-56ef-1234567890ab", arn: KEY_ARN, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" }))
        .change("alarms", (i) => (i.kmsMasterKeyId = kmsMasterKeyId))
        .changeOutputs("alarms", (o) => Object.assign(o, { id: TOPIC_ARN, arn: TOPIC_ARN }))
        .change("data-connections", (i) => (i.alarmActions = [TOPIC_ARN]));
    return s.resources.map((r) => (["alarms", "data-connections"].includes(r.name) ? { ...r, dependencies: [], propertyDependencies: {} } : r));
}

describe(`${P} (mandatory)`, () => {
    it("passes a topic encrypted with a stack key whose policy admits cloudwatch.amazonaws.com (compliant fixture, as a preview sees it)", () => expectNoViolation(P, compliantStack().resources));
    it("passes the same stack once it exists, joined by ARNs", () => expectNoViolation(P, existingStack(KEY_ARN)));
    it("passes an unencrypted topic and a topic no alarm notifies, whatever its key (controls)", async () => {
        await expectNoViolation(P, compliantStack().change("alarms", (i) => delete i.kmsMasterKeyId).resources);
        await expectNoViolation(P, compliantStack().change("data-connections", (i) => (i.alarmActions = [])).resources.map((r) => (r.name === "data-connections" ? { ...r, propertyDependencies: {} } : r)).map((r) => (r.name === "alarms" ? { ...r, inputs: { kmsMasterKeyId: "alias/aws/sns" }, outputs: { kmsMasterKeyId: "alias/aws/sns", id: U, arn: U }, propertyDependencies: {} } : r)));
    });

    /** The topic encrypted through an alias of the stack key, as a preview records it (the alias's ARN unknown). */
    const throughAlias = () => {
        const stack = compliantStack().add("aws:kms/alias:Alias", "alarms-alias", {
            inputs: { name: "alias/alarms", targetKeyId: U },
            outputs: { name: "alias/alarms", targetKeyId: U, arn: U, id: U },
            deps: { targetKeyId: ["alarms-key"] },
        });
        const aliasUrn = stack.urn("alarms-alias");
        return stack.resources.map((r) => (r.name === "alarms" ? { ...r, inputs: { ...r.inputs, kmsMasterKeyId: U }, outputs: { ...r.outputs, kmsMasterKeyId: U }, propertyDependencies: { ...r.propertyDependencies, kmsMasterKeyId: [aliasUrn] } } : r));
    };
    it("passes a topic encrypted through an alias of the stack key (kmsMasterKeyId unknown during preview, from the alias)", () => expectNoViolation(P, throughAlias()));
    it("catches a topic encrypted through an alias whose key does not admit cloudwatch.amazonaws.com", () =>
        expectOneViolation(
            P,
            throughAlias().map((r) => (r.name === "alarms-key" ? { ...r, inputs: { ...r.inputs, policy: JSON.stringify({ Version: "2012-10-17", Statement: [alarmKeyStatements()[0]] }) }, outputs: { ...r.outputs, policy: JSON.stringify({ Version: "2012-10-17", Statement: [alarmKeyStatements()[0]] }) } } : r)),
            "alarms",
            /does not allow cloudwatch\.amazonaws\.com/,
            M,
        ));
    it("catches alias/aws/sns on a topic an alarm notifies", () =>
        expectOneViolation(P, compliantStack().change("alarms", (i) => (i.kmsMasterKeyId = "alias/aws/sns")).resources, "alarms", /AWS managed key "alias\/aws\/sns".*KMS AccessDenied/, M));
    it("catches the AWS managed key named by its alias ARN, on an existing stack joined by value", () =>
        expectOneViolation(P, existingStack("arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"), "alarms", /AWS managed key/, M));
    it("catches a topic only an alarm's okActions notify", () =>
        expectOneViolation(
            P,
            compliantStack()
                .change("alarms", (i) => (i.kmsMasterKeyId = "alias/aws/sns"))
                .change("data-connections", (i) => {
                    i.okActions = i.alarmActions;
                    i.alarmActions = [];
                })
                .resources.map((r) => (r.name === "data-connections" ? { ...r, propertyDependencies: { okActions: r.propertyDependencies.alarmActions } } : r)),
            "alarms",
            /notified by CloudWatch alarm "data-connections"/,
            M,
        ));
    it("catches a stack key whose policy does not admit cloudwatch.amazonaws.com", () =>
        expectOneViolation(P, compliantStack().change("alarms-key", keyPolicy([alarmKeyStatements()[0]])).resources, "alarms", /does not allow cloudwatch\.amazonaws\.com kms:Decrypt and kms:GenerateDataKey/, M));
    it("catches a key policy that lets CloudWatch decrypt but not generate data keys", () =>
        expectOneViolation(
            P,
            compliantStack().change("alarms-key", keyPolicy([alarmKeyStatements()[0], { ...alarmKeyStatements()[1], Action: "kms:Decrypt" }])).resources,
            "alarms",
            /does not allow cloudwatch\.amazonaws\.com kms:GenerateDataKey/,
            M,
        ));
    it("catches a stack key with no policy (the default key policy admits no service)", () =>
        expectOneViolation(P, compliantStack().change("alarms-key", (i) => delete i.policy).resources, "alarms", /has no policy/, M));
    it("treats a key policy unknown during preview as unproven", () =>
        expectOneViolation(P, compliantStack().change("alarms-key", (i) => (i.policy = U)).resources, "alarms", /unknown during preview/, M));
    it("treats an unknown kmsMasterKeyId that comes from no KMS key of the stack as unproven", () =>
        expectOneViolation(
            P,
            compliantStack().resources.map((r) => (r.name === "alarms" ? { ...r, dependencies: [], propertyDependencies: {} } : r)),
            "alarms",
            /kmsMasterKeyId is unknown during preview and comes from no KMS key of this stack/,
            M,
        ));
});
