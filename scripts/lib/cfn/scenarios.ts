// The parameter scenarios a template is judged under. No case is dropped silently (issue #15):
//   axes     every parameter with AllowedValues (each value); a free parameter a Condition compares (its
//            Default, every literal a Condition compares it with, and a stand-in for "any other value" that
//            rules never see: for them it stays the {{Param:Name}} token); a free parameter used as a FindInMap
//            key (the map's keys there); a pseudo parameter a Condition compares (`!Equals [!Ref AWS::Region,
//            us-east-1]`: each literal and "any other", or one Region per partition class when the Region is
//            taken apart): Conditions see those values, resources keep `{{AWS::Region}}`, so no resource under
//            such a condition is left out. Any other free parameter stays a token, which stands for every value.
//   rows     the full product of the axes when it has at most EXHAUSTIVE_LIMIT rows (small templates, the
//            canonical one: 3 x 2); otherwise a deterministic greedy pairwise covering array: every value of
//            every axis at least once and every pair of values of any two axes in at least one scenario.
//   budget   at most MAX_SCENARIOS scenarios, MAX_AXES axes and MAX_PAIRS value pairs. What a budget leaves
//            out is listed in `notEvaluated`; the engine turns it into the unsuppressible SCENARIO-BUDGET error.
//   given    `scenarioPlan(template, { fixed })`: parameters given a value (`npm run check --parameters`) are
//            no axes; every scenario carries the value, and labels leave them out.
import type { Json, JsonObject, Template } from './template.ts';

export interface Scenario {
  /** Concrete parameter values; a parameter not listed stays a {{Param:Name}} token. */
  parameters: Record<string, string>;
  /** Short label such as `Environment=prod`, for finding messages (given parameters are not named). */
  label: string;
  /** Parameters whose value was given (`npm run check --parameters`): in `parameters`, but not axes and not named in labels. */
  fixed?: readonly string[];
  /** What the Conditions see for the pseudo parameters they compare (`AWS::Region`); resources keep the token. */
  pseudo?: Record<string, string>;
  /** Parameters whose value is the stand-in for "any value the Conditions do not name": rules see the token. */
  standIns?: readonly string[];
  /** Each axis as a label names it: `Environment=prod`, `AWS::Region other than us-east-1`. */
  shown?: Record<string, string>;
}

export interface ScenarioOptions {
  /** Parameter values given by the user: each replaces that parameter's axis and holds in every scenario. */
  fixed?: Readonly<Record<string, string>>;
}

export interface Axis {
  parameter: string;
  values: string[];
  /** The value among `values` that stands for every value but `others` (those the Conditions name). */
  standIn?: { value: string; others: string[] };
}

export interface ScenarioPlan {
  axes: Axis[];
  scenarios: Scenario[];
  /** 'exhaustive' (every combination) or 'pairwise' (every value, every pair of values). */
  strategy: 'exhaustive' | 'pairwise';
  /** What a budget left out, one entry per kind; empty when every value and every pair was evaluated. */
  notEvaluated: string[];
}

export const EXHAUSTIVE_LIMIT = 64;
export const MAX_SCENARIOS = 256;
export const MAX_AXES = 64;
export const MAX_PAIRS = 50_000;

/** How many left-out pairs or values a message names before it says "and N more". */
const NAMED = 12;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const show = (v: string) => (v === '' ? "''" : v);

export function labelOf(parameters: Record<string, string>): string {
  return Object.entries(parameters).map(([k, v]) => `${k}=${show(v)}`).join(', ');
}

/** Pseudo parameters a Condition may compare, with stand-ins for "any other value" (the first not named is used). */
const PSEUDO_STAND_INS: Record<string, string[]> = {
  'AWS::Region': ['us-west-2', 'eu-central-1', 'ap-southeast-2'],
  'AWS::Partition': ['aws', 'aws-cn', 'aws-us-gov'],
  'AWS::AccountId': ['111111111111', '222222222222'],
  'AWS::URLSuffix': ['amazonaws.com', 'amazonaws.com.cn'],
  'AWS::StackName': ['sample-stack', 'other-stack'],
};
/** One Region per partition class, for Conditions that take the Region apart (`!Select [0, !Split [-, ...]]`). */
const REGION_CLASSES = ['us-east-1', 'eu-west-1', 'cn-north-1', 'us-gov-west-1'];
const PARAMETER_STAND_INS = ['sample-value', 'sample-value-1', 'sample-value-2'];

/**
 * For each name a Condition refers to with Ref: the literals an Fn::Equals compares it with directly, and
 * whether it is also used otherwise (taken apart, compared with another reference).
 */
function conditionLiterals(template: Template): Map<string, { literals: string[]; indirect: boolean }> {
  const out = new Map<string, { literals: string[]; indirect: boolean }>();
  const entry = (name: string) => out.get(name) ?? out.set(name, { literals: [], indirect: false }).get(name)!;
  const refName = (v: Json | undefined) => (isObject(v) && typeof v['Ref'] === 'string' && Object.keys(v).length === 1 ? v['Ref'] : undefined);
  const literal = (v: Json | undefined) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);
  const visit = (value: Json): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    const eq = value['Fn::Equals'];
    if (Array.isArray(eq) && eq.length === 2) {
      for (const [a, b] of [[eq[0], eq[1]], [eq[1], eq[0]]] as const) {
        const name = refName(a);
        const lit = literal(b);
        if (name === undefined) visit(a as Json);
        else if (lit !== undefined) entry(name).literals.includes(lit) || entry(name).literals.push(lit);
        else entry(name).indirect = true;
      }
      return;
    }
    const ref = refName(value);
    if (ref !== undefined) entry(ref).indirect = true;
    else Object.values(value).forEach(visit);
  };
  visit(template.conditions);
  return out;
}

function standInFor(candidates: readonly string[], named: readonly string[]): string {
  return candidates.find((c) => !named.includes(c)) ?? `${candidates[0]}-${named.length}`;
}

/** The axes of the pseudo parameters the Conditions compare. */
function pseudoAxes(compared: Map<string, { literals: string[]; indirect: boolean }>): Axis[] {
  const axes: Axis[] = [];
  for (const [name, candidates] of Object.entries(PSEUDO_STAND_INS)) {
    const use = compared.get(name);
    if (!use) continue;
    if (name === 'AWS::Region' && use.indirect) {
      axes.push({ parameter: name, values: [...new Set([...use.literals, ...REGION_CLASSES])] });
      continue;
    }
    const value = standInFor(candidates, use.literals);
    axes.push({ parameter: name, values: [...use.literals, value], standIn: { value, others: use.literals } });
  }
  return axes;
}

/** A scenario from one value per axis (given parameters come later, in withFixed). */
function scenarioOf(axes: readonly Axis[], values: Record<string, string>): Scenario {
  const parameters: Record<string, string> = {};
  const pseudo: Record<string, string> = {};
  const standIns: string[] = [];
  const shown: Record<string, string> = {};
  for (const axis of axes) {
    const value = values[axis.parameter]!;
    (axis.parameter.startsWith('AWS::') ? pseudo : parameters)[axis.parameter] = value;
    if (axis.standIn?.value === value) {
      standIns.push(axis.parameter);
      shown[axis.parameter] = `${axis.parameter} other than ${axis.standIn.others.map(show).join(', ')}`;
    } else {
      shown[axis.parameter] = `${axis.parameter}=${show(value)}`;
    }
  }
  return { parameters, label: Object.values(shown).join(', '), pseudo, standIns, shown };
}

/** Free parameters used as a FindInMap key, with the keys the map has at that level. */
function findInMapKeys(template: Template): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const refName = (v: Json | undefined) => (isObject(v) && typeof v['Ref'] === 'string' ? v['Ref'] : undefined);
  const visit = (value: Json): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!isObject(value)) return;
    const arg = value['Fn::FindInMap'];
    if (Array.isArray(arg) && typeof arg[0] === 'string') {
      const map = template.mappings[arg[0]];
      const top = refName(arg[1]);
      if (map && top) out.set(top, [...new Set([...(out.get(top) ?? []), ...Object.keys(map)])]);
      const second = refName(arg[2]);
      if (map && second) {
        const keys = Object.values(map).flatMap((v) => (isObject(v) ? Object.keys(v) : []));
        out.set(second, [...new Set([...(out.get(second) ?? []), ...keys])]);
      }
    }
    Object.values(value).forEach(visit);
  };
  visit({ c: template.conditions, r: template.resources as unknown as JsonObject, o: template.outputs } as JsonObject);
  return out;
}

/** The scenario axes, in declaration order. */
export function scenarioAxes(template: Template): Axis[] {
  const conditionText = JSON.stringify(template.conditions);
  const mapKeys = findInMapKeys(template);
  const compared = conditionLiterals(template);
  const axes: Axis[] = [];
  for (const [name, param] of Object.entries(template.parameters)) {
    const allowed = param['AllowedValues'];
    const fallback = param['Default'] === undefined ? '' : String(param['Default']);
    if (Array.isArray(allowed) && allowed.length > 0) {
      axes.push({ parameter: name, values: [...new Set(allowed.map((v) => String(v)))] });
    } else if (conditionText.includes(`"Ref":"${name}"`)) {
      // A condition on a free parameter usually asks "was it given?": its Default, each literal a Condition
      // compares it with, and a stand-in for any other value when those are all named (rules see the token,
      // never the stand-in). Compared with no literal: the Default, and '' or the stand-in.
      const named = compared.get(name)?.literals ?? [];
      const hasDefault = param['Default'] !== undefined;
      const values = named.length > 0 ? [...new Set([...(hasDefault ? [fallback] : []), ...named])] : fallback === '' ? [''] : [fallback, ''];
      for (const key of mapKeys.get(name) ?? []) if (!values.includes(key)) values.push(key);
      let standIn: Axis['standIn'];
      if (values.every((v) => named.includes(v) || (named.length === 0 && v === ''))) {
        standIn = { value: standInFor(PARAMETER_STAND_INS, values), others: [...values] };
        values.push(standIn.value);
      }
      axes.push(standIn ? { parameter: name, values, standIn } : { parameter: name, values });
    } else if (mapKeys.has(name)) {
      const keys = mapKeys.get(name)!;
      axes.push({ parameter: name, values: param['Default'] === undefined ? keys : [...new Set([fallback, ...keys])] });
    }
  }
  return [...axes, ...pseudoAxes(compared)];
}

/**
 * A deterministic greedy pairwise covering array over axes of the given sizes (value indexes per row).
 * Stops at `maxRows`; `uncovered` lists the pairs [axisA, valueA, axisB, valueB] no row covers.
 */
export function pairwise(sizes: readonly number[], maxRows = Infinity): { rows: number[][]; uncovered: Array<[number, number, number, number]> } {
  const n = sizes.length;
  if (n === 0) return { rows: [[]], uncovered: [] };
  if (n === 1) {
    const rows = Array.from({ length: Math.min(sizes[0]!, maxRows) }, (_, v) => [v]);
    return { rows, uncovered: [] };
  }
  // covered[i][j][a * sizes[j] + b] for i < j.
  const covered: Uint8Array[][] = sizes.map((_, i) => sizes.map((sj, j) => (j > i ? new Uint8Array(sizes[i]! * sj) : new Uint8Array(0))));
  let left = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) left += sizes[i]! * sizes[j]!;
  const isCovered = (i: number, a: number, j: number, b: number) =>
    i < j ? covered[i]![j]![a * sizes[j]! + b] === 1 : covered[j]![i]![b * sizes[i]! + a] === 1;
  const used = sizes.map((s) => new Uint32Array(s));
  const rows: number[][] = [];
  while (left > 0 && rows.length < maxRows) {
    // Seed: the first uncovered pair with the most values no row has used yet (every value comes first).
    let seed: [number, number, number, number] | undefined;
    let seedScore = -1;
    for (let i = 0; i < n && seedScore < 2; i++) {
      for (let j = i + 1; j < n && seedScore < 2; j++) {
        const cells = covered[i]![j]!;
        for (let c = 0; c < cells.length; c++) {
          if (cells[c]) continue;
          const a = Math.floor(c / sizes[j]!);
          const b = c % sizes[j]!;
          const score = (used[i]![a] === 0 ? 1 : 0) + (used[j]![b] === 0 ? 1 : 0);
          if (score > seedScore) {
            seed = [i, a, j, b];
            seedScore = score;
            if (score === 2) break;
          }
        }
      }
    }
    const [si, sa, sj, sb] = seed!;
    const row = new Array<number>(n).fill(-1);
    row[si] = sa;
    row[sj] = sb;
    for (let k = 0; k < n; k++) {
      if (row[k] !== -1) continue;
      let best = 0;
      let bestGain = -1;
      for (let v = 0; v < sizes[k]!; v++) {
        let gain = 0;
        for (let f = 0; f < n; f++) if (row[f] !== -1 && !isCovered(f, row[f]!, k, v)) gain++;
        if (gain > bestGain || (gain === bestGain && used[k]![v]! < used[k]![best]!)) {
          best = v;
          bestGain = gain;
        }
      }
      row[k] = best;
    }
    for (let i = 0; i < n; i++) {
      used[i]![row[i]!]! += 1;
      for (let j = i + 1; j < n; j++) {
        const c = row[i]! * sizes[j]! + row[j]!;
        if (!covered[i]![j]![c]) {
          covered[i]![j]![c] = 1;
          left--;
        }
      }
    }
    rows.push(row);
  }
  const uncovered: Array<[number, number, number, number]> = [];
  if (left > 0) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const cells = covered[i]![j]!;
        for (let c = 0; c < cells.length; c++) if (!cells[c]) uncovered.push([i, Math.floor(c / sizes[j]!), j, c % sizes[j]!]);
      }
    }
  }
  return { rows, uncovered };
}

function product(axes: readonly Axis[]): Array<Record<string, string>> {
  let combos: Array<Record<string, string>> = [{}];
  for (const { parameter, values } of axes) {
    const next: Array<Record<string, string>> = [];
    for (const combo of combos) for (const v of values) next.push({ ...combo, [parameter]: v });
    combos = next;
  }
  return combos;
}

function more(list: string[]): string {
  return list.length > NAMED ? `${list.slice(0, NAMED).join('; ')}; and ${list.length - NAMED} more` : list.join('; ');
}

const plans = new WeakMap<Template, Map<string, ScenarioPlan>>();

/**
 * The scenarios for a template and what, if anything, a budget left out (cached per template object and given
 * values). With `fixed`, those parameters are not axes: every scenario has the given value (a free parameter
 * too, so it no longer stays a token), and labels leave them out.
 */
export function scenarioPlan(template: Template, options: ScenarioOptions = {}): ScenarioPlan {
  const fixed = options.fixed ?? {};
  const key = JSON.stringify(Object.entries(fixed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let cache = plans.get(template);
  if (!cache) plans.set(template, (cache = new Map()));
  const cached = cache.get(key);
  if (cached) return cached;
  const plan = withFixed(planFor(template, scenarioAxes(template).filter((axis) => !(axis.parameter in fixed))), fixed);
  cache.set(key, plan);
  return plan;
}

function withFixed(plan: ScenarioPlan, fixed: Readonly<Record<string, string>>): ScenarioPlan {
  const names = Object.keys(fixed);
  if (names.length === 0) return plan;
  return { ...plan, scenarios: plan.scenarios.map((s) => ({ ...s, parameters: { ...fixed, ...s.parameters }, fixed: names })) };
}

function planFor(template: Template, all: Axis[]): ScenarioPlan {
  const notEvaluated: string[] = [];
  const sizeOf = (axes: readonly Axis[]) => axes.reduce((p, a) => p * a.values.length, 1);
  let plan: ScenarioPlan;
  if (sizeOf(all) <= EXHAUSTIVE_LIMIT) {
    plan = { axes: all, scenarios: product(all).map((p) => scenarioOf(all, p)), strategy: 'exhaustive', notEvaluated };
  } else {
    // Axes beyond the axis and pair budgets are held at their first value (the Default where there is one).
    let varied = all.slice(0, MAX_AXES);
    const pairsOf = (axes: readonly Axis[]) => {
      let total = 0;
      for (let i = 0; i < axes.length; i++) for (let j = i + 1; j < axes.length; j++) total += axes[i]!.values.length * axes[j]!.values.length;
      return total;
    };
    while (varied.length > 2 && pairsOf(varied) > MAX_PAIRS) varied = varied.slice(0, -1);
    const held = all.slice(varied.length).map((axis) => {
      const def = template.parameters[axis.parameter]?.['Default'];
      const value = def !== undefined && axis.values.includes(String(def)) ? String(def) : axis.values[0]!;
      return { parameter: axis.parameter, value, others: axis.values.filter((v) => v !== value) };
    });
    if (held.length > 0) {
      notEvaluated.push(
        `${held.length} parameter(s) beyond the budget of ${MAX_AXES} axes / ${MAX_PAIRS} value pairs held at one value: ` +
          more(held.map((h) => `${h.parameter}=${show(h.value)} (not ${h.others.map(show).join(', ')})`)),
      );
    }
    const { rows, uncovered } = pairwise(varied.map((a) => a.values.length), MAX_SCENARIOS);
    const scenarios = rows.map((row) => {
      const parameters: Record<string, string> = {};
      for (const axis of all) {
        const i = varied.indexOf(axis);
        parameters[axis.parameter] = i >= 0 ? axis.values[row[i]!]! : held.find((h) => h.parameter === axis.parameter)!.value;
      }
      return scenarioOf(all, parameters);
    });
    const seen = varied.map((axis) => new Set(scenarios.map((s) => s.parameters[axis.parameter])));
    const missingValues = varied.flatMap((axis, i) => axis.values.filter((v) => !seen[i]!.has(v)).map((v) => `${axis.parameter}=${show(v)}`));
    if (missingValues.length > 0) {
      notEvaluated.push(`${missingValues.length} value(s) in no scenario (budget of ${MAX_SCENARIOS} scenarios): ${more(missingValues)}`);
    }
    if (uncovered.length > 0) {
      const names = uncovered.map(([i, a, j, b]) => `${varied[i]!.parameter}=${show(varied[i]!.values[a]!)} with ${varied[j]!.parameter}=${show(varied[j]!.values[b]!)}`);
      notEvaluated.push(`${uncovered.length} value pair(s) in no scenario (budget of ${MAX_SCENARIOS} scenarios): ${more(names)}`);
    }
    plan = { axes: all, scenarios, strategy: 'pairwise', notEvaluated };
  }
  return plan;
}

/** The scenarios alone (see scenarioPlan for what a budget left out). */
export function scenarios(template: Template, options: ScenarioOptions = {}): Scenario[] {
  return scenarioPlan(template, options).scenarios;
}
