// What a finding about a resource can depend on: the parameters and pseudo parameters its definition reads
// (engine.ts scenarioSuffix names only these in `(only when ...)` labels).
import type { Json, JsonObject, Template } from './template.ts';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const inputsCache = new WeakMap<Template, Map<string, Map<string, boolean> | undefined>>();

/**
 * The parameters and pseudo parameters a finding about `logicalId` (a resource or `Outputs.Name`) can depend
 * on: those its definition reads, directly, through the Conditions it uses, or through the resources it refers
 * to; each mapped to whether a Condition reads it (it decides what exists or which Fn::If branch holds).
 * Undefined for anything else (the whole template). Labels name only these (engine.ts scenarioSuffix).
 */
export function inputsOf(template: Template, logicalId: string): Map<string, boolean> | undefined {
  let cache = inputsCache.get(template);
  if (!cache) inputsCache.set(template, (cache = new Map()));
  if (cache.has(logicalId)) return cache.get(logicalId);
  const out = new Map<string, boolean>();
  const seen = new Set<string>();
  const name = (n: string, gate: boolean): void => {
    const key = n.split('.')[0]!;
    if (key in template.parameters || key.startsWith('AWS::')) out.set(key, gate || out.get(key) === true);
    else if (!seen.has(`c:${key}`) && key in template.conditions) {
      seen.add(`c:${key}`);
      visit(template.conditions[key]!, true);
    }
    if (!seen.has(`r:${key}`) && template.resources[key]) {
      seen.add(`r:${key}`);
      const r = template.resources[key]!;
      if (r.condition) name(r.condition, true);
      visit(r.properties, false);
    }
  };
  const visit = (value: Json, gate: boolean): void => {
    if (typeof value === 'string') return;
    if (Array.isArray(value)) return value.forEach((v) => visit(v, gate));
    if (!isObject(value)) return;
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'Ref' || k === 'Condition') && typeof v === 'string') name(v, gate);
      else if (k === 'Fn::GetAtt') name(Array.isArray(v) ? String(v[0]) : String(v), gate);
      else if (k === 'Fn::If' && Array.isArray(v) && typeof v[0] === 'string') name(v[0], true);
      else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? v[0] : v;
        if (typeof text === 'string') for (const m of text.matchAll(/\$\{([^!}][^}]*)\}/g)) name(m[1]!.trim(), gate);
      }
      visit(v, gate);
    }
  };
  let result: Map<string, boolean> | undefined = out;
  if (template.resources[logicalId]) name(logicalId, false);
  else if (logicalId.startsWith('Outputs.') && template.outputs[logicalId.slice(8)]) visit(template.outputs[logicalId.slice(8)]!, false);
  else result = undefined;
  cache.set(logicalId, result);
  return result;
}
