/**
 * How `npm run plan` prints a plan. The text form is plain text that also reads as Markdown, so that the
 * PR workflow can append it to `$GITHUB_STEP_SUMMARY` unchanged; colour codes are added only when asked
 * (on a terminal, unless NO_COLOR is set). The JSON form is the contract in ARCHITECTURE.md.
 */
import { CostEstimate } from "../cost/model";
import { PRICES_TAKEN } from "../cost/prices";

export interface PlannedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
}

export interface PlanDiagnostic {
    readonly policy: string;
    readonly enforcementLevel: string;
    /** Absent for a stack-level diagnostic that names no resource. */
    readonly urn?: string;
    readonly message: string;
}

export interface Plan {
    readonly stack: string;
    readonly resources: readonly PlannedResource[];
    readonly diagnostics: readonly PlanDiagnostic[];
    readonly cost: CostEstimate;
    /** The price override file, when one was given. */
    readonly pricesFile?: string;
    /** The policy pack that judged the plan, for the text output. */
    readonly policyPack?: { readonly name: string; readonly version: string; readonly policies: number };
}

/** Exit status: 1 when any diagnostic is mandatory, else 0 (advisories do not fail a plan). */
export function planExitCode(plan: Pick<Plan, "diagnostics">): 0 | 1 {
    return plan.diagnostics.some((d) => d.enforcementLevel === "mandatory") ? 1 : 0;
}

export function formatJson(plan: Plan): string {
    return JSON.stringify(
        {
            stack: plan.stack,
            resources: plan.resources.map(({ urn, type, name, parent }) => ({ urn, type, name, parent: parent ?? null })),
            diagnostics: plan.diagnostics.map(({ policy, enforcementLevel, urn, message }) => ({
                policy,
                enforcementLevel,
                urn: urn ?? null,
                message,
            })),
            cost: plan.cost,
        },
        null,
        2,
    );
}

/** Whether text output may be coloured: only on a terminal, and never when NO_COLOR is set. */
export function shouldColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
    return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === "");
}

type Paint = (text: string) => string;
interface Palette {
    readonly bold: Paint;
    readonly dim: Paint;
    readonly red: Paint;
    readonly yellow: Paint;
    readonly green: Paint;
}
const sgr =
    (open: number, close: number): Paint =>
    (text) =>
        `\u001b[${open}m${text}\u001b[${close}m`;
const COLOURS: Palette = { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), yellow: sgr(33, 39), green: sgr(32, 39) };
const identity: Paint = (text) => text;
const PLAIN: Palette = { bold: identity, dim: identity, red: identity, yellow: identity, green: identity };

/** Diagnostic levels, most severe first; any other level a pack reports is listed after these. */
const LEVELS = ["mandatory", "remediate", "advisory"];

export function formatText(plan: Plan, options: { color: boolean }): string {
    const c = options.color ? COLOURS : PLAIN;
    const out: string[] = [];
    out.push(c.bold(`# Plan for stack ${plan.stack}`), "");
    out.push(...resourceTree(plan.resources, c), "");
    out.push(...diagnosticSection(plan, c), "");
    out.push(...costTable(plan, c), "");
    out.push(verdict(plan, c));
    return out.join("\n") + "\n";
}

function resourceTree(resources: readonly PlannedResource[], c: Palette): string[] {
    const byUrn = new Set(resources.map((r) => r.urn));
    const children = new Map<string | undefined, PlannedResource[]>();
    for (const r of resources) {
        const parent = r.parent !== undefined && byUrn.has(r.parent) ? r.parent : undefined;
        const siblings = children.get(parent) ?? [];
        siblings.push(r);
        children.set(parent, siblings);
    }
    const lines = [c.bold(`## Resources (${resources.length} to create)`), ""];
    const visit = (parent: string | undefined, depth: number): void => {
        for (const r of children.get(parent) ?? []) {
            const kids = children.get(r.urn)?.length ?? 0;
            const label = kids > 0 ? c.bold(r.name) : r.name;
            const count = kids > 0 ? c.dim(` — ${kids} child${kids === 1 ? "" : "ren"}`) : "";
            lines.push(`${"  ".repeat(depth)}- ${label} ${c.dim(`(${r.type})`)}${count}`);
            visit(r.urn, depth + 1);
        }
    };
    visit(undefined, 0);
    return lines;
}

function diagnosticSection(plan: Plan, c: Palette): string[] {
    const lines = [c.bold(`## Policy diagnostics (${plan.diagnostics.length})`), ""];
    const pack = plan.policyPack;
    if (pack !== undefined) {
        lines.push(c.dim(`Policy pack ${pack.name} ${pack.version}: ${pack.policies} policies, as \`pulumi preview --policy-pack\` runs them.`), "");
    }
    if (plan.diagnostics.length === 0) {
        lines.push("No policy reported anything.");
        return lines;
    }
    const names = new Map(plan.resources.map((r) => [r.urn, `${r.name} (${r.type})`]));
    const levels = [...LEVELS, ...new Set(plan.diagnostics.map((d) => d.enforcementLevel).filter((l) => !LEVELS.includes(l)))];
    for (const level of levels) {
        const found = plan.diagnostics.filter((d) => d.enforcementLevel === level);
        if (found.length === 0) continue;
        const paint = level === "mandatory" ? c.red : level === "advisory" ? c.yellow : identity;
        lines.push(paint(`### ${level} (${found.length})`), "");
        for (const d of found) {
            const subject = d.urn === undefined ? "the stack" : names.get(d.urn) ?? d.urn;
            lines.push(`- ${paint(d.policy)} on ${subject}: ${oneLine(d.message)}`);
        }
        lines.push("");
    }
    lines.pop();
    return lines;
}

function costTable(plan: Plan, c: Palette): string[] {
    const { cost } = plan;
    const rows = cost.lines.map((l) => [
        l.item,
        formatQuantity(l.quantity),
        l.unit,
        `$${formatUnitPrice(l.unitPriceUsd)}`,
        `$${l.usd.toFixed(2)}`,
    ]);
    rows.push(["**Total per month**", "", "", "", `**$${cost.monthlyUsd.toFixed(2)}**`]);
    const header = ["Item", "Quantity", "Unit", "Unit price", "Monthly"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const numeric = [false, true, false, true, true];
    const row = (cells: string[]) =>
        `| ${cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join(" | ")} |`;
    const rule = `|${widths.map((w, i) => (numeric[i] ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")}|`;
    const prices = plan.pricesFile === undefined
        ? `us-east-1 list prices taken ${PRICES_TAKEN} (tools/cost/prices.ts)`
        : `us-east-1 list prices taken ${PRICES_TAKEN}, with overrides from ${plan.pricesFile}`;
    const notes = cost.lines
        .map((l) => [l.note, l.priceSource.startsWith("override") ? `unit price ${l.priceSource}` : undefined].filter((n) => n !== undefined))
        .flatMap((parts, i) => (parts.length > 0 ? [`- ${cost.lines[i]!.item}: ${parts.join("; ")}`] : []));
    return [
        c.bold(`## Estimated monthly cost: $${cost.monthlyUsd.toFixed(2)}`),
        "",
        row(header),
        rule,
        ...rows.map(row),
        "",
        c.dim(`Prices: ${prices}. Usage assumptions: the stack config key fargate-efs-s3:usage.`),
        c.dim(`Not estimated: ALB capacity units, data transfer out of AWS, CloudWatch Logs, ECR storage, scheduled task runs.`),
        ...(notes.length > 0 ? ["", ...notes.map(c.dim)] : []),
        ...savingsList(cost.savings ?? [], c),
        ...(cost.savingsAtMaxCount ?? []).flatMap((x, i) => [
            ...(i === 0 ? ["", c.bold("Saved while autoscaling runs a tier at its maxCount (not in the total above):")] : []),
            `- ${x.item}: $${x.usd.toFixed(2)}/month (${x.note})`,
        ]),
    ];
}

/** What the stack's architecture and capacity choices save against x86 on-demand (issue 22). */
function savingsList(savings: readonly { item: string; usd: number; note: string }[], c: Palette): string[] {
    if (savings.length === 0) return [];
    const total = savings.reduce((sum, x) => sum + x.usd, 0);
    return [
        "",
        c.bold(`Saved against X86_64 on-demand Fargate: $${total.toFixed(2)}/month (already in the total above)`),
        ...savings.map((x) => `- ${x.item}: $${x.usd.toFixed(2)}/month (${x.note})`),
    ];
}

function verdict(plan: Plan, c: Palette): string {
    const count = (level: string) => plan.diagnostics.filter((d) => d.enforcementLevel === level).length;
    const mandatory = count("mandatory");
    const others = plan.diagnostics.length - mandatory;
    const total = `${plan.resources.length} resources, about $${plan.cost.monthlyUsd.toFixed(2)}/month`;
    if (mandatory > 0) {
        return c.red(c.bold(`FAIL: ${mandatory} mandatory policy violation${mandatory === 1 ? "" : "s"}`)) +
            (others > 0 ? `, ${others} other diagnostic${others === 1 ? "" : "s"}` : "") + ` — ${total}.`;
    }
    if (others > 0) return c.yellow(c.bold(`PASS with ${others} advisory diagnostic${others === 1 ? "" : "s"}`)) + ` — ${total}.`;
    return c.green(c.bold("PASS: no policy violations")) + ` — ${total}.`;
}

function oneLine(text: string): string {
    return text.replace(/\s*\n\s*/g, " ").trim();
}

/** One formatter for every row: toLocaleString builds ICU's number formatter anew at each call. */
let quantityFormat: Intl.NumberFormat | undefined;
function formatQuantity(n: number): string {
    quantityFormat ??= new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
    return quantityFormat.format(n);
}

function formatUnitPrice(usd: number): string {
    // Enough digits to show the price as published ($0.004445), no trailing zeros past the cent.
    const text = usd.toFixed(6).replace(/0+$/, "");
    const [whole, fraction = ""] = text.split(".");
    return `${whole}.${fraction.padEnd(2, "0")}`;
}
