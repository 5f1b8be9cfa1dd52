// The baseline of `npm run check`: the findings a team has accepted for now, so CI fails only on new ones.
// A finding is known by template path + logical id + rule + property path (not the resource alone): the same
// finding in another file, or another property of the same resource, is new. The template path is stored
// relative to the directory the user ran the command from, with `/` separators, so a baseline committed next
// to the templates works in every checkout. Pure functions except readBaseline/writeBaseline.
import { readFile, writeFile } from 'node:fs/promises';
import type { Finding, Severity } from '../../specs/rules/types.ts';
import { NOT_EVALUATED_ID, RULE_ERROR_ID, SCENARIO_BUDGET_ID } from '../../specs/rules/engine.ts';

/**
 * Findings that say the check could not look (a rule that failed, scenarios the budget left out, a Condition or
 * resource the scenarios did not cover): never accepted, so a baseline cannot turn "not evaluated" into a pass.
 */
const NEVER_BASELINED = new Set([RULE_ERROR_ID, SCENARIO_BUDGET_ID, NOT_EVALUATED_ID]);
const acceptable = (f: Finding) => !f.suppressed && !NEVER_BASELINED.has(f.ruleId);

export const BASELINE_VERSION = 1;

export interface BaselineEntry {
  /** The template as displayPath shows it (relative to where the user ran the command), `/`-separated. */
  template: string;
  logicalId: string;
  ruleId: string;
  path: string;
  /** For people reading the file; not part of the key (a message may name a date or a count). */
  severity: Severity;
  message: string;
}

export interface Baseline {
  version: typeof BASELINE_VERSION;
  findings: BaselineEntry[];
}

/** A baseline that cannot be used: the CLI turns it into one `error: ` line and exit 2. */
export class BaselineError extends Error {}

/** The template path as a baseline stores it: `/` separators whatever the platform. */
export function baselineTemplate(displayed: string): string {
  return displayed.split('\\').join('/');
}

export function baselineKey(e: Pick<BaselineEntry, 'template' | 'logicalId' | 'ruleId' | 'path'>): string {
  return JSON.stringify([e.template, e.logicalId, e.ruleId, e.path]);
}

function compare(a: BaselineEntry, b: BaselineEntry): number {
  for (const k of ['template', 'ruleId', 'logicalId', 'path'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
  }
  return 0;
}

/** The baseline of a template's findings: active findings only (suppressed ones are accepted in the template), one entry per key, stable order. */
export function baselineOf(template: string, findings: readonly Finding[]): Baseline {
  const entries = new Map<string, BaselineEntry>();
  for (const f of findings) {
    if (!acceptable(f)) continue;
    const entry: BaselineEntry = { template: baselineTemplate(template), logicalId: f.logicalId, ruleId: f.ruleId, path: f.path, severity: f.severity, message: f.message };
    const key = baselineKey(entry);
    if (!entries.has(key)) entries.set(key, entry);
  }
  return { version: BASELINE_VERSION, findings: [...entries.values()].sort(compare) };
}

/** The baselines of several templates as one file (a run over a directory or glob writes all of them). */
export function mergeBaselines(baselines: readonly Baseline[]): Baseline {
  return { version: BASELINE_VERSION, findings: baselines.flatMap((b) => b.findings).sort(compare) };
}

export function serializeBaseline(baseline: Baseline): string {
  return `${JSON.stringify({ version: baseline.version, findings: [...baseline.findings].sort(compare) }, null, 2)}\n`;
}

/** Checks a parsed baseline file; `name` is how the user named it, for the message. */
export function parseBaseline(text: string, name: string): Baseline {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new BaselineError(`--baseline ${name}: not valid JSON (${(error as Error).message})`);
  }
  const bad = (what: string) => new BaselineError(`--baseline ${name}: not a check baseline (${what}); write one with --write-baseline`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not a JSON object');
  const { version, findings } = data as { version?: unknown; findings?: unknown };
  if (version !== BASELINE_VERSION) throw bad(`version is ${JSON.stringify(version) ?? 'missing'}, this check reads version ${BASELINE_VERSION}`);
  if (!Array.isArray(findings)) throw bad('"findings" is not a list');
  const entries = findings.map((e: unknown, i): BaselineEntry => {
    const entry = e as Partial<Record<keyof BaselineEntry, unknown>> | null;
    for (const k of ['template', 'logicalId', 'ruleId', 'path'] as const) {
      if (typeof entry !== 'object' || entry === null || typeof entry[k] !== 'string') throw bad(`findings[${i}].${k} is not a string`);
    }
    const severity = entry!.severity === 'warning' ? 'warning' : 'error';
    return {
      template: entry!.template as string,
      logicalId: entry!.logicalId as string,
      ruleId: entry!.ruleId as string,
      path: entry!.path as string,
      severity,
      message: typeof entry!.message === 'string' ? entry!.message : '',
    };
  });
  return { version: BASELINE_VERSION, findings: entries };
}

export async function readBaseline(file: string, name: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new BaselineError(`--baseline ${name}: cannot read the baseline (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  return parseBaseline(text, name);
}

export async function writeBaseline(file: string, name: string, baseline: Baseline): Promise<void> {
  try {
    await writeFile(file, serializeBaseline(baseline));
  } catch (error) {
    throw new BaselineError(`--write-baseline ${name}: cannot write the baseline (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
}

export interface BaselineComparison {
  /** The findings of this run that the baseline already has (not suppressed, matched by key). */
  matched: Set<Finding>;
  /** Baseline entries for this template that no longer occur. */
  gone: BaselineEntry[];
}

/** Which of this template's active findings the baseline has, and which of its entries for this template are gone. Entries of other templates are left alone. */
export function compareWithBaseline(template: string, findings: readonly Finding[], baseline: Baseline): BaselineComparison {
  const name = baselineTemplate(template);
  const mine = baseline.findings.filter((e) => e.template === name);
  const known = new Set(mine.map(baselineKey));
  const seen = new Set<string>();
  const matched = new Set<Finding>();
  for (const f of findings) {
    if (!acceptable(f)) continue;
    const key = baselineKey({ template: name, logicalId: f.logicalId, ruleId: f.ruleId, path: f.path });
    seen.add(key);
    if (known.has(key)) matched.add(f);
  }
  const gone = [...new Map(mine.filter((e) => !seen.has(baselineKey(e))).map((e) => [baselineKey(e), e])).values()].sort(compare);
  return { matched, gone };
}
