// Small helpers shared by rules. Rules stay pure: they read the context and return findings.
import type { Json, JsonObject } from '../support/template.ts';
import type { ResolvedResource, TemplateView } from '../support/intrinsics.ts';
import type { RuleContext, RuleFinding } from './types.ts';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function asStrings(value: Json | undefined): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Reads `a.b[0].c` style paths from a resolved value. */
export function at(value: Json | undefined, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    else if (isObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** Every resource of the given types in every view, with the view it was resolved in. */
export function* resourcesOf(ctx: RuleContext, ...types: string[]): Generator<{ resource: ResolvedResource; view: TemplateView }> {
  for (const view of ctx.views) {
    for (const resource of view.resources) {
      if (types.length === 0 || types.includes(resource.type)) yield { resource, view };
    }
  }
}

/** A finding message that names the scenario when the template has more than one. */
export function inScenario(ctx: RuleContext, view: TemplateView, message: string): string {
  return ctx.views.length > 1 && view.scenario.label ? `${message} (${view.scenario.label})` : message;
}

export function finding(logicalId: string, path: string, message: string): RuleFinding {
  return { logicalId, path, message };
}

export interface PolicyStatement {
  statement: JsonObject;
  /** Path of the statement inside the resource, e.g. `Properties.PolicyDocument.Statement[1]`. */
  path: string;
}

/** Statements of a policy document, whether Statement is one object or a list. */
export function statementsOf(document: Json | undefined, basePath: string): PolicyStatement[] {
  if (!isObject(document)) return [];
  const raw = document['Statement'];
  if (Array.isArray(raw)) {
    return raw.flatMap((s, i) => (isObject(s) ? [{ statement: s, path: `${basePath}.Statement[${i}]` }] : []));
  }
  return isObject(raw) ? [{ statement: raw, path: `${basePath}.Statement` }] : [];
}
