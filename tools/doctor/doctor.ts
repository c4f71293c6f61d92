/**
 * `npm run doctor -- --stack <name>`: the source article's troubleshooting checklist, run read-only against a live
 * stack found through its outputs. Exit 0 all ok, 1 problems found, 2 usage/outputs/credentials, 3 a bug.
 */
import * as fs from "fs";
import { DoctorOptions, doctorUsage, parseDoctorArgs, UsageError } from "./args";
import { CHECKS, runCheck } from "./checks";
import { AwsSetupError } from "./facts";
import { formatJson, formatText } from "./format";
import { OutputsError, parseOutputs, StackOutputs } from "./outputs";

async function readStdin(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
}

async function readOutputs(o: DoctorOptions): Promise<StackOutputs> {
    if (o.outputsFile !== undefined) {
        let text: string;
        try {
            text = fs.readFileSync(o.outputsFile, "utf8");
        } catch (err) {
            throw new UsageError(`--outputs: cannot read ${o.outputsFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
        return parseOutputs(text, o.outputsFile);
    }
    if (process.stdin.isTTY) {
        throw new UsageError(`no stack outputs: pipe them in (pulumi stack output --json --stack ${o.stack} | npm run doctor -- --stack ${o.stack}) or pass --outputs <file>`);
    }
    const text = await readStdin();
    if (text.trim() === "") throw new UsageError(`no stack outputs on stdin: pipe in \`pulumi stack output --json --stack ${o.stack}\` or pass --outputs <file>`);
    return parseOutputs(text, "stdin");
}

export async function main(argv: readonly string[]): Promise<number> {
    try {
        const options = parseDoctorArgs(argv);
        if (options.help) {
            process.stdout.write(doctorUsage() + "\n");
            return 0;
        }
        const outputs = await readOutputs(options);
        // Loaded here so that --help and usage errors do not wait for the SDK clients to load.
        const { gatherFacts } = await import("./aws");
        const facts = await gatherFacts(outputs, { region: options.region, endpointUrl: options.endpointUrl, timeoutMs: options.timeoutSeconds * 1000 }, options.skip);
        const checks = CHECKS.filter((c) => !options.skip.has(c.id)).map((c) => runCheck(c, facts));
        const report = { stack: options.stack, checks };
        process.stdout.write(options.format === "json" ? formatJson(report) : formatText(report));
        const problems = checks.filter((c) => !c.ok).length;
        const skipped = options.skip.size > 0 ? `; skipped ${[...options.skip].join(", ")}` : "";
        process.stderr.write(`${problems === 0 ? "all ok" : `${problems} problem(s)`} in ${checks.length} checks of stack ${options.stack}${skipped}\n`);
        return problems === 0 ? 0 : 1;
    } catch (err) {
        if (err instanceof UsageError || err instanceof OutputsError || err instanceof AwsSetupError) {
            process.stderr.write(`doctor: ${err.message}\n${err instanceof UsageError ? "Run `npm run doctor -- --help` for the options and checks.\n" : ""}`);
            return 2;
        }
        process.stderr.write(`doctor failed (a bug, please report it): ${(err as Error).message}\n`);
        return 3;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
