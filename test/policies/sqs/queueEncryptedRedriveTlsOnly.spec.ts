import { strict as assert } from "assert";
import { U } from "../fixtures";
import { describeAll, expectNoViolation, expectOneViolation, violationsOf } from "../harness";
import { ACCOUNT_QUEUES, appliedQueueStack, cliPreviewQueueStack, denyNonTls, previewQueueStack } from "./queueStack";

describe("sqs-queue-encrypted-redrive-tls-only", () => {
    const P = "sqs-queue-encrypted-redrive-tls-only";
    const mandatory = { level: "mandatory" as const };

    it("passes the work queue and its dead-letter queue in the preview of a new stack (documents built only from the queues)", () => expectNoViolation(P, previewQueueStack().resources));
    it("passes both queues in the real CLI's preview of a new stack, whose unset computed outputs (policy, redrivePolicy) are unknown and depend on nothing", () =>
        expectNoViolation(P, cliPreviewQueueStack().resources));
    it("passes the dead-letter queue after pulumi up whatever the provider answers for the redrivePolicy it never set (a dead-letter queue needs none; the real CLI's stand-in answers a made-up string)", () => {
        const stack = appliedQueueStack();
        stack.get("work-dead-letters").outputs.redrivePolicy = "work-dead-letters-1-redrivePolicy";
        return expectNoViolation(P, stack.resources);
    });
    it("still catches, in the real CLI's preview, a queue that is no queue's dead-letter queue and has no redrive policy of its own", () =>
        expectOneViolation(
            P,
            cliPreviewQueueStack()
                .add("aws:sqs/queue:Queue", "stray", { inputs: { sqsManagedSseEnabled: true }, outputs: { sqsManagedSseEnabled: true, policy: U, redrivePolicy: U, redriveAllowPolicy: U, id: U, arn: U, url: U } })
                .add("aws:sqs/queuePolicy:QueuePolicy", "stray-policy", { inputs: { queueUrl: U, policy: U }, deps: { queueUrl: ["stray"], policy: ["stray"] } }).resources,
            "stray",
            /no redrive policy and is no queue's dead-letter queue/,
            { ...mandatory, fix: /deadLetterTargetArn/ },
        ));
    it("passes them after pulumi up, every value known, joined by ARN and URL", () => expectNoViolation(P, appliedQueueStack().resources));
    it("passes SSE-KMS with a key ARN instead of SSE-SQS", () =>
        expectNoViolation(P, appliedQueueStack().change("work-queue", (i) => ((i.sqsManagedSseEnabled = false), (i.kmsMasterKeyId = "arn:aws:kms:us-east-1:210987654321:key/1111"))).resources));
    it("passes a dead-letter queue named by an aws.sqs.RedrivePolicy resource instead of the inline attribute", () =>
        expectNoViolation(
            P,
            previewQueueStack()
                .change("work-queue", (i) => delete i.redrivePolicy)
                .add("aws:sqs/redrivePolicy:RedrivePolicy", "work-redrive", { inputs: { queueUrl: U, redrivePolicy: U }, deps: { queueUrl: ["work-queue"], redrivePolicy: ["work-dead-letters"] } }).resources,
        ));

    it("catches a queue that is not encrypted at rest, as a mandatory violation that states the fix", () =>
        expectOneViolation(P, appliedQueueStack().change("work-queue", (i) => (i.sqsManagedSseEnabled = false)).resources, "work-queue", /not encrypted at rest/, { ...mandatory, fix: /sqsManagedSseEnabled: true/ }));
    it("treats encryption unknown during preview as unproven", () =>
        expectOneViolation(P, previewQueueStack().change("work-queue", (i) => (i.sqsManagedSseEnabled = U)).resources, "work-queue", /unknown during preview, so it cannot be proven encrypted/, mandatory));
    it("catches a queue with no redrive policy that is no queue's dead-letter queue", () =>
        expectOneViolation(
            P,
            appliedQueueStack()
                .add("aws:sqs/queue:Queue", "other", { inputs: { sqsManagedSseEnabled: true }, outputs: { sqsManagedSseEnabled: true, id: "https://sqs/other", url: "https://sqs/other", arn: `${ACCOUNT_QUEUES}:other` } })
                .add("aws:sqs/queuePolicy:QueuePolicy", "other-policy", { inputs: { queueUrl: "https://sqs/other", policy: denyNonTls(`${ACCOUNT_QUEUES}:other`) } }).resources,
            "other",
            /no redrive policy and is no queue's dead-letter queue/,
            { ...mandatory, fix: /deadLetterTargetArn/ },
        ));
    it("takes away the dead-letter queue's exemption with the redrive policy that names it: both queues are then caught", async () => {
        const ds = await violationsOf(P, previewQueueStack().change("work-queue", (i) => delete i.redrivePolicy).resources);
        assert.deepEqual(ds.map((d) => d.urn.split("::").pop()).sort(), ["work-dead-letters", "work-queue"], describeAll(ds));
    });
    it("catches a maxReceiveCount outside 1 to 1000", () =>
        expectOneViolation(
            P,
            appliedQueueStack().change("work-queue", (i) => (i.redrivePolicy = JSON.stringify({ deadLetterTargetArn: `${ACCOUNT_QUEUES}:work-dead-letters-1`, maxReceiveCount: 0 }))).resources,
            "work-queue",
            /maxReceiveCount 0, not a whole number from 1 to 1000/,
        ));
    it("catches a redrive policy unknown during preview that comes from more than queues", () => {
        const stack = previewQueueStack().add("aws:iam/role:Role", "some-role", { inputs: { assumeRolePolicy: "{}" } });
        const queue = stack.get("work-queue");
        queue.propertyDependencies = { redrivePolicy: [stack.urn("work-dead-letters"), stack.urn("some-role")] };
        return expectOneViolation(P, stack.resources, "work-queue", /redrivePolicy is unknown during preview and built from values other than a queue/);
    });
    it("catches a redrive policy that is not JSON", () =>
        expectOneViolation(P, previewQueueStack().change("work-queue", (i) => (i.redrivePolicy = "{oops")).resources, "work-queue", /not valid JSON/));
    it("catches a queue without a queue policy", () =>
        expectOneViolation(P, previewQueueStack().remove("work-dead-letters-policy").resources, "work-dead-letters", /no queue policy refers to it/, { fix: /aws:SecureTransport/ }));
    it("catches a queue policy that denies only some actions without TLS", () =>
        expectOneViolation(
            P,
            appliedQueueStack().change("work-queue-policy", (i) => (i.policy = denyNonTls(`${ACCOUNT_QUEUES}:work-queue-1`, "sqs:SendMessage"))).resources,
            "work-queue",
            /no queue policy of it denies requests without TLS/,
        ));
    it("catches a queue policy document unknown during preview that is built from more than the queue", () => {
        const stack = previewQueueStack().add("aws:iam/role:Role", "some-role", { inputs: { assumeRolePolicy: "{}" } });
        const policy = stack.get("work-queue-policy");
        policy.propertyDependencies = { ...policy.propertyDependencies, policy: [stack.urn("work-queue"), stack.urn("some-role")] };
        return expectOneViolation(P, stack.resources, "work-queue", /unknown during preview and built from values other than this queue/);
    });
    it("catches a queue policy that cannot be read", () =>
        expectOneViolation(P, appliedQueueStack().change("work-dead-letters-policy", (i) => (i.policy = "{nope")).resources, "work-dead-letters", /cannot be read/));
});
