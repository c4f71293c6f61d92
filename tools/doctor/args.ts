/** The command line of `npm run doctor`, parsed and checked before AWS is asked anything. */
import { parseFlags, UsageError } from "../cliFlags";
import { DOCTOR_ACTIONS } from "./permissions";
import { CHECKS, CHECK_IDS } from "./checks";

export const DEFAULT_TIMEOUT_SECONDS = 10;

/** Wraps `text` to lines of at most `width` characters, each after the first indented by `indent` spaces. */
function wrap(text: string, width: number, indent: number): string {
    const lines: string[] = [];
    let line = "";
    for (const word of text.split(" ")) {
        if (line !== "" && line.length + 1 + word.length > width - indent) {
            lines.push(line);
            line = word;
        } else {
            line = line === "" ? word : `${line} ${word}`;
        }
    }
    lines.push(line);
    return lines.join(`\n${" ".repeat(indent)}`);
}

export function doctorUsage(): string {
    const width = Math.max(...CHECK_IDS.map((id) => id.length));
    return `usage: pulumi stack output --json --stack <name> | npm run doctor -- --stack <name> [options]
       npm run doctor -- --stack <name> --outputs <file> [options]

Runs the troubleshooting checklist of a live stack, read-only, against the resources its outputs name.

  --stack         the stack's name (required; shown in the report).
  --outputs       read the stack outputs from this file instead of stdin.
  --region        the stack's AWS region. Defaults to the SDK's (AWS_REGION, the profile).
  --endpoint-url  send every AWS call to this URL (a local emulator in tests).
  --format        text (default: one line per check) or json ({stack, checks: [{id, ok, detail, fix}]}).
  --skip          a check to leave out (repeatable, or comma-separated), e.g. archive-access when the caller
                  may not call iam:SimulatePrincipalPolicy.
  --timeout       seconds each AWS call may take. Defaults to ${DEFAULT_TIMEOUT_SECONDS}.

Checks (each line: "ok  <check>: what was seen" or "PROBLEM  <check>: what is wrong — fix: how"):
${CHECKS.map((c) => `  ${c.id.padEnd(width)}  ${wrap(c.help, 112, width + 4)}`).join("\n")}

Exit status: 0 every check ok; 1 a problem found (a check that could not run counts); 2 usage, stack outputs,
credentials or region; 3 the doctor itself failed (a bug).
Credentials come from the AWS SDK's usual chain. The caller needs only these read-only actions:
  ${wrap(DOCTOR_ACTIONS.join(", "), 112, 2)}`;
}

export type DoctorFormat = "text" | "json";

export interface DoctorOptions {
    readonly stack: string;
    readonly outputsFile?: string;
    readonly region?: string;
    readonly endpointUrl?: string;
    readonly format: DoctorFormat;
    readonly skip: ReadonlySet<string>;
    readonly timeoutSeconds: number;
    readonly help: boolean;
}

export { UsageError };

export function parseDoctorArgs(argv: readonly string[]): DoctorOptions {
    const values = parseFlags(argv, {
        stack: { type: "string" },
        outputs: { type: "string" },
        region: { type: "string" },
        "endpoint-url": { type: "string" },
        format: { type: "string" },
        skip: { type: "string", multiple: true },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
    });
    const help = values.help ?? false;
    const stack = values.stack;
    if (stack === undefined && !help) throw new UsageError("--stack is required: the stack whose outputs are given (e.g. --stack dev)");
    if (stack !== undefined && !/^[A-Za-z0-9_.\/-]+$/.test(stack)) throw new UsageError(`--stack must be a stack name (letters, digits, "-", "_", ".", "/"), got "${stack}"`);
    const format = values.format ?? "text";
    if (format !== "text" && format !== "json") throw new UsageError(`--format must be one of text, json, got "${format}"`);
    const skip = new Set((values.skip ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean));
    for (const id of skip) {
        if (!CHECK_IDS.includes(id)) throw new UsageError(`--skip: no check named "${id}"; the checks are ${CHECK_IDS.join(", ")}`);
    }
    const timeoutSeconds = values.timeout === undefined ? DEFAULT_TIMEOUT_SECONDS : Number(values.timeout);
    if (!(timeoutSeconds > 0 && timeoutSeconds <= 300)) throw new UsageError(`--timeout must be a number of seconds from 1 to 300, got "${values.timeout}"`);
    const endpointUrl = values["endpoint-url"];
    if (endpointUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(endpointUrl)) throw new UsageError(`--endpoint-url must be an http(s) URL, got "${endpointUrl}"`);
    if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) throw new UsageError(`--region must be an AWS region such as eu-west-1, got "${values.region}"`);
    return {
        stack: stack ?? "",
        format,
        skip,
        timeoutSeconds,
        help,
        ...(values.outputs === undefined ? {} : { outputsFile: values.outputs }),
        ...(values.region === undefined ? {} : { region: values.region }),
        ...(endpointUrl === undefined ? {} : { endpointUrl }),
    };
}
