import { StackValidationPolicy } from "@pulumi/policy";

import { deniesInsecureTransport, parsePolicyDocument } from "../lib/iamDocument";
import { types } from "../lib/policy";
import { StackIndex, StackNode } from "../lib/stack";
import { Plain, isObject, isUnknown, show } from "../lib/values";

/**
 * What a redrive policy says, as far as a preview can tell: the dead-letter queues it names (by property dependency or
 * known ARN, even when the policy itself is wrong: the fault is then the source queue's), and why it cannot be proven.
 */
type Redrive = { targets: StackNode[]; problem?: undefined } | { targets: StackNode[]; problem: string };

/**
 * One redrive policy (a queue's inline `redrivePolicy`, or an `aws.sqs.RedrivePolicy`'s): a dead-letter queue ARN and
 * a maxReceiveCount of 1 to 1,000. Unknown during preview (it names the dead-letter queue's ARN, unknown until that queue
 * exists), it counts when every value it is built from is a queue of this stack: that queue is its target.
 */
function readRedrive(index: StackIndex, owner: StackNode, value: Plain | undefined, sources: string[], label: string): Redrive {
    const queueSources = sources.map((u) => index.get(u)).filter((n): n is StackNode => n?.type === types.sqsQueue && n.urn !== owner.urn);
    // A JSON string with an unknown inside it carries the engine's unknown sentinel (tools/analyzer/client.ts).
    if (isUnknown(value) || (typeof value === "string" && value.includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9"))) {
        if (sources.length > 0 && queueSources.length === sources.length) {
            return { targets: queueSources };
        }
        return { targets: queueSources, problem: `${label} is unknown during preview and built from values other than a queue of this stack, so its dead-letter queue cannot be proven` };
    }
    let doc: unknown = value;
    if (typeof value === "string") {
        try {
            doc = JSON.parse(value);
        } catch (e) {
            return { targets: queueSources, problem: `${label} is not valid JSON (${(e as Error).message})` };
        }
    }
    if (!isObject(doc as Plain)) {
        return { targets: queueSources, problem: `${label} is ${show(value)}, not a JSON object` };
    }
    const { deadLetterTargetArn: arn, maxReceiveCount: count } = doc as Record<string, unknown>;
    const receives = typeof count === "string" && /^\d+$/.test(count) ? Number(count) : count;
    const problems: string[] = [];
    if (typeof arn !== "string" || !arn.startsWith("arn:")) problems.push(`names no deadLetterTargetArn (got ${show(arn as Plain)})`);
    if (!(typeof receives === "number" && Number.isInteger(receives) && receives >= 1 && receives <= 1000)) problems.push(`has maxReceiveCount ${show(count as Plain)}, not a whole number from 1 to 1000`);
    const byArn = index.ofType(types.sqsQueue).filter((q) => typeof arn === "string" && q.props.arn === arn && q.urn !== owner.urn);
    const targets = [...queueSources, ...byArn];
    return problems.length > 0 ? { targets, problem: `${label} ${problems.join(" and ")}` } : { targets };
}

/**
 * Whether a queue's inline attribute is one the program set. AnalyzeStack reads outputs ("AnalyzeStack is called on
 * the final outputs of each resource", pulumi/pulumi pkg/resource/deploy/step_generator.go), and the aws provider's
 * preview of a create answers an Optional+Computed attribute the program left unset (`policy`, `redrivePolicy`) as
 * unknown. Every unknown a program can pass comes from a resource and so carries a property dependency; an unknown
 * with none is the provider's, not a setting (`pulumi up` then analyses the real value).
 */
function isSet(queue: StackNode, prop: string): boolean {
    const value = queue.props[prop];
    if (value === undefined || value === null || value === "") return false;
    return !(isUnknown(value) && queue.deps(prop).length === 0);
}

/** Every redrive policy that applies to `queue`: its inline one, and the RedrivePolicy resources that refer to it. */
function redrivesOf(index: StackIndex, queue: StackNode): Redrive[] {
    const out: Redrive[] = [];
    const inline = queue.props.redrivePolicy;
    if (isSet(queue, "redrivePolicy")) {
        out.push(readRedrive(index, queue, inline, queue.deps("redrivePolicy"), "its redrivePolicy"));
    }
    for (const r of index.referrers(queue, [types.sqsRedrivePolicy], "queueUrl", ["url", "id"])) {
        out.push(readRedrive(index, queue, r.props.redrivePolicy, r.deps("redrivePolicy"), `the redrivePolicy of RedrivePolicy "${r.name}"`));
    }
    return out;
}

function encryptionProblem(queue: StackNode): string | undefined {
    const key = queue.props.kmsMasterKeyId;
    if (typeof key === "string" && key !== "") return undefined;
    // Unknown but set from a resource (a key of this stack): it is set.
    if (isUnknown(key) && queue.deps("kmsMasterKeyId").length > 0) return undefined;
    const sse = queue.props.sqsManagedSseEnabled;
    if (sse === true) return undefined;
    if (isUnknown(key) || isUnknown(sse)) return "its encryption (kmsMasterKeyId or sqsManagedSseEnabled) is unknown during preview, so it cannot be proven encrypted at rest";
    return `it is not encrypted at rest (sqsManagedSseEnabled ${show(sse)}, no kmsMasterKeyId)`;
}

function tlsProblem(index: StackIndex, queue: StackNode): string | undefined {
    const docs: { name: string; value: Plain | undefined; sources: string[] }[] = [];
    if (isSet(queue, "policy")) {
        docs.push({ name: "its inline policy", value: queue.props.policy, sources: queue.deps("policy") });
    }
    for (const p of index.referrers(queue, [types.sqsQueuePolicy], "queueUrl", ["url", "id"])) {
        docs.push({ name: `queue policy "${p.name}"`, value: p.props.policy, sources: p.deps("policy") });
    }
    if (docs.length === 0) return "no queue policy refers to it";
    const unexplained: string[] = [];
    for (const d of docs) {
        const doc = parsePolicyDocument(d.value);
        if (doc.kind === "document" && doc.statements.some((s) => deniesInsecureTransport(s, "sqs:*"))) return undefined;
        if (doc.kind === "unknown") {
            // Explained like the CloudFront rule's bucket policy: a document that names the queue's own ARN is unknown in
            // every preview that creates the queue. It passes when built from nothing but this queue; `pulumi up`
            // analyses the real document.
            if (d.sources.length > 0 && d.sources.every((u) => u === queue.urn)) return undefined;
            unexplained.push(`the document of ${d.name} is unknown during preview and built from values other than this queue`);
        } else if (doc.kind === "invalid") {
            unexplained.push(`${d.name} cannot be read: ${doc.reason}`);
        }
    }
    return unexplained.length > 0 ? `${unexplained.join("; ")}, so a deny of non-TLS requests cannot be proven` : "no queue policy of it denies requests without TLS";
}

/**
 * sqs-queue-encrypted-redrive-tls-only — every SQS queue (1) is encrypted at rest (`sqsManagedSseEnabled: true` or a
 * `kmsMasterKeyId`), (2) has a redrive policy naming a dead-letter queue with `maxReceiveCount` 1 to 1,000 — inline or
 * as an `aws.sqs.RedrivePolicy` — unless it is itself some queue's dead-letter queue (joined by the redrive policy's
 * property dependencies on the queue's URN, or for existing queues its known ARN), and (3) has a queue policy (inline
 * `policy` or an `aws.sqs.QueuePolicy`) that denies `sqs:*` (or `*`) to `*` when `aws:SecureTransport` is `false`.
 *
 * Why: a message can carry an item's name and checksum; SQS accepts plain HTTP unless the queue policy refuses it; and
 * without a dead-letter queue an item that fails (or kills its task) every time is received forever, by every task in
 * turn. Severity: high (mandatory).
 * Unknowns: an inline `policy` or `redrivePolicy` unknown with no property dependency is the provider's computed
 * output for an attribute the program left unset (a real preview of a new queue), not a setting; an unknown encryption
 * setting is a violation, except a `kmsMasterKeyId` that comes from a resource; a
 * redrive policy unknown during preview counts when it is built only from queues of this stack (they are its targets);
 * a queue policy document unknown during preview counts when it is built only from the queue itself (its ARN), as the
 * CloudFront rule treats its bucket policy; `pulumi up` analyses the real documents.
 * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-security-best-practices.html and
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
 */
export const requireQueueEncryptionRedriveAndTls: StackValidationPolicy = {
    name: "sqs-queue-encrypted-redrive-tls-only",
    description: "Every SQS queue must be encrypted at rest, have a dead-letter queue (unless it is one) and a queue policy that denies requests without TLS.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: (args, reportViolation) => {
        const index = StackIndex.of(args.resources);
        const queues = index.ofType(types.sqsQueue);
        if (queues.length === 0) return;
        const redrives = new Map(queues.map((q) => [q.urn, redrivesOf(index, q)]));
        const deadLetterQueues = new Set([...redrives.values()].flatMap((rs) => rs.flatMap((r) => r.targets.map((t) => t.urn))));
        for (const queue of queues) {
            const problems: string[] = [];
            const fixes: string[] = [];
            const sse = encryptionProblem(queue);
            if (sse) {
                problems.push(sse);
                fixes.push("set sqsManagedSseEnabled: true (or kmsMasterKeyId to a KMS key)");
            }
            const own = redrives.get(queue.urn)!;
            const redriveProblems = own.flatMap((r) => (r.problem ? [r.problem] : []));
            // A dead-letter queue needs no redrive policy, so its own is not judged: after `pulumi up`, AnalyzeStack reads
            // the provider's output for the attribute the program left unset (AWS answers none; a stand-in provider may
            // answer any string), and a value AWS accepted cannot be an invalid one anyway (SetQueueAttributes checks it).
            if (!deadLetterQueues.has(queue.urn) && (redriveProblems.length > 0 || own.length === 0)) {
                problems.push(...(redriveProblems.length > 0 ? redriveProblems : ["it has no redrive policy and is no queue's dead-letter queue"]));
                fixes.push("give it redrivePolicy: JSON of { deadLetterTargetArn: <dead-letter queue>.arn, maxReceiveCount: 1 to 1000 }");
            }
            const tls = tlsProblem(index, queue);
            if (tls) {
                problems.push(tls);
                fixes.push(`add an aws.sqs.QueuePolicy with a statement { Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: <queue>.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } }`);
            }
            if (problems.length > 0) {
                reportViolation(`SQS queue "${queue.name}" must be encrypted at rest, have a dead-letter queue and deny requests without TLS, but ${problems.join("; ")}. Fix: ${fixes.join("; ")}.`, queue.urn);
            }
        }
    },
};
