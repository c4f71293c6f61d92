/**
 * The containers of an ECS task definition. `containerDefinitions` is one JSON string (the provider's input); in a
 * preview of a new or changed task definition it is usually unknown, since it embeds the image digest and the names
 * of other new resources: then the containers are {@link UNKNOWN} and each rule reports that it cannot prove itself.
 */
import { Plain, PlainObject, UNKNOWN, Unknown, isObject, isUnknown, plainObject } from "./values";

export interface Container {
    readonly name: string;
    readonly def: PlainObject;
}

/** The parsed containers, `UNKNOWN` when the definitions are unknown, or an error message when they do not parse. */
export function containersOf(props: unknown): Container[] | Unknown | { error: string } {
    const raw: Plain | undefined = plainObject(props).containerDefinitions;
    if (isUnknown(raw)) {
        return UNKNOWN;
    }
    let parsed: unknown = raw;
    // A string built from an unknown value carries the wire sentinel when a tool renders it in place (as iamDocument.ts).
    if (typeof raw === "string" && raw.includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9")) {
        return UNKNOWN;
    }
    if (typeof raw === "string") {
        try {
            parsed = JSON.parse(raw);
        } catch (e) {
            return { error: `containerDefinitions is not valid JSON (${(e as Error).message})` };
        }
    }
    if (!Array.isArray(parsed)) {
        return { error: "containerDefinitions is not a list" };
    }
    return parsed.map((c, i) => {
        const def = isObject(c as Plain) ? (c as PlainObject) : {};
        return { name: typeof def.name === "string" ? def.name : `#${i}`, def };
    });
}

/**
 * Runs `problemOf` on every container of a task definition and reports one violation naming every offending
 * container, or one that says the definitions cannot be proven during preview.
 */
export function checkContainers(
    taskName: string,
    props: unknown,
    requirement: string,
    problemOf: (c: Container) => string | undefined,
    fix: string,
    report: (message: string) => void,
): void {
    const containers = containersOf(props);
    if (isUnknown(containers)) {
        report(`ECS task definition "${taskName}": ${requirement}, but its containerDefinitions are unknown during preview, so it cannot be proven (the update checks the real value). ${fix}`);
        return;
    }
    if ("error" in containers) {
        report(`ECS task definition "${taskName}": ${requirement}, but ${containers.error}. ${fix}`);
        return;
    }
    const problems = containers.flatMap((c) => {
        const p = problemOf(c);
        return p ? [`container "${c.name}" ${p}`] : [];
    });
    if (problems.length > 0) {
        report(`ECS task definition "${taskName}": ${requirement}, but ${problems.join("; ")}. ${fix}`);
    }
}
