// AWS::LanguageExtensions, the part that changes the template's shape: `Fn::ForEach::Name: [Id, Collection,
// {OutputKey: OutputValue}]` in Resources, Outputs, Conditions and any mapping inside them (nested loops too),
// expanded as CloudFormation does: `${Id}` is the value, `&{Id}` the value without non-alphanumerics (for
// logical ids), `{Ref: Id}` the value. Fn::Length, Fn::ToJsonString and Fn::FindInMap's DefaultValue need
// parameter values, so they stay in place and the scenario views resolve them (intrinsics.ts), per scenario.
import type { Json, JsonObject } from '../template.ts';
import { TransformError } from './error.ts';

const PREFIX = 'Fn::ForEach::';
const SECTIONS = ['Resources', 'Outputs', 'Conditions'] as const;
/** A loop expansion past this many generated entries is refused: CloudFormation allows 500 resources. */
export const MAX_EXPANDED = 10_000;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What the expansion carries along: the entries it may still generate and the parameter values given. */
interface Budget {
  left: number;
  /** Values given for the run (`--parameters`, a deployed stack's): a loop over a parameter uses them, not its Default. */
  given: Readonly<Record<string, string>>;
}

export function expandLanguageExtensions(raw: JsonObject, given: Readonly<Record<string, string>> = {}): JsonObject {
  const out: JsonObject = { ...raw };
  const budget: Budget = { left: MAX_EXPANDED, given };
  for (const section of SECTIONS) {
    if (isObject(raw[section])) out[section] = expandMapping(raw[section], raw, budget);
  }
  return out;
}

function expandValue(value: Json, template: JsonObject, budget: Budget): Json {
  if (Array.isArray(value)) return value.map((v) => expandValue(v, template, budget));
  return isObject(value) ? expandMapping(value, template, budget) : value;
}

function expandMapping(mapping: JsonObject, template: JsonObject, budget: Budget): JsonObject {
  const out: JsonObject = {};
  const put = (key: string, value: Json, loop?: string) => {
    if (key in out) throw new TransformError(`${loop ?? key}: generates ${key}, which is already defined`);
    out[key] = value;
  };
  for (const [key, value] of Object.entries(mapping)) {
    if (!key.startsWith(PREFIX)) {
      put(key, expandValue(value, template, budget));
      continue;
    }
    if (!Array.isArray(value) || value.length !== 3 || typeof value[0] !== 'string' || !isObject(value[2])) {
      throw new TransformError(`${key}: takes [Identifier, Collection, {OutputKey: OutputValue}]`);
    }
    const [id, collection, body] = value as [string, Json, JsonObject];
    for (const item of collectionOf(key, collection, template, budget.given)) {
      budget.left -= 1;
      if (budget.left < 0) throw new TransformError(`${key}: the loops expand to more than ${MAX_EXPANDED} entries`);
      // Substituted first, so an inner loop's collection may use the outer identifier.
      const expanded = expandMapping(substitute(body, id, item) as JsonObject, template, budget);
      for (const [k, v] of Object.entries(expanded)) put(k, v, key);
    }
  }
  return out;
}

/** The loop's values: a list, or what a parameter (the value given, else its Default), a mapping or Fn::Split gives; else refused. */
function collectionOf(loop: string, collection: Json, template: JsonObject, given: Readonly<Record<string, string>>): string[] {
  const strings = (list: Json, what: string): string[] => {
    if (!Array.isArray(list) || list.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
      throw new TransformError(`${loop}: its collection ${what} is not a list of strings, so the loop cannot be expanded`);
    }
    return list.map(String);
  };
  if (Array.isArray(collection)) return strings(collection, JSON.stringify(collection));
  if (isObject(collection) && typeof collection['Ref'] === 'string') {
    const name = collection['Ref'];
    const parameter = isObject(template['Parameters']) ? template['Parameters'][name] : undefined;
    const fallback = given[name] ?? (isObject(parameter) ? parameter['Default'] : undefined);
    if (fallback === undefined) {
      throw new TransformError(`${loop}: its collection is parameter ${name}, which has no Default: give its value (--parameters ${name}=a,b) to expand the loop`);
    }
    return Array.isArray(fallback) ? strings(fallback, `Ref ${name}`) : String(fallback).split(',').map((v) => v.trim());
  }
  if (isObject(collection) && Array.isArray(collection['Fn::FindInMap'])) {
    const [map, top, second] = collection['Fn::FindInMap'];
    const mappings = isObject(template['Mappings']) ? template['Mappings'] : {};
    const found = typeof map === 'string' && typeof top === 'string' && typeof second === 'string' && isObject(mappings[map]) && isObject(mappings[map][top]) ? mappings[map][top][second] : undefined;
    if (found !== undefined) return strings(found, `Fn::FindInMap ${JSON.stringify([map, top, second])}`);
  }
  if (isObject(collection) && Array.isArray(collection['Fn::Split'])) {
    const [sep, text] = collection['Fn::Split'];
    if (typeof sep === 'string' && typeof text === 'string') return text.split(sep);
  }
  throw new TransformError(`${loop}: its collection ${JSON.stringify(collection)} cannot be resolved before deployment, so the loop cannot be expanded`);
}

/** Variables left in a Fn::Sub string (`${!Literal}` is not one): none left, and it is a plain string. */
const VARIABLE = /\$\{[^!}][^}]*\}|&\{[^!}\s][^}]*\}/;

/**
 * As CloudFormation (and cfn-lint) do: `${Id}` and `&{Id}` in keys and in Fn::Sub strings, `{Ref: Id}` anywhere;
 * other strings are left as written (a Fn::If condition name is not resolved either).
 */
function substitute(value: Json, id: string, item: string): Json {
  const text = (s: string) => s.split(`\${${id}}`).join(item).split(`&{${id}}`).join(item.replace(/[^A-Za-z0-9]/g, ''));
  if (Array.isArray(value)) return value.map((v) => substitute(v, id, item));
  if (!isObject(value)) return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, arg] = entries[0]!;
    if (key === 'Ref' && arg === id) return item;
    if (key === 'Fn::Sub' && (typeof arg === 'string' || (Array.isArray(arg) && typeof arg[0] === 'string'))) {
      const body = text(typeof arg === 'string' ? arg : (arg[0] as string));
      const rest = Array.isArray(arg) ? arg.slice(1).map((v) => substitute(v, id, item)) : [];
      if (!VARIABLE.test(body)) return body;
      return { 'Fn::Sub': Array.isArray(arg) ? [body, ...rest] : body };
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [text(k), substitute(v, id, item)]));
}
