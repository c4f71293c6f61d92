import * as aws from "@pulumi/aws";
// awsx's ec2 module on its own: the package root also loads awsx "classic" (the 0.x crosswalk, about a hundred
// modules with a Docker client) that nothing here uses. The module registers its resources itself.
import * as awsxEc2 from "@pulumi/awsx/ec2";
import * as pulumi from "@pulumi/pulumi";
import { Problem, throwIfProblems } from "./validation";

/** How private subnets reach the internet (image pulls, CloudWatch Logs). */
export type NatGatewayStrategy =
    /** One NAT gateway for the whole VPC: cheapest; private subnets lose egress if its AZ fails. */
    | "Single"
    /** One NAT gateway per AZ: each AZ keeps egress on its own. */
    | "OnePerAz";

export const NAT_GATEWAY_STRATEGIES: readonly NatGatewayStrategy[] = ["Single", "OnePerAz"];

/** A private subnet and the AZ it lives in; resources per AZ are keyed by the AZ name. */
export interface PrivateSubnet {
    readonly availabilityZone: string;
    readonly subnetId: pulumi.Output<string>;
}

export interface NetworkArgs {
    /** The VPC's IPv4 range, /16 to /24. Forces replacement of the VPC. Defaults to 10.0.0.0/16. */
    readonly cidrBlock?: string;
    /** The AZs to spread subnets over, 1 to 6 of them; order decides which subnet is "first". */
    readonly availabilityZoneNames: readonly string[];
    /** NAT gateways for the private subnets. Defaults to "OnePerAz". */
    readonly natGateways?: NatGatewayStrategy;
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Checks a VPC CIDR: a well-formed IPv4 network address with a prefix AWS accepts and room for the subnets. */
export function validateVpcCidr(cidr: string): string | undefined {
    const m = IPV4_CIDR.exec(cidr);
    if (!m) {
        return `must be an IPv4 CIDR like 10.0.0.0/16; got ${JSON.stringify(cidr)}`;
    }
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255)) {
        return `has an octet above 255; got ${cidr}`;
    }
    if (prefix < 16 || prefix > 24) {
        return `prefix must be /16 to /24 (AWS allows /16 at most, and public plus private subnets in each AZ need at least a /24); got /${prefix}`;
    }
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const hostBits = 32 - prefix;
    if (address % 2 ** hostBits !== 0) {
        const network = address - (address % 2 ** hostBits);
        const dotted = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join(".");
        return `host bits are set; the network address of ${cidr} is ${dotted}/${prefix}`;
    }
    return undefined;
}

/** The Network's effective settings: the one place its defaults live (the stack config leaves unset keys undefined). */
export function networkDefaults(args: Pick<NetworkArgs, "cidrBlock" | "natGateways">): Required<Pick<NetworkArgs, "cidrBlock" | "natGateways">> {
    return { cidrBlock: args.cidrBlock ?? "10.0.0.0/16", natGateways: args.natGateways ?? "OnePerAz" };
}

/** Pure validation of the Network's arguments; exported for tests. */
export function validateNetworkArgs(args: NetworkArgs): Problem[] {
    const problems: Problem[] = [];
    const cidrProblem = validateVpcCidr(networkDefaults(args).cidrBlock);
    if (cidrProblem) {
        problems.push({ property: "cidrBlock", reason: cidrProblem });
    }
    const azs = args.availabilityZoneNames;
    if (azs.length < 1 || azs.length > 6) {
        problems.push({ property: "availabilityZoneNames", reason: `must name 1 to 6 AZs; got ${azs.length}` });
    }
    if (new Set(azs).size !== azs.length) {
        problems.push({ property: "availabilityZoneNames", reason: `must not repeat an AZ; got ${azs.join(", ")}` });
    }
    if (args.natGateways !== undefined && !NAT_GATEWAY_STRATEGIES.includes(args.natGateways)) {
        problems.push({ property: "natGateways", reason: `must be one of ${NAT_GATEWAY_STRATEGIES.join(", ")}; got ${JSON.stringify(args.natGateways)}` });
    }
    return problems;
}

/**
 * The VPC: public subnets for the load balancer and NAT, private subnets for tasks and EFS mount targets, in each
 * AZ, and an S3 gateway endpoint so that archive traffic stays off the NAT gateways (and their per-GB charge).
 */
export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** One entry per AZ, in the order of `availabilityZoneNames`. */
    public readonly privateSubnets: readonly PrivateSubnet[];
    public readonly s3EndpointId: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:network:Network", name, {}, opts);

        throwIfProblems(`Network "${name}"`, validateNetworkArgs(args));
        const { cidrBlock, natGateways } = networkDefaults(args);
        const azs = [...args.availabilityZoneNames];

        const vpc = new awsxEc2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock,
                availabilityZoneNames: azs,
                subnetStrategy: "Auto",
                subnetSpecs: [{ type: "Public" }, { type: "Private" }],
                natGateways: { strategy: natGateways },
                enableDnsHostnames: true,
                enableDnsSupport: true,
            },
            { parent: this },
        );

        // awsx tags every route table with its subnet type; the gateway endpoint goes on the private ones, which
        // are the only ones that route through NAT.
        const privateRouteTables = aws.ec2.getRouteTablesOutput(
            { vpcId: vpc.vpcId, filters: [{ name: "tag:SubnetType", values: ["Private"] }] },
            { parent: this, dependsOn: [vpc] },
        );
        const region = aws.getRegionOutput({}, { parent: this });
        const s3Endpoint = new aws.ec2.VpcEndpoint(
            `${name}-s3-endpoint`,
            {
                vpcId: vpc.vpcId,
                serviceName: pulumi.interpolate`com.amazonaws.${region.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: privateRouteTables.ids,
            },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        // awsx creates one private subnet per AZ, in the order the AZs were given.
        this.privateSubnets = azs.map((availabilityZone, i) => ({
            availabilityZone,
            subnetId: vpc.privateSubnetIds.apply((ids) => ids[i]),
        }));
        this.s3EndpointId = s3Endpoint.id;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            s3EndpointId: this.s3EndpointId,
        });
    }
}
