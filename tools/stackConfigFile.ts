/**
 * Reads a `Pulumi.<stack>.yaml` offline, as the Pulumi CLI would hand it to the program. Only the offline tools
 * (the plan, the stack runner, the specs) read stack files themselves; the program gets its config from Pulumi.
 */
import * as fs from "fs";
import * as YAML from "yaml";
import { ConfigError, fullKey, parseStackConfig, StackConfig } from "../config";

/**
 * Flattens a `Pulumi.<stack>.yaml` into the raw form Pulumi hands a program: full keys to strings, structured
 * values as JSON. Secure (encrypted) values are not supported by the offline tools and are reported.
 */
export function flattenStackYaml(text: string): Record<string, string> {
    const doc = YAML.parse(text) ?? {};
    const config = doc.config ?? {};
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new ConfigError([{ key: "config", reason: "must be a map of config keys" }]);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
        const full = key.includes(":") ? key : fullKey(key);
        raw[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** Reads and checks a stack file as {@link parseStackConfig} does (without the region's live AZ list). */
export function loadStackConfigFromFile(path: string): StackConfig {
    let text: string;
    try {
        text = fs.readFileSync(path, "utf8");
    } catch (err) {
        throw new ConfigError([{ key: "config", reason: `cannot read ${path}: ${(err as Error).message}` }]);
    }
    let raw: Record<string, string>;
    try {
        raw = flattenStackYaml(text);
    } catch (err) {
        if (err instanceof ConfigError) throw err;
        throw new ConfigError([{ key: "config", reason: `${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}` }]);
    }
    return parseStackConfig(raw);
}
