/**
 * Learns the facts from AWS with the SDK v3 clients: read-only calls only, each bounded by a timeout, credentials
 * and region from the SDK's usual chain (env, profile, SSO, container or instance role) unless given.
 */
import { DescribeSecurityGroupRulesCommand, DescribeSubnetsCommand, DescribeVpcAttributeCommand, EC2Client, SecurityGroupRule } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand, DescribeTaskDefinitionCommand, DescribeTasksCommand, ECSClient, ListTasksCommand, Service, TaskDefinition } from "@aws-sdk/client-ecs";
import { AccessPointDescription, DescribeAccessPointsCommand, DescribeMountTargetsCommand, DescribeMountTargetSecurityGroupsCommand, EFSClient } from "@aws-sdk/client-efs";
import { IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { archivePrefixOf, ARCHIVE_ACTIONS, probeObjectArn } from "./checks/archiveAccess";
import { EXEC_SSM_ACTIONS } from "./checks/exec";
import { ArchiveSimulation, AwsSetupError, ExecSimulation, Fact, Facts, known, MountTarget, unknown } from "./facts";
import { StackOutputs } from "./outputs";

export interface AwsOptions {
    readonly region?: string;
    readonly endpointUrl?: string;
    readonly timeoutMs: number;
}

const CREDENTIAL_ERRORS = new Set([
    "CredentialsProviderError",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "InvalidAccessKeyId",
    "TokenProviderError",
]);
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ECONNRESET"]);

type Send = <T>(api: string, call: (signal: AbortSignal) => Promise<T>) => Promise<Fact<T>>;

function sender(o: AwsOptions): Send {
    const where = o.endpointUrl ?? `AWS (${o.region ?? "region from the environment"})`;
    return async (api, call) => {
        try {
            return known(await call(AbortSignal.timeout(o.timeoutMs)));
        } catch (err) {
            const e = err as Error & { code?: string; cause?: { code?: string } };
            const code = e.code ?? e.cause?.code;
            if (CREDENTIAL_ERRORS.has(e.name)) {
                throw new AwsSetupError(`no valid AWS credentials (${e.name}: ${e.message.split("\n")[0]}); set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run \`aws sso login\``);
            }
            if (/region is missing/i.test(e.message)) throw new AwsSetupError("no AWS region; pass --region <region> or set AWS_REGION");
            if (code !== undefined && UNREACHABLE.has(code)) throw new AwsSetupError(`cannot reach ${where} (${code}); check --endpoint-url, --region and the network`);
            if (e.name === "TimeoutError" || e.name === "AbortError") {
                return unknown(`${api} did not answer within ${o.timeoutMs / 1000} s`, "retry, or raise --timeout");
            }
            if (/AccessDenied|UnauthorizedOperation|not authorized/i.test(`${e.name} ${e.message}`)) {
                return unknown(`${api} was denied to the caller (${e.name})`, `let the caller (not the stack) call ${api}; the doctor needs the read-only actions listed in --help`);
            }
            return unknown(`${api} failed: ${e.name}: ${e.message.split("\n")[0]}`, "check --region and that the outputs belong to this account's stack");
        }
    };
}

/** A fact that depends on another: unknown with the same cause when that one is. */
async function then<A, B>(a: Fact<A>, next: (value: A) => Promise<Fact<B>>): Promise<Fact<B>> {
    return a.ok ? next(a.value) : a;
}

/** Asks AWS everything the checks need (what a skipped check alone needs is not asked); independent calls run at once. */
export async function gatherFacts(outputs: StackOutputs, o: AwsOptions, skip: ReadonlySet<string> = new Set()): Promise<Facts> {
    const config = { ...(o.region ? { region: o.region } : {}), ...(o.endpointUrl ? { endpoint: o.endpointUrl } : {}), maxAttempts: 2 };
    const ec2 = new EC2Client(config);
    const ecs = new ECSClient(config);
    const efs = new EFSClient(config);
    const iam = new IAMClient(config);
    const send = sender(o);
    const { clusterName, serviceName, fileSystemId, accessPointId, vpcId, bucketName } = outputs;

    const describeService = async () =>
        then(
            await send("ecs:DescribeServices", (abortSignal) => ecs.send(new DescribeServicesCommand({ cluster: clusterName, services: [serviceName] }), { abortSignal })),
            async (r) => {
                const s = r.services?.find((x) => x.status !== "INACTIVE");
                return s ? known(s) : unknown<Service>(`service ${serviceName} not found in cluster ${clusterName}`, "check --region, and that the outputs are this stack's (pulumi stack output --json --stack <name>)");
            },
        );
    const describeTaskDefinition = async (s: Service) =>
        then(
            await send("ecs:DescribeTaskDefinition", (abortSignal) => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: s.taskDefinition }), { abortSignal })),
            async (r) => (r.taskDefinition ? known(r.taskDefinition) : unknown<TaskDefinition>(`task definition ${s.taskDefinition} not found`, "redeploy the stack (pulumi up)")),
        );
    const describeTaskSubnets = (s: Service) =>
        send("ec2:DescribeSubnets", async (abortSignal) => {
            const ids = s.networkConfiguration?.awsvpcConfiguration?.subnets ?? [];
            return ids.length === 0 ? [] : ((await ec2.send(new DescribeSubnetsCommand({ SubnetIds: ids }), { abortSignal })).Subnets ?? []);
        });
    const describeMountTargets = () =>
        send("elasticfilesystem:DescribeMountTargets", async (abortSignal) => {
            const targets = (await efs.send(new DescribeMountTargetsCommand({ FileSystemId: fileSystemId }), { abortSignal })).MountTargets ?? [];
            return Promise.all(
                targets.map(async (t): Promise<MountTarget> => {
                    // EFS answers this only for a mount target that exists in full; the others are mount-targets' problem.
                    if (t.LifeCycleState !== "available") return { ...t, securityGroups: [] };
                    const groups = await efs.send(new DescribeMountTargetSecurityGroupsCommand({ MountTargetId: t.MountTargetId }), { abortSignal });
                    return { ...t, securityGroups: groups.SecurityGroups ?? [] };
                }),
            );
        });
    const describeRules = async (groups: readonly string[]): Promise<Fact<SecurityGroupRule[]>> =>
        groups.length === 0
            ? known([])
            : send("ec2:DescribeSecurityGroupRules", async (abortSignal) => {
                  const rules: SecurityGroupRule[] = [];
                  let NextToken: string | undefined;
                  do {
                      const page = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: [...groups] }], NextToken }), { abortSignal });
                      rules.push(...(page.SecurityGroupRules ?? []));
                      NextToken = page.NextToken;
                  } while (NextToken);
                  return rules;
              });
    const describeVpcDns = () =>
        send("ec2:DescribeVpcAttribute", async (abortSignal) => {
            const [support, hostnames] = await Promise.all([
                ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsSupport" }), { abortSignal }),
                ec2.send(new DescribeVpcAttributeCommand({ VpcId: vpcId, Attribute: "enableDnsHostnames" }), { abortSignal }),
            ]);
            return { enableDnsSupport: support.EnableDnsSupport?.Value === true, enableDnsHostnames: hostnames.EnableDnsHostnames?.Value === true };
        });
    const describeAccessPoint = async () =>
        then(
            await send("elasticfilesystem:DescribeAccessPoints", (abortSignal) => efs.send(new DescribeAccessPointsCommand({ AccessPointId: accessPointId }), { abortSignal })),
            async (r) => (r.AccessPoints?.[0] ? known(r.AccessPoints[0]) : unknown<AccessPointDescription>(`access point ${accessPointId} not found`, "check --region and the outputs")),
        );
    // One page of the most recent stops: they are what explains a failing deployment.
    const describeStoppedTasks = () =>
        send("ecs:ListTasks+DescribeTasks", async (abortSignal) => {
            const arns = (await ecs.send(new ListTasksCommand({ cluster: clusterName, desiredStatus: "STOPPED", maxResults: 100 }), { abortSignal })).taskArns ?? [];
            return arns.length === 0 ? [] : ((await ecs.send(new DescribeTasksCommand({ cluster: clusterName, tasks: arns }), { abortSignal })).tasks ?? []);
        });
    const simulateArchiveAccess = async (td: TaskDefinition) => {
        const roleArn = td.taskRoleArn;
        if (!roleArn) return unknown<ArchiveSimulation>(`${td.family}:${td.revision} has no taskRoleArn`, "give the task definition a task role (FargateService does)");
        const resource = probeObjectArn(roleArn, bucketName, archivePrefixOf(td));
        return then(
            await send("iam:SimulatePrincipalPolicy", (abortSignal) =>
                iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...ARCHIVE_ACTIONS], ResourceArns: [resource] }), { abortSignal }),
            ),
            async (r) => known<ArchiveSimulation>({ roleArn, resource, results: r.EvaluationResults ?? [] }),
        );
    };
    // Issue 22: the exec check's facts. ssmmessages actions take no resource ARN, so the simulation asks about "*".
    const describeRunningTasks = () =>
        send("ecs:ListTasks+DescribeTasks", async (abortSignal) => {
            const arns = (await ecs.send(new ListTasksCommand({ cluster: clusterName, serviceName, desiredStatus: "RUNNING", maxResults: 100 }), { abortSignal })).taskArns ?? [];
            return arns.length === 0 ? [] : ((await ecs.send(new DescribeTasksCommand({ cluster: clusterName, tasks: arns }), { abortSignal })).tasks ?? []);
        });
    const simulateExec = async (td: TaskDefinition) => {
        const roleArn = td.taskRoleArn;
        if (!roleArn) return unknown<ExecSimulation>(`${td.family}:${td.revision} has no taskRoleArn`, "give the task definition a task role (FargateService does)");
        return then(
            await send("iam:SimulatePrincipalPolicy", (abortSignal) => iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn, ActionNames: [...EXEC_SSM_ACTIONS], ResourceArns: ["*"] }), { abortSignal })),
            async (r) => known<ExecSimulation>({ roleArn, results: r.EvaluationResults ?? [] }),
        );
    };
    const unlessSkipped = <T>(id: string, gather: () => Promise<Fact<T>>): Promise<Fact<T>> => (skip.has(id) ? Promise.resolve(unknown<T>(`${id} skipped`, "")) : gather());

    try {
        // First, alone: a credentials or region problem stops the run here with one message.
        const service = await describeService();
        const [taskDefinition, taskSubnets, mountTargets, vpcDns, accessPoint, stoppedTasks] = await Promise.all([
            then(service, describeTaskDefinition),
            then(service, describeTaskSubnets),
            describeMountTargets(),
            describeVpcDns(),
            describeAccessPoint(),
            unlessSkipped("stopped-tasks", describeStoppedTasks),
        ]);
        // Exec facts only when the service has exec on: with it off the check needs nothing more.
        const execOn = service.ok && service.value.enableExecuteCommand === true;
        const execFact = <T>(gather: () => Promise<Fact<T>>) => unlessSkipped("exec", () => (execOn ? gather() : Promise.resolve(unknown<T>("exec is off", ""))));
        const [mountTargetRules, taskRules, archiveSimulation, runningTasks, execSimulation] = await Promise.all([
            then(mountTargets, (ts) => describeRules([...new Set(ts.flatMap((t) => t.securityGroups))])),
            then(service, (s) => describeRules(s.networkConfiguration?.awsvpcConfiguration?.securityGroups ?? [])),
            unlessSkipped("archive-access", () => then(taskDefinition, simulateArchiveAccess)),
            execFact(describeRunningTasks),
            execFact(() => then(taskDefinition, simulateExec)),
        ]);
        return { outputs, service, taskDefinition, taskSubnets, mountTargets, mountTargetRules, taskRules, vpcDns, accessPoint, archiveSimulation, stoppedTasks, runningTasks, execSimulation };
    } finally {
        for (const c of [ec2, ecs, efs, iam]) c.destroy();
    }
}
