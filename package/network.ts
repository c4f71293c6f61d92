/**
 * The VPC as a building block of the package (`fargate-efs-s3:index:Network`): plain-data arguments, the ids other
 * building blocks take as outputs. It builds `components/network.ts`'s Network as its one child, named like it.
 */
import * as pulumi from "@pulumi/pulumi";
import { NatGatewayStrategy, Network as NetworkComponent } from "../components/network";

export interface NetworkArgs {
    /** The VPC's IPv4 range, /16 to /24 (forces replacement). Defaults to 10.0.0.0/16. */
    readonly cidrBlock?: string;
    /** The availability zones to spread public and private subnets over, 1 to 6, not repeated (e.g. us-east-1a). Their order is the order of the subnet ids. */
    readonly availabilityZoneNames: string[];
    /** Single (one NAT gateway for the VPC: cheapest, egress lost with its AZ) or OnePerAz. Defaults to OnePerAz. */
    readonly natGateways?: string;
}

/**
 * A VPC with a public and a private subnet in each availability zone, NAT for the private ones, and an S3 gateway
 * endpoint on the private route tables so that archive traffic stays off the NAT gateways.
 */
export class Network extends pulumi.ComponentResource {
    /** The VPC. */
    public readonly vpcId: pulumi.Output<string>;
    /** The public subnets (load balancers, NAT), in the order of availabilityZoneNames. */
    public readonly publicSubnetIds: pulumi.Output<string[]>;
    /** The private subnets (tasks, EFS mount targets), in the order of availabilityZoneNames. */
    public readonly privateSubnetIds: pulumi.Output<string[]>;
    /** The S3 gateway endpoint. */
    public readonly s3EndpointId: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("fargate-efs-s3:index:Network", name, {}, opts);
        const network = new NetworkComponent(
            name,
            { cidrBlock: args.cidrBlock, availabilityZoneNames: args.availabilityZoneNames ?? [], natGateways: args.natGateways as NatGatewayStrategy | undefined },
            { parent: this },
        );
        this.vpcId = network.vpcId;
        this.publicSubnetIds = network.publicSubnetIds;
        this.privateSubnetIds = network.privateSubnetIds;
        this.s3EndpointId = network.s3EndpointId;
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds, s3EndpointId: this.s3EndpointId });
    }
}
