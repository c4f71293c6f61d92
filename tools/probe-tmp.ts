import { startMoto } from "../test/support/s3server";
import * as ecs from "@aws-sdk/client-ecs";
import * as ec2 from "@aws-sdk/client-ec2";
import * as iam from "@aws-sdk/client-iam";
(async () => {
  const m = await startMoto(); console.error("LOG", require("os").tmpdir());
  const cfg = { endpoint: m.endpoint, region: "us-east-1", credentials: { accessKeyId: "testing", secretAccessKey: "x" } };
  const C = new ecs.ECSClient(cfg); const E = new ec2.EC2Client(cfg); const I = new iam.IAMClient(cfg);
  try {
    const r = await fetch(m.endpoint + "/", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", authorization: "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x" }, body: "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn:aws:iam::123456789012:role/task&ActionNames.member.1=s3:PutObject" });
    console.log("simulate", r.status, (await r.text()).slice(0, 300));
    const vpc = await E.send(new ec2.CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
    const s1 = await E.send(new ec2.CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: "10.0.1.0/24", AvailabilityZone: "us-east-1a" }));
    const sg = await E.send(new ec2.CreateSecurityGroupCommand({ VpcId: vpc.Vpc!.VpcId, GroupName: "t", Description: "t" }));
    await C.send(new ecs.CreateClusterCommand({ clusterName: "c" }));
    const td = await C.send(new ecs.RegisterTaskDefinitionCommand({ family: "f", networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], cpu: "256", memory: "512", containerDefinitions: [{ name: "app", image: "x", user: "1000:1000" }] }));
    const svc = await C.send(new ecs.CreateServiceCommand({ cluster: "c", serviceName: "s", taskDefinition: td.taskDefinition!.taskDefinitionArn, desiredCount: 1, launchType: "FARGATE", networkConfiguration: { awsvpcConfiguration: { subnets: [s1.Subnet!.SubnetId!], securityGroups: [sg.GroupId!], assignPublicIp: "DISABLED" } } }));
    console.log("svc netconf", JSON.stringify(svc.service!.networkConfiguration));
    const d = await C.send(new ecs.DescribeServicesCommand({ cluster: "c", services: ["s"] }));
    console.log("desc netconf", JSON.stringify(d.services![0].networkConfiguration));
    for (const nc of [undefined, { awsvpcConfiguration: { subnets: [s1.Subnet!.SubnetId!], securityGroups: [sg.GroupId!] } }]) {
      try {
        const rt = await C.send(new ecs.RunTaskCommand({ cluster: "c", taskDefinition: td.taskDefinition!.taskDefinitionArn, launchType: "FARGATE", group: "service:s", networkConfiguration: nc }));
        console.log("run ok", rt.tasks![0].taskArn);
        await C.send(new ecs.StopTaskCommand({ cluster: "c", task: rt.tasks![0].taskArn, reason: "ResourceInitializationError: x" }));
        const l = await C.send(new ecs.ListTasksCommand({ cluster: "c", desiredStatus: "STOPPED" }));
        const dt = await C.send(new ecs.DescribeTasksCommand({ cluster: "c", tasks: l.taskArns }));
        console.log(JSON.stringify(dt.tasks!.map(t => ({ g: t.group, r: t.stoppedReason, s: t.lastStatus, c: t.containers, sc: t.stopCode, st: t.stoppedAt }))));
      } catch (e: any) { console.log("run fail", e.name, String(e.$response?.body ?? e.message).slice(0, 300)); }
    }
  } finally { await m.stop(); }
})();
