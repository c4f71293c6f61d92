/** The command line of `npm run plan`, parsed and checked before anything runs. */
import { parseFlags, UsageError } from "../cliFlags";

export { UsageError };

export const PLAN_USAGE = `usage: npm run plan -- [--stack <name>] [--config <Pulumi.x.yaml>] [--policy-pack-config <file>]
                     [--format text|json] [--prices <file>]

  --stack               the stack to plan; its config is Pulumi.<name>.yaml. Defaults to dev.
  --config              read the stack config from this file instead of Pulumi.<name>.yaml.
  --policy-pack-config  the policy pack's config (as for pulumi preview --policy-pack-config).
  --format              text (default; coloured on a terminal unless NO_COLOR is set) or json.
  --prices              a YAML or JSON map of price key to US dollars that overrides list prices.`;

export type PlanFormat = "text" | "json";

export interface PlanOptions {
    readonly stack: string;
    readonly configFile?: string;
    readonly policyPackConfigFile?: string;
    readonly format: PlanFormat;
    readonly pricesFile?: string;
    readonly help: boolean;
}

const FORMATS: readonly PlanFormat[] = ["text", "json"];

export function parsePlanArgs(argv: readonly string[]): PlanOptions {
    const values = parseFlags(argv, {
        stack: { type: "string" },
        config: { type: "string" },
        "policy-pack-config": { type: "string" },
        format: { type: "string" },
        prices: { type: "string" },
        help: { type: "boolean", short: "h" },
    });
    const format = values.format ?? "text";
    if (!(FORMATS as readonly string[]).includes(format)) {
        throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got "${format}"`);
    }
    const stack = values.stack ?? "dev";
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new UsageError(`--stack must be a stack name (letters, digits, "-", "_", "."), got "${stack}"`);
    }
    return {
        stack,
        format: format as PlanFormat,
        help: values.help ?? false,
        ...(values.config === undefined ? {} : { configFile: values.config }),
        ...(values["policy-pack-config"] === undefined ? {} : { policyPackConfigFile: values["policy-pack-config"] }),
        ...(values.prices === undefined ? {} : { pricesFile: values.prices }),
    };
}
