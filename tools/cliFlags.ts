/**
 * Strict command-line flags for the repository's commands (`npm run plan`, `npm run doctor`): node's own parser, with
 * every problem turned into one {@link UsageError} that names the flag (the commands exit 2 on it).
 */
import { parseArgs, ParseArgsConfig } from "util";

/** Wrong command-line usage; the message names the flag. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Flags<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>["values"];

/** Parses `argv` with only `options` allowed and no positionals; a string flag must have a value of its own. */
export function parseFlags<const O extends Options>(argv: readonly string[], options: O): Flags<O> {
    let values: Flags<O>;
    try {
        // node's messages already name the flag: "Unknown option '--x'", "Option '--stack <value>' argument missing".
        ({ values } = parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>({ args: [...argv], strict: true, allowPositionals: false, options }));
    } catch (err) {
        throw new UsageError((err as Error).message.split("\n")[0] ?? String(err));
    }
    for (const [flag, option] of Object.entries(options)) {
        if (option.type !== "string") continue;
        const given = (values as Record<string, string | string[] | undefined>)[flag];
        // `--stack --format json` would make "--format" the stack name.
        for (const value of given === undefined ? [] : Array.isArray(given) ? given : [given]) {
            if (value === "" || value.startsWith("--")) throw new UsageError(`Option '--${flag} <value>' argument missing`);
        }
    }
    return values;
}
