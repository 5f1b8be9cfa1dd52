// The transforms a template declares, applied in its order before the rules run, the way CloudFormation
// processes them: AWS::LanguageExtensions here (foreach.ts), AWS::Serverless-2016-10-31 by the official SAM
// translator (sam.ts). Anything else that must be processed first (another transform or macro, Fn::Transform,
// Rain directives) is refused: the rules would judge a template CloudFormation never sees.
import type { Json, JsonObject } from '../template.ts';
import { expandLanguageExtensions } from './foreach.ts';
import { expandSam } from './sam.ts';
import { TransformError } from './error.ts';

export { TransformError };

export const LANGUAGE_EXTENSIONS = 'AWS::LanguageExtensions';
export const SAM = 'AWS::Serverless-2016-10-31';

export interface Expanded {
  raw: JsonObject;
  /** Generated logical id -> where it came from (`SAM MyFunction`). */
  origins: Record<string, string>;
}

// CloudFormation keeps the processed template of a stack: that is what to check.
const PROCESS_FIRST = 'process it first (e.g. aws cloudformation get-template --template-stage Processed) and check the output';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first key anywhere under `value` that `match` accepts, with the value it holds. */
function findKey(value: Json, match: (key: string) => boolean): [string, Json] | undefined {
  const stack: Json[] = [value];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (Array.isArray(next)) stack.push(...next);
    else if (isObject(next)) {
      for (const [k, v] of Object.entries(next)) {
        if (match(k)) return [k, v];
        stack.push(v);
      }
    }
  }
  return undefined;
}

/** The names in `Transform:` (a string, a list, or list entries `{Name, Parameters}` for macros). */
function declared(raw: JsonObject): string[] {
  const value = raw['Transform'];
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') return entry;
    if (isObject(entry) && typeof entry['Name'] === 'string') return entry['Name'];
    throw new TransformError(`its Transform entry ${JSON.stringify(entry)} is not a transform name`);
  });
}

export function applyTransforms(parsed: JsonObject, given: Readonly<Record<string, string>> = {}): Expanded {
  // Rain's JSON form: `"Network": {"Rain::Module": "..."}`, `{"Rain::Embed": "file.sh"}`.
  const rain = findKey(parsed, (k) => k.startsWith('Rain::'));
  if (rain) throw new TransformError(`uses Rain directives (${rain[0]}): process it first (rain pkg) and check the output`);
  const names = declared(parsed);
  const unknown = names.find((n) => n !== LANGUAGE_EXTENSIONS && n !== SAM);
  if (unknown !== undefined) throw new TransformError(`uses the transform ${unknown}, which the check cannot expand: ${PROCESS_FIRST}`);
  const inline = findKey(parsed, (k) => k === 'Fn::Transform');
  if (inline) {
    // `Fn::Transform: {Name, Parameters}`, or a list of them.
    const names = (Array.isArray(inline[1]) ? inline[1] : [inline[1]]).map((t) => (isObject(t) && typeof t['Name'] === 'string' ? t['Name'] : 'unnamed'));
    const name = [...new Set(names)].join(', ');
    throw new TransformError(`uses Fn::Transform (${name}), which the check cannot expand: ${PROCESS_FIRST}`);
  }
  if (!names.includes(LANGUAGE_EXTENSIONS)) {
    const loop = findKey(parsed, (k) => k.startsWith('Fn::ForEach::'));
    if (loop) throw new TransformError(`uses ${loop[0]} without Transform: ${LANGUAGE_EXTENSIONS} (CloudFormation would reject it)`);
  }
  let raw = parsed;
  let origins: Record<string, string> = {};
  for (const name of names) {
    if (name === LANGUAGE_EXTENSIONS) raw = expandLanguageExtensions(raw, given);
    else ({ raw, origins } = expandSam(raw));
  }
  if (names.length > 0) {
    const { Transform: _declared, ...rest } = raw;
    raw = rest;
  }
  return { raw, origins };
}

/** A finding on a generated resource says where it came from: the author edits the SAM resource, not the role. */
export function namingOrigins<F extends { logicalId: string; message: string }>(resources: Record<string, { generatedFrom?: string }>, findings: F[]): F[] {
  return findings.map((f) => {
    const from = resources[f.logicalId]?.generatedFrom;
    return from ? { ...f, message: `${f.message} (${f.logicalId} is generated from ${from})` } : f;
  });
}
