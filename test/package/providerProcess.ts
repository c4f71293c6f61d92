/**
 * The package's provider started as the Pulumi CLI starts it: the Node.js language host's RunPlugin runs
 * `node @pulumi/pulumi/cmd/run-plugin <plugin directory> <engine address>` with PULUMI_NODEJS_TYPESCRIPT=true
 * (pulumi/pulumi sdk/nodejs/cmd/pulumi-language-nodejs/main.go, RunPlugin), and the provider prints its gRPC port on
 * its first line (@pulumi/pulumi provider/server.js main). Types are checked by `npm run typecheck`, so ts-node only
 * transpiles here (PULUMI_NODEJS_TRANSPILE_ONLY).
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { REPO_ROOT } from "../../tools/stackRun";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const services = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerProto = require("@pulumi/pulumi/proto/provider_pb");

export interface ProviderProcess {
    readonly port: number;
    readonly client: any;
    stop(): Promise<void>;
}

/** Starts the provider and resolves once it has printed its port (or rejects with what it printed on exit). */
export function startProvider(): Promise<ProviderProcess> {
    const child: ChildProcess = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "run-plugin"), REPO_ROOT], {
        cwd: REPO_ROOT,
        env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true", PULUMI_NODEJS_TRANSPILE_ONLY: "true" },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    return new Promise((resolve, reject) => {
        child.once("error", reject);
        child.once("exit", (code) => reject(new Error(`the provider exited (${code}) before printing its port:\n${stdout}\n${stderr}`)));
        child.stdout!.on("data", (d) => {
            stdout += d;
            const line = stdout.split("\n")[0];
            if (stdout.includes("\n") && /^\d+$/.test(line.trim())) {
                const port = Number(line.trim());
                const client = new services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
                resolve({
                    port,
                    client,
                    stop: async () => {
                        client.close();
                        if (child.exitCode === null) child.kill("SIGTERM");
                        await exited;
                    },
                });
            }
        });
    });
}

/** GetSchema over the provider's gRPC interface, as `pulumi package add` and `pulumi package get-schema` call it. */
export function getSchema(client: any): Promise<any> {
    return new Promise((resolve, reject) => {
        client.getSchema(new providerProto.GetSchemaRequest(), (err: Error | null, resp: any) => (err ? reject(err) : resolve(JSON.parse(resp.getSchema()))));
    });
}
