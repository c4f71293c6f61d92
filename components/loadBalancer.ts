import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createAccessLogBucket } from "./accessLogBucket";

/**
 * An upload id (a UUID, four hyphens) and what may follow it (`/content`) as one ALB path pattern: `*` matches any run
 * of characters, `/` included, so `/uploads/*-*-*-*-*` covers both GET /uploads/:id and GET /uploads/:id/content with
 * four wildcards. Not the id's exact shape in `?`s (`????????-????-…`, 32 wildcards a route): ALB refuses a rule with
 * more than 5 wildcards, a quota that cannot be raised ("Condition wildcards per rule 5 … Adjustable No", limit name
 * condition-wildcards-per-alb-rule), and `?` is one of its two wildcard characters.
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-limits.html
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_Limit.html
 */
const UPLOAD_ID_AND_REST = "*-*-*-*-*";

/**
 * The paths the public load balancer forwards: the upload API only (POST /uploads, GET /uploads/:id, GET
 * /uploads/:id/content), not a bare `/uploads/*` that would also forward `/uploads/../status`: a forwarded path after
 * `/uploads/` holds an id's four hyphens. `/healthz` is for the target group's own health check (which goes straight
 * to the targets), `/status` and `/metrics` are for the VPC (the app contract in ARCHITECTURE.md: only the upload API
 * is reachable through the public load balancer). The ALB matches the raw path, case-sensitively, without the query
 * and without decoding, as the app routes (app/src/http/paths.ts); what the pattern still lets through (anything with four
 * hyphens), the app refuses with 400 or 404.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-elasticloadbalancingv2-listenerrule-pathpatternconfig.html
 * ("The comparison is case sensitive. The following wildcard characters are supported: * (matches 0 or more
 * characters) and ? (matches exactly 1 character). … The path pattern is compared only to the path of the URL, not to
 * its query string.")
 */
export const PUBLIC_PATHS = ["/uploads", `/uploads/${UPLOAD_ID_AND_REST}`];

export interface LoadBalancerArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Subnets of the load balancer (internet-facing), in two AZs at least. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The tasks' security group: it gets the app port from the load balancer, and nothing else from it. */
    readonly taskSecurityGroup: aws.ec2.SecurityGroup;
    readonly containerPort: number;
    /** HTTPS on 443 with this ACM certificate, port 80 redirecting; plain HTTP on 80 when undefined. */
    readonly certificateArn?: pulumi.Input<string>;
    /** Also keeps the access-log bucket when the stack is destroyed (retainOnDelete). */
    readonly deletionProtection: boolean;
}

export interface LoadBalancer {
    readonly url: pulumi.Output<string>;
    readonly targetGroup: aws.lb.TargetGroup;
    /** `app/<name>/<id>`: the `LoadBalancer` dimension of its CloudWatch metrics. */
    readonly arnSuffix: pulumi.Output<string>;
    /** The listeners and their rules: the service registers targets only once they exist. */
    readonly ready: pulumi.Resource[];
}

/**
 * An internet-facing ALB in front of a service's tasks, after awsx's lb/applicationLoadBalancer.ts: its own security
 * group open on the listener ports only, a target group health-checking `/healthz`, and listeners that forward
 * only {@link PUBLIC_PATHS}; everything else gets a 404 from the load balancer itself.
 */
export function createLoadBalancer(name: string, args: LoadBalancerArgs, parent: pulumi.Resource): LoadBalancer {
    const https = args.certificateArn !== undefined;
    const port = args.containerPort;
    const albSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-alb-sg`,
        { vpcId: args.vpcId, description: `Load balancer of ${name}: HTTP${https ? "/HTTPS" : ""} from the internet` },
        { parent },
    );
    for (const listenerPort of https ? [80, 443] : [80]) {
        for (const [family, cidr] of [["ipv4", "0.0.0.0/0"], ["ipv6", "::/0"]] as const) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-alb-${listenerPort}-${family}`,
                {
                    securityGroupId: albSecurityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: listenerPort,
                    toPort: listenerPort,
                    ...(family === "ipv4" ? { cidrIpv4: cidr } : { cidrIpv6: cidr }),
                    description: `${listenerPort === 443 ? "HTTPS" : "HTTP"} from the internet`,
                },
                { parent },
            );
        }
    }
    const appPort = { ipProtocol: "tcp", fromPort: port, toPort: port };
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-alb-to-tasks`,
        { securityGroupId: albSecurityGroup.id, referencedSecurityGroupId: args.taskSecurityGroup.id, ...appPort, description: "To the app port of the tasks" },
        { parent },
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-tasks-from-alb`,
        { securityGroupId: args.taskSecurityGroup.id, referencedSecurityGroupId: albSecurityGroup.id, ...appPort, description: "The app port from the load balancer" },
        { parent },
    );

    // Access logs (CT.ELASTICLOADBALANCING.PR.6/PR.10, ELB.5) to a bucket of their own (components/accessLogBucket.ts).
    const accessLogs = createAccessLogBucket(name, { retainOnDelete: args.deletionProtection }, parent);
    const loadBalancer = new aws.lb.LoadBalancer(
        `${name}-alb`,
        {
            loadBalancerType: "application",
            internal: false,
            securityGroups: [albSecurityGroup.id],
            subnets: args.subnetIds,
            dropInvalidHeaderFields: true,
            enableDeletionProtection: args.deletionProtection,
            // Large uploads stream through the load balancer; the default 60 s cuts slow clients off.
            idleTimeout: 300,
            accessLogs: { bucket: accessLogs.bucketName, enabled: true },
        },
        // ELB checks that it may write to the bucket when access logs are turned on: the policy must be in place.
        { parent, dependsOn: [accessLogs.policy] },
    );
    const targetGroup = new aws.lb.TargetGroup(
        `${name}-tg`,
        {
            vpcId: args.vpcId,
            targetType: "ip",
            port,
            protocol: "HTTP",
            deregistrationDelay: 30,
            // Liveness only: /healthz never asks S3, so an S3 outage does not take every task out of service.
            healthCheck: { path: "/healthz", matcher: "200", interval: 15, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 3 },
        },
        { parent },
    );

    const notFound = { type: "fixed-response", fixedResponse: { contentType: "application/json", statusCode: "404", messageBody: '{"error":"not found"}' } };
    const serving = new aws.lb.Listener(
        `${name}-${https ? "https" : "http"}`,
        {
            loadBalancerArn: loadBalancer.arn,
            ...(https
                ? { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06", certificateArn: args.certificateArn }
                : { port: 80, protocol: "HTTP" }),
            defaultActions: [notFound],
        },
        { parent },
    );
    const uploads = new aws.lb.ListenerRule(
        `${name}-${https ? "https" : "http"}-uploads`,
        {
            listenerArn: serving.arn,
            priority: 10,
            conditions: [{ pathPattern: { values: PUBLIC_PATHS } }],
            actions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        },
        { parent },
    );
    const ready: pulumi.Resource[] = [serving, uploads];
    if (https) {
        ready.push(
            new aws.lb.Listener(
                `${name}-http-redirect`,
                {
                    loadBalancerArn: loadBalancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                },
                { parent },
            ),
        );
    }
    return { url: pulumi.interpolate`${https ? "https" : "http"}://${loadBalancer.dnsName}`, targetGroup, arnSuffix: loadBalancer.arnSuffix, ready };
}
