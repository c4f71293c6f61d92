/** The stack outputs the doctor starts from (`pulumi stack output --json`, see index.ts), checked field by field. */

export interface StackOutputs {
    readonly bucketName: string;
    readonly fileSystemId: string;
    readonly accessPointId: string;
    readonly clusterName: string;
    readonly serviceName: string;
    readonly vpcId: string;
    readonly serviceUrl?: string;
    readonly logGroupName?: string;
}

/** Bad outputs; the message names the output and the fix. */
export class OutputsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OutputsError";
    }
}

/** The outputs the checks need, each with the shape AWS gives it. */
const REQUIRED: Readonly<Record<Exclude<keyof StackOutputs, "serviceUrl" | "logGroupName">, { pattern: RegExp; shape: string }>> = {
    bucketName: { pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, shape: "an S3 bucket name" },
    fileSystemId: { pattern: /^fs-[0-9a-f]{8,40}$/, shape: "an EFS file system id (fs-…)" },
    accessPointId: { pattern: /^fsap-[0-9a-f]{8,40}$/, shape: "an EFS access point id (fsap-…)" },
    clusterName: { pattern: /^[A-Za-z0-9_-]{1,255}$/, shape: "an ECS cluster name" },
    serviceName: { pattern: /^[A-Za-z0-9_-]{1,255}$/, shape: "an ECS service name" },
    vpcId: { pattern: /^vpc-[0-9a-f]{8,17}$/, shape: "a VPC id (vpc-…)" },
};

/** Parses `pulumi stack output --json`; every problem is reported at once, each naming its output. */
export function parseOutputs(text: string, source: string): StackOutputs {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new OutputsError(`${source} is not JSON (${(err as Error).message}); give the output of \`pulumi stack output --json --stack <name>\``);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new OutputsError(`${source} must be a JSON object of stack outputs, as \`pulumi stack output --json\` prints it`);
    }
    const record = parsed as Record<string, unknown>;
    const problems: string[] = [];
    for (const [key, { pattern, shape }] of Object.entries(REQUIRED)) {
        const value = record[key];
        if (value === undefined) {
            problems.push(`${key}: missing; it is an output of this project's index.ts (is this another project's stack?)`);
        } else if (value === "[secret]") {
            problems.push(`${key}: is a secret; run \`pulumi stack output --json --show-secrets\``);
        } else if (typeof value !== "string" || !pattern.test(value)) {
            problems.push(`${key}: must be ${shape}; got ${JSON.stringify(value)}`);
        }
    }
    if (problems.length > 0) {
        throw new OutputsError(`the stack outputs in ${source} have ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    const optional = (key: "serviceUrl" | "logGroupName") => (typeof record[key] === "string" ? { [key]: record[key] as string } : {});
    return {
        bucketName: record.bucketName as string,
        fileSystemId: record.fileSystemId as string,
        accessPointId: record.accessPointId as string,
        clusterName: record.clusterName as string,
        serviceName: record.serviceName as string,
        vpcId: record.vpcId as string,
        ...optional("serviceUrl"),
        ...optional("logGroupName"),
    };
}
