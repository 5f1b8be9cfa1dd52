// Reading resolved values: objects, lists, paths, numbers, booleans, leaves; and the finding constructor.
import type { Json, JsonObject } from '../../../scripts/lib/cfn/template.ts';
import type { RuleFinding } from '../types.ts';

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a list: undefined and null are empty, a single value is a list of one. */
export function asArray(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Json[];
}

/** The string entries of a value or list. */
export function asStrings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}

/** Reads `a.b[0].c` style paths from a resolved value. */
export function at(value: unknown, path: string): Json | undefined {
  let current = value as Json | undefined;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter(Boolean))) {
    if (current === undefined || current === null) return undefined;
    if (Array.isArray(current)) current = /^\d+$/.test(part) ? current[Number(part)] : undefined;
    else if (isObject(current)) current = current[part];
    else return undefined;
  }
  return current;
}

/** A resolved number (CloudFormation accepts numbers written as strings); undefined when not numeric. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A resolved boolean (CloudFormation accepts 'true'/'false' strings). */
export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  return undefined;
}

export function finding(logicalId: string, path: string, message: string): RuleFinding {
  return { logicalId, path, message };
}

/** Collects the findings of one predicate call: `add(logicalId, path, message)`, then `list()`. */
export class Findings {
  private readonly items: RuleFinding[] = [];

  add(logicalId: string, path: string, message: string): void {
    this.items.push({ logicalId, path, message });
  }

  list(): RuleFinding[] {
    return this.items;
  }
}

function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** Calls `visit` for every string and number leaf of a value. */
export function walkLeaves(value: Json | undefined, path: string, visit: (leaf: string, path: string, isNumber: boolean) => void): void {
  if (typeof value === 'string') visit(value, path, false);
  else if (typeof value === 'number') visit(String(value), path, true);
  else if (Array.isArray(value)) value.forEach((v, i) => walkLeaves(v, joinPath(path, i), visit));
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) walkLeaves(v, joinPath(path, k), visit);
}
