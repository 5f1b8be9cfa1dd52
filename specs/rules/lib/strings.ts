// String scans: every string of the template after resolving intrinsics, with where it was found.
import type { Json } from '../../../scripts/lib/cfn/template.ts';
import type { TemplateView } from '../../../scripts/lib/cfn/intrinsics.ts';
import type { RuleContext, RuleFinding, ViewContext } from '../types.ts';
import { isObject, walkLeaves } from './values.ts';

/** One string (or number) found anywhere in a template, with where it was found. */
export interface ScannedString {
  logicalId: string;
  path: string;
  value: string;
  /** The views in which it has this value (every view for the non-resource sections). */
  views: TemplateView[];
}

const scanned = new WeakMap<readonly TemplateView[], ScannedString[]>();

/**
 * Every string of the template after resolving intrinsics: resource properties and metadata (per
 * scenario), outputs, parameters, mappings, conditions, rules and top-level metadata. Cached per run.
 */
export function templateStrings(ctx: RuleContext): ScannedString[] {
  const cached = scanned.get(ctx.views);
  if (cached) return cached;
  const merged = new Map<string, ScannedString>();
  const add = (logicalId: string, path: string, value: string, view: TemplateView | undefined) => {
    const key = `${logicalId}|${path}|${value}`;
    const entry = merged.get(key);
    if (!entry) merged.set(key, { logicalId, path, value, views: view ? [view] : [...ctx.views] });
    else if (view && !entry.views.includes(view)) entry.views.push(view);
  };
  for (const view of ctx.views) {
    for (const resource of view.resources) {
      walkLeaves(resource.resolved, 'Properties', (v, p) => add(resource.logicalId, p, v, view));
      // Suppression reasons are prose about the rules, not configuration: not scanned.
      const { compliance: _reasons, ...metadata } = resource.metadata;
      if (Object.keys(metadata).length > 0) {
        walkLeaves(view.resolve(metadata), 'Metadata', (v, p) => add(resource.logicalId, p, v, view));
      }
    }
    for (const [name, output] of Object.entries(view.outputs)) {
      walkLeaves(output, '', (v, p) => add(`Outputs.${name}`, p, v, view));
    }
  }
  const first = ctx.views[0];
  const resolve = (v: Json) => (first ? first.resolve(v) : v);
  const raw = ctx.template.raw;
  for (const section of ['Parameters', 'Mappings', 'Conditions', 'Rules']) {
    const value = raw[section];
    if (!isObject(value)) continue;
    for (const [name, entry] of Object.entries(value)) walkLeaves(resolve(entry), '', (v, p) => add(`${section}.${name}`, p, v, undefined));
  }
  if (typeof raw['Description'] === 'string') add('Template', 'Description', raw['Description'], undefined);
  if (isObject(raw['Metadata'])) {
    for (const [k, v] of Object.entries(raw['Metadata'])) {
      if (k === 'ExpectedFindings') continue;
      walkLeaves(resolve(v), `Metadata.${k}`, (leaf, p) => add('Template', p, leaf, undefined));
    }
  }
  const out = [...merged.values()];
  scanned.set(ctx.views, out);
  return out;
}

/**
 * Documentation, not configuration: the template's Description and top-level Metadata (cfn-lint's config,
 * console labels), and the Description and ConstraintDescription of parameters and outputs. Nothing deploys it.
 */
export function isDocumentation(logicalId: string, path: string): boolean {
  if (logicalId === 'Template') return path === 'Description' || path.startsWith('Metadata.');
  if (logicalId.startsWith('Parameters.') || logicalId.startsWith('Outputs.')) return path === 'Description' || path === 'ConstraintDescription';
  return false;
}

/**
 * Findings for every string of the scenario `ctx.view` that `match` flags: `match` returns the offending
 * snippet (or undefined; it sees where the string is) and `message` words the finding. The engine names the
 * scenarios when not all.
 */
export function scanStrings(
  ctx: ViewContext,
  match: (value: string, where: ScannedString) => string | undefined,
  message: (snippet: string, value: string) => string,
): RuleFinding[] {
  const out: RuleFinding[] = [];
  for (const s of templateStrings(ctx)) {
    if (!s.views.includes(ctx.view)) continue;
    const snippet = match(s.value, s);
    if (snippet !== undefined) out.push({ logicalId: s.logicalId, path: s.path, message: message(snippet, s.value) });
  }
  return out;
}
