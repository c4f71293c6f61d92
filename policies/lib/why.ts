/** How a rule's message says what a value is, unknowns first (see values.ts). */
import { Plain, isUnknown, show } from "./values";

/** "is unknown during preview, so it cannot be proven" / "is not set" / "is <value>". */
export function why(v: Plain | undefined, unset = "is not set"): string {
    if (isUnknown(v)) {
        return "is unknown during preview, so it cannot be proven";
    }
    return v === undefined || v === null ? unset : `is ${show(v)}`;
}
