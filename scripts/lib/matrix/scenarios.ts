// The matrix over the same parameter scenarios the check judges a template under (issue #15): one evaluation
// per scenario of scenarioPlan(template) (scripts/lib/cfn/scenarios.ts), each `--param` fixing its parameter,
// merged into one matrix. A row that differs from the contract in any scenario is a difference, named with
// the scenario(s) it holds in (`only when Environment=prod`). What could not be evaluated (a scenario budget
// hit, a scenario whose values the template's constraints refuse or that is no backup stack) is listed in
// `notEvaluated`, and the gate does not pass (see `passes` in matrix.ts).
import type { Template } from '../cfn/template.ts';
import { labelOf, scenarioPlan } from '../cfn/scenarios.ts';
import { parameterValueProblem, parameterValuesProblem } from '../parameters.ts';
import { ConcretiseError, SAMPLE_PARAMETERS } from './concretise.ts';
import { runMatrix, type ContractRow, type MatrixOptions, type MatrixResult, type MatrixRow } from './matrix.ts';
import { StackShapeError, type UnreadablePolicy } from './stack.ts';

/**
 * scenarios.ts tries a free parameter a Condition compares with its default and this stand-in for "any other
 * value". Where the parameter's own constraints refuse the stand-in (an e-mail pattern), the matrix uses the
 * first candidate they accept; the scenario still means "given, not the default".
 */
const STAND_IN = 'sample-value';
const STAND_IN_CANDIDATES = ['alarms@example.com', 'sample-value/', 'sample', 'sample-value-1', '1', 'a'];

function admissible(template: Template, name: string, value: string): { value: string } | { problem: string } {
  const definition = template.parameters[name] ?? {};
  const problem = parameterValueProblem(name, definition, value);
  if (problem === undefined) return { value };
  if (value === STAND_IN) {
    const fallback = definition['Default'] === undefined ? undefined : String(definition['Default']);
    const candidates = [SAMPLE_PARAMETERS[name], ...STAND_IN_CANDIDATES].filter((c): c is string => c !== undefined && c !== '' && c !== fallback);
    const ok = candidates.find((c) => parameterValueProblem(name, definition, c) === undefined);
    if (ok !== undefined) return { value: ok };
  }
  return { problem };
}

/** The concrete scenarios to evaluate: the plan's, each given parameter overriding its axis, deduplicated. */
export function matrixScenarios(template: Template, given: Record<string, string>): {
  scenarios: Array<{ label: string; parameters: Record<string, string> }>;
  notEvaluated: string[];
  strategy: string;
} {
  // A given value the template refuses is unusable input (exit 2), as before.
  const refused = parameterValuesProblem(template, given);
  if (refused) throw new ConcretiseError(refused);
  const plan = scenarioPlan(template);
  const notEvaluated = plan.notEvaluated.map((n) => `scenario budget (${plan.strategy}): ${n}`);
  const seen = new Map<string, Record<string, string>>();
  for (const scenario of plan.scenarios) {
    const parameters: Record<string, string> = {};
    let problem: string | undefined;
    for (const [name, value] of Object.entries(scenario.parameters)) {
      if (name in given) continue;
      const r = admissible(template, name, value);
      if ('problem' in r) {
        problem = r.problem;
        break;
      }
      parameters[name] = r.value;
    }
    if (problem !== undefined) {
      notEvaluated.push(`scenario ${scenario.label}: ${problem}`);
      continue;
    }
    Object.assign(parameters, given);
    const key = JSON.stringify(Object.entries(parameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!seen.has(key)) seen.set(key, parameters);
  }
  // The axes that still vary name a scenario; a given parameter is the same everywhere.
  const all = [...seen.values()];
  const varying = new Set(Object.keys(all[0] ?? {}).filter((k) => all.some((p) => p[k] !== all[0]![k])));
  const scenarios = all.map((parameters) => ({
    parameters,
    label: labelOf(Object.fromEntries(Object.entries(parameters).filter(([k]) => varying.has(k)))),
  }));
  return { scenarios, notEvaluated, strategy: plan.strategy };
}

/** `only when Environment=prod` when the scenarios a row holds in are exactly those with some values; else lists them. */
export function onlyWhen(subset: Array<Record<string, string>>, all: Array<Record<string, string>>): string | undefined {
  if (subset.length === all.length || subset.length === 0) return undefined;
  const varying = Object.keys(all[0]!).filter((k) => all.some((p) => p[k] !== all[0]![k]));
  const common = Object.fromEntries(varying.filter((k) => subset.every((p) => p[k] === subset[0]![k])).map((k) => [k, subset[0]![k]!]));
  const matching = all.filter((p) => Object.entries(common).every(([k, v]) => p[k] === v));
  if (Object.keys(common).length > 0 && matching.length === subset.length) return `only when ${labelOf(common)}`;
  return `only in ${subset.map((p) => labelOf(Object.fromEntries(varying.map((k) => [k, p[k]!])))).join('; ')}`;
}

/**
 * The matrix in every scenario, merged: one row per (contract row, resource, context, decision), marked with
 * the scenarios it holds in when not all. Throws the first scenario's error when no scenario could be built.
 */
export async function runMatrixScenarios(template: Template, contract: readonly ContractRow[], options: MatrixOptions = {}): Promise<MatrixResult> {
  const { scenarios, notEvaluated } = matrixScenarios(template, options.parameters ?? {});
  const results: Array<{ label: string; parameters: Record<string, string>; result: MatrixResult }> = [];
  let firstError: unknown;
  for (const scenario of scenarios) {
    try {
      results.push({ ...scenario, result: await runMatrix(template, contract, { ...options, parameters: scenario.parameters }) });
    } catch (error) {
      if (!(error instanceof ConcretiseError || error instanceof StackShapeError)) throw error;
      firstError ??= error;
      notEvaluated.push(`scenario ${scenario.label || '(sample deployment)'}: ${error.message}`);
    }
  }
  if (results.length === 0) {
    if (firstError) throw firstError;
    throw new ConcretiseError(`no scenario could be evaluated: ${notEvaluated.join('; ')}`);
  }
  const order = new Map(contract.map((row, i) => [row.id, i]));
  // A `+attacker` or `@<service>` row follows its contract row.
  const rank = (id: string) => order.get(id.replace(/[@+].*$/, '')) ?? 0;
  const merged = new Map<string, { row: MatrixRow; in: Array<Record<string, string>>; deciding: Set<string> }>();
  for (const { result, parameters } of results) {
    for (const row of result.rows) {
      const key = [row.id, row.resource, row.context, row.actual].join('\u0000');
      const m = merged.get(key);
      if (m) {
        m.in.push(parameters);
        row.deciding.forEach((d) => m.deciding.add(d));
      } else {
        merged.set(key, { row, in: [parameters], deciding: new Set(row.deciding) });
      }
    }
  }
  const everyScenario = results.map((r) => r.parameters);
  const rows = [...merged.values()]
    .map((m) => {
      const only = onlyWhen(m.in, everyScenario);
      return { ...m.row, deciding: [...m.deciding], ...(only ? { onlyWhen: only } : {}) };
    })
    .sort((a, b) => rank(a.id) - rank(b.id));
  const unreadable = new Map<string, UnreadablePolicy>();
  // One entry per ARN and attachment: the same ARN on the backup role and the verifier's role is named for each.
  for (const { result } of results) for (const u of result.unreadable) if (!unreadable.has(`${u.arn}\u0000${u.reason}`)) unreadable.set(`${u.arn}\u0000${u.reason}`, u);
  // Not applicable only where no scenario evaluated the row; one that some scenarios evaluate is in `rows`, `only when …`.
  const evaluated = new Set(rows.map((r) => r.id.replace(/[@+].*$/, '')));
  const notApplicable = results[0]!.result.notApplicable.filter((n) => !evaluated.has(n.id) && results.every((r) => r.result.notApplicable.some((m) => m.id === n.id)));
  const first = results[0]!.result;
  return {
    ...first,
    rows,
    becameAllowed: rows.filter((r) => r.expected === 'denied' && r.actual === 'allowed'),
    stoppedBeingAllowed: rows.filter((r) => r.expected === 'allowed' && r.actual === 'denied'),
    unevaluated: [...new Set(results.flatMap((r) => r.result.unevaluated))],
    unreadable: [...unreadable.values()],
    awsManaged: [...new Set(results.flatMap((r) => r.result.awsManaged))],
    notApplicable,
    scenarios: results.map(({ label, parameters }) => ({ label, parameters })),
    notEvaluated,
  };
}
