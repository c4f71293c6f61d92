/**
 * The composition root: the stack config, then the components wired together, then what an operator needs.
 * No raw AWS resources here; each lives in the component that owns it. Settings the stack leaves out are passed as
 * undefined, so each component's own defaults apply.
 */
import { ArchiveBucket, FargateService, Network, SharedFileSystem } from "./components";
import { readStackConfig } from "./config";

export = async () => {
    const config = await readStackConfig();

    const network = new Network("network", { ...config.network, availabilityZoneNames: config.availabilityZones });

    const fileSystem = new SharedFileSystem("shared", {
        ...config.fileSystem,
        vpcId: network.vpcId,
        subnets: network.privateSubnets,
        accessPoints: { app: config.accessPoint },
    });

    const archive = new ArchiveBucket("archive", config.archive);

    const app = new FargateService("app", {
        ...config.service,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        fileSystem,
        accessPoint: "app",
        bucket: archive,
    });

    return {
        serviceUrl: app.url,
        bucketName: archive.bucketName,
        fileSystemId: fileSystem.fileSystemId,
        accessPointId: fileSystem.accessPointIds.app,
        clusterName: app.clusterName,
        serviceName: app.serviceName,
        logGroupName: app.logGroupName,
        vpcId: network.vpcId,
    };
};
