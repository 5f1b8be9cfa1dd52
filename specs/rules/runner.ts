// Runs rules over one template: resolves it once, isolates each rule (a rule that throws becomes a
// finding, never a crash), applies Metadata suppressions and removes duplicates across scenarios.
import type { Json, Template } from '../../scripts/lib/cfn/template.ts';
import { views } from '../../scripts/lib/cfn/intrinsics.ts';
import type { Finding, Pack, Rule, RuleContext } from './types.ts';

export const RULE_ERROR_ID = 'RULE-ERROR';

export interface RunOptions {
  packs?: Pack[];
  /** Only these rule ids (used by the per-rule fixture specs). */
  only?: string[];
}

export function contextFor(template: Template): RuleContext {
  return { template, views: views(template) };
}

/**
 * Suppressions live in a resource's Metadata: `compliance: { suppress: [{ id, reason }] }`.
 * A suppression without a non-empty reason does not count (the rule SUPPRESSION-REASON reports it).
 */
export function suppressionsOf(metadata: Record<string, Json>): Map<string, string> {
  const out = new Map<string, string>();
  const compliance = metadata['compliance'];
  if (typeof compliance !== 'object' || compliance === null || Array.isArray(compliance)) return out;
  const list = compliance['suppress'];
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue;
    const id = entry['id'];
    const reason = entry['reason'];
    if (typeof id === 'string' && typeof reason === 'string' && reason.trim() !== '') out.set(id, reason.trim());
  }
  return out;
}

export function runRules(template: Template, rules: readonly Rule[], options: RunOptions = {}): Finding[] {
  const ctx = contextFor(template);
  const selected = rules.filter(
    (rule) => (!options.packs || options.packs.includes(rule.pack)) && (!options.only || options.only.includes(rule.id)),
  );
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const rule of selected) {
    let raw;
    try {
      raw = rule.check(ctx);
    } catch (error) {
      raw = [{ logicalId: 'Template', path: '', message: `rule ${rule.id} failed on this template: ${(error as Error).message}` }];
      const key = `${RULE_ERROR_ID}|${rule.id}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push({ ruleId: RULE_ERROR_ID, severity: 'error', ...raw[0]! });
      }
      continue;
    }
    for (const f of raw) {
      const key = `${rule.id}|${f.logicalId}|${f.path}|${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding: Finding = { ruleId: rule.id, severity: rule.severity, ...f };
      const resource = template.resources[f.logicalId];
      const reason = resource ? suppressionsOf(resource.metadata).get(rule.id) : undefined;
      if (reason) finding.suppressed = { reason };
      findings.push(finding);
    }
  }
  return findings.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.logicalId.localeCompare(b.logicalId) || a.path.localeCompare(b.path));
}

/** Findings that count against the template (not suppressed). */
export function active(findings: Finding[]): Finding[] {
  return findings.filter((f) => !f.suppressed);
}
