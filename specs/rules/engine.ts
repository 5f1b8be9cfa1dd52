// The rule kernel: resolves a template once, runs each rule's predicate over the resources of its types in
// every scenario view, merges the findings across scenarios one way, applies Metadata suppressions, and turns a
// rule that throws into a RULE-ERROR finding (never a crash). When the scenario budget leaves a parameter value
// or a pair of values unevaluated (scripts/lib/cfn/scenarios.ts), it adds a SCENARIO-BUDGET error that names
// them and that no Metadata can suppress: the gate never passes what it did not fully evaluate.
import type { Template } from '../../scripts/lib/cfn/template.ts';
import { scenarioPlan, spelled, view, type ResolvedResource, type TemplateView } from '../../scripts/lib/cfn/intrinsics.ts';
import type { Finding, Found, Pack, Rule, RuleContext, RuleFinding, RuleSettings, ViewContext } from './types.ts';
import { applySuppression, declaredSuppressions, governanceFindings, registerMandatory } from './suppressions.ts';
import { scenarioSuffix } from './labels.ts';

export { scenarioSuffix };

export const RULE_ERROR_ID = 'RULE-ERROR';
/** Emitted by the engine, not a rule: the scenarios did not cover every value and pair of values; never suppressed. */
export const SCENARIO_BUDGET_ID = 'SCENARIO-BUDGET';
/**
 * Emitted by the engine: a Condition it could not evaluate (what it guards was checked one way only), or a
 * resource whose Condition holds in no scenario (it was not checked at all).
 */
export const NOT_EVALUATED_ID = 'NOT-EVALUATED';
registerMandatory(RULE_ERROR_ID, SCENARIO_BUDGET_ID, NOT_EVALUATED_ID);

/** Declares a rule; the engine needs at least one predicate. */
export function defineRule(rule: Rule): Rule {
  if (!rule.resource && !rule.template && !rule.once) throw new Error(`rule ${rule.id} declares no predicate`);
  if (rule.resource && rule.resourceTypes.length === 0) throw new Error(`rule ${rule.id} has a resource predicate but no resource types`);
  if (rule.mandatory) registerMandatory(rule.id);
  return Object.freeze({ ...rule });
}

export interface RunOptions {
  /** The date the rules (runtime deprecation) and suppression expiry compare against; the CLI passes the real date. */
  today: Date;
  packs?: Pack[];
  /** Only these rule ids (used by the per-rule fixture specs). */
  only?: string[];
  /** Parameter values given by the user: they replace those parameters' scenarios (see scenarioPlan). */
  parameters?: Readonly<Record<string, string>>;
  settings?: RuleSettings;
}

export function contextFor(template: Template, today: Date, parameters?: Readonly<Record<string, string>>): RuleContext {
  return { template, views: scenarioPlan(template, { fixed: parameters }).scenarios.map((s) => view(template, s)), today };
}

/** The SCENARIO-BUDGET findings for a template: one per kind of case the budget left out. */
export function budgetFindings(template: Template, parameters?: Readonly<Record<string, string>>): Finding[] {
  return scenarioPlan(template, { fixed: parameters }).notEvaluated.map((what) => ({
    ruleId: SCENARIO_BUDGET_ID,
    severity: 'error' as const,
    logicalId: 'Template',
    path: 'Parameters',
    message: `not evaluated, so this template cannot pass: ${what}`,
  }));
}

/**
 * What the views did not cover, one warning each: a Condition some scenario could not evaluate (read after the
 * rules ran, which resolve lazily too), and a resource whose Condition holds in no scenario.
 */
function notEvaluatedFindings(ctx: RuleContext): Finding[] {
  const warning = (logicalId: string, path: string, message: string): Finding => ({ ruleId: NOT_EVALUATED_ID, severity: 'warning', logicalId, path, message });
  const conditions = [...new Set(ctx.views.flatMap((v) => [...v.undetermined]))].sort();
  const present = new Set(ctx.views.flatMap((v) => v.resources.map((r) => r.logicalId)));
  return [
    ...conditions.map((name) =>
      warning('Template', `Conditions.${name}`, `condition ${name} cannot be evaluated before deployment; what it guards was checked as if it held, and the other branch of each Fn::If on it was not checked`),
    ),
    ...Object.values(ctx.template.resources)
      .filter((r) => !present.has(r.logicalId))
      .map((r) => warning(r.logicalId, 'Condition', `condition ${r.condition} holds in none of the ${ctx.views.length} scenario(s) evaluated (parameter values that make it hold were not among them), so ${r.logicalId} was not checked`)),
  ];
}

function listOf(found: Found): readonly RuleFinding[] {
  if (found === undefined) return [];
  return Array.isArray(found) ? found : [found as RuleFinding];
}

type Place = { logicalId: string; path: string; messages: Map<string, TemplateView[]> };

/**
 * The one merge: findings are grouped by place (logical id and path). A message found in every scenario is
 * reported as is; one found in some says in which. Messages at the same place join into one finding.
 */
function mergeScenarios(ctx: RuleContext, places: Map<string, Place>): RuleFinding[] {
  return [...places.values()].map(({ logicalId, path, messages }) => {
    const entries = [...messages];
    const [, firstViews] = entries[0]!;
    const same = entries.every(([, vs]) => vs.length === firstViews.length && vs.every((v) => firstViews.includes(v)));
    const message = same
      ? entries.map(([m]) => m).join('; ') + scenarioSuffix(ctx, firstViews, logicalId)
      : entries.map(([m, vs]) => m + scenarioSuffix(ctx, vs, logicalId)).join('; ');
    return { logicalId, path, message };
  });
}

/** Resources of a view grouped by type, built once per view. */
const byTypeCache = new WeakMap<TemplateView, Map<string, ResolvedResource[]>>();
function resourcesByType(view: TemplateView): Map<string, ResolvedResource[]> {
  let map = byTypeCache.get(view);
  if (!map) {
    map = new Map();
    for (const r of view.resources) {
      const list = map.get(r.type);
      if (list) list.push(r);
      else map.set(r.type, [r]);
    }
    byTypeCache.set(view, map);
  }
  return map;
}

/** Runs one rule's predicates over the context: findings merged across scenarios, before suppressions. */
export function evaluate(rule: Rule, ctx: RuleContext): RuleFinding[] {
  const places = new Map<string, Place>();
  const add = (view: TemplateView, found: Found) => {
    for (const f of listOf(found)) {
      const key = `${f.logicalId}|${f.path}`;
      let place = places.get(key);
      if (!place) places.set(key, (place = { logicalId: f.logicalId, path: f.path, messages: new Map() }));
      const seen = place.messages.get(f.message);
      if (!seen) place.messages.set(f.message, [view]);
      else if (!seen.includes(view)) seen.push(view);
    }
  };
  if (rule.resource || rule.template) {
    for (const view of ctx.views) {
      const viewCtx: ViewContext = { ...ctx, view };
      if (rule.template) add(view, rule.template(view, viewCtx));
      if (rule.resource) {
        const byType = resourcesByType(view);
        for (const type of rule.resourceTypes) for (const r of byType.get(type) ?? []) add(view, rule.resource(r, viewCtx));
      }
    }
  }
  const out = mergeScenarios(ctx, places);
  if (rule.once) out.push(...listOf(rule.once(ctx)));
  return out;
}

export function runRules(template: Template, rules: readonly Rule[], options: RunOptions): Finding[] {
  const ctx: RuleContext = { ...contextFor(template, options.today, options.parameters), settings: options.settings };
  const selected = rules.filter(
    (rule) => (!options.packs || options.packs.includes(rule.pack)) && (!options.only || options.only.includes(rule.id)),
  );
  const seen = new Set<string>();
  // Added whatever rules or packs are selected, and never matched against a suppression.
  const findings: Finding[] = budgetFindings(template, options.parameters);
  // Metadata suppressions (suppressions.ts): expiry, mandatory rules; bad ones are findings of their own.
  const suppressions = declaredSuppressions(template, options.today);
  findings.push(...governanceFindings(suppressions));
  for (const rule of selected) {
    let raw: RuleFinding[];
    try {
      raw = evaluate(rule, ctx);
    } catch (error) {
      const key = `${RULE_ERROR_ID}|${rule.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push({ ruleId: RULE_ERROR_ID, severity: 'error', logicalId: 'Template', path: '', message: `rule ${rule.id} failed on this template: ${(error as Error).message}` });
      }
      continue;
    }
    for (const found of raw) {
      const f = { ...found, message: spelled(found.message) };
      const key = `${rule.id}|${f.logicalId}|${f.path}|${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding: Finding = { ruleId: rule.id, severity: rule.severity, logicalId: f.logicalId, path: f.path, message: f.message };
      applySuppression(finding, suppressions);
      findings.push(finding);
    }
  }
  findings.push(...notEvaluatedFindings(ctx));
  return findings.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.logicalId.localeCompare(b.logicalId) || a.path.localeCompare(b.path));
}

/** Findings that count against the template (not suppressed). */
export function active(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.suppressed);
}
