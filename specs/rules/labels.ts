// The `(only when ...)` labels of findings that hold in some scenarios only (engine.ts merges findings across
// scenarios and asks for the label here).
import type { TemplateView } from '../../scripts/lib/cfn/intrinsics.ts';
import { inputsOf } from '../../scripts/lib/cfn/inputs.ts';
import type { RuleContext } from './types.ts';

/** The value of an axis (a parameter or a pseudo parameter a Condition compares) in a view. */
const axisValue = (view: TemplateView, name: string) => view.scenario.pseudo?.[name] ?? view.scenario.parameters[name];

/**
 * The suffix that says in which scenarios a finding occurs, or '' when it occurs in all of them. It names only
 * what the finding depends on: for each case, the fewest axes (one, else two) whose values hold in no scenario
 * without the finding, e.g. `(only when Environment=prod)`, or one axis's values it lacks (`AWS::Region other
 * than us-east-1`). Axes the finding's resource reads come first, those a Condition reads before the others
 * (inputsOf: pairwise rows can make an unrelated axis look decisive). A given parameter, or one with the same
 * value in every scenario, is never named. Where no such pair exists, the case's varying axes.
 */
export function scenarioSuffix(ctx: RuleContext, matching: readonly TemplateView[], logicalId?: string): string {
  if (matching.length === 0 || matching.length >= ctx.views.length) return '';
  const all = ctx.views;
  const first = all[0]!;
  const given = new Set(first.scenario.fixed ?? []);
  const names = [...Object.keys(first.scenario.parameters), ...Object.keys(first.scenario.pseudo ?? {})].filter(
    (k) => !given.has(k) && all.some((v) => axisValue(v, k) !== axisValue(first, k)),
  );
  const inputs = logicalId === undefined ? undefined : inputsOf(ctx.template, logicalId);
  const read = inputs ? names.filter((k) => inputs.has(k)) : names;
  const inside = new Set(matching);
  const sameAs = (term: readonly string[], m: TemplateView) => all.filter((w) => term.every((k) => axisValue(w, k) === axisValue(m, k)));
  const termsOf = (list: readonly string[]) => [...list.map((k) => [k]), ...(list.length <= 24 ? list.flatMap((k, i) => list.slice(i + 1).map((l) => [k, l])) : [])];
  const terms: Array<{ view: TemplateView; names: readonly string[]; covers: TemplateView[]; not?: string[] }> = [];
  for (const m of matching) {
    if (terms.some((t) => t.covers.includes(m))) continue;
    // One axis whose values without the finding are few: `AWS::Region other than us-east-1`.
    const negative = read.map((k) => {
      const without = [...new Set(all.filter((w) => !inside.has(w)).map((w) => axisValue(w, k)!))];
      const covers = all.filter((w) => !without.includes(axisValue(w, k)!));
      return { view: m, names: [k], covers, not: without };
    }).find((t) => t.covers.includes(m) && t.covers.every((w) => inside.has(w)) && t.covers.length === matching.length);
    if (negative && !read.some((k) => sameAs([k], m).length === matching.length)) {
      terms.push(negative);
      continue;
    }
    let best: (typeof terms)[number] | undefined;
    for (const candidates of read.length < names.length ? [termsOf(read), termsOf(names)] : [termsOf(names)]) {
      for (const term of candidates) {
        if (best && term.length > best.names.length) break;
        const covers = sameAs(term, m);
        if (!covers.every((w) => inside.has(w))) continue;
        // Prefer axes a Condition reads (they decide what exists), then the term that explains more cases.
        const gates = term.filter((k) => inputs?.get(k)).length;
        const bestGates = best ? best.names.filter((k) => inputs?.get(k)).length : -1;
        if (!best || gates > bestGates || (gates === bestGates && covers.length > best.covers.length)) best = { view: m, names: term, covers };
      }
      if (best) break;
    }
    terms.push(best ?? { view: m, names: read.length > 0 ? read : names, covers: [m] });
  }
  const show = (v: string | undefined) => (v === '' ? "''" : String(v));
  const text = ({ view, names: term, not }: (typeof terms)[number]) =>
    not
      ? `${term[0]} other than ${not.map(show).join(', ')}`
      : term.map((k) => view.scenario.shown?.[k] ?? `${k}=${show(axisValue(view, k))}`).join(', ');
  return ` (only when ${terms.map(text).join('; ')})`;
}
