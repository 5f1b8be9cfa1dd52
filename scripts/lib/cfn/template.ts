// Loads a CloudFormation template from YAML (with its short-form tags) or JSON into one normal form,
// so every rule sees `{ "Fn::GetAtt": [...] }` whichever way the author wrote it.
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseAllDocuments, type Tags, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { applyTransforms, TransformError, type Expanded } from './transforms/index.ts';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Resource {
  logicalId: string;
  type: string;
  properties: JsonObject;
  metadata: JsonObject;
  condition?: string;
  deletionPolicy?: string;
  updateReplacePolicy?: string;
  dependsOn: string[];
  /** The transform's source resource, for a resource a transform generated (e.g. `SAM MyFunction`). */
  generatedFrom?: string;
}

export interface Template {
  /** Where it came from, for messages; '<inline>' when parsed from a string. */
  source: string;
  format: 'yaml' | 'json';
  raw: JsonObject;
  parameters: Record<string, JsonObject>;
  mappings: Record<string, JsonObject>;
  conditions: JsonObject;
  resources: Record<string, Resource>;
  outputs: Record<string, JsonObject>;
}

/** Input that is not a usable template: the CLI turns it into exit code 2 with this one-line message. */
export class TemplateLoadError extends Error {
  override readonly name = 'TemplateLoadError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Above this, a file is refused rather than parsed: CloudFormation itself accepts at most 1 MB via S3. */
export const MAX_TEMPLATE_BYTES = 5 * 1024 * 1024;

const FN_TAGS = [
  'Base64', 'Cidr', 'FindInMap', 'GetAZs', 'ImportValue', 'Join', 'Select', 'Split', 'Sub', 'Transform',
  'And', 'Equals', 'If', 'Not', 'Or', 'Contains', 'EachMemberEquals', 'EachMemberIn', 'RefAll',
  'ValueOf', 'ValueOfAll', 'ToJsonString', 'Length', 'ForEach',
] as const;

// `!GetAtt A.B` is shorthand for `{"Fn::GetAtt": ["A", "B"]}`; every other tag maps 1:1 to `Fn::X`.
function cfnTags(): Tags {
  const tags: Tags = [];
  const wrap = (tag: string, key: string, kind: 'scalar' | 'seq' | 'map') => {
    tags.push({
      tag: `!${tag}`,
      collection: kind === 'scalar' ? undefined : kind,
      resolve(value: unknown) {
        const js = value instanceof YAMLMap || value instanceof YAMLSeq ? value.toJSON() : value instanceof Scalar ? value.value : value;
        if (tag === 'GetAtt' && typeof js === 'string') {
          const dot = js.indexOf('.');
          return { [key]: dot < 0 ? [js] : [js.slice(0, dot), js.slice(dot + 1)] };
        }
        return { [key]: js };
      },
    } as Tags[number]);
  };
  for (const kind of ['scalar', 'seq', 'map'] as const) {
    wrap('Ref', 'Ref', kind);
    wrap('Condition', 'Condition', kind);
    wrap('GetAtt', 'Fn::GetAtt', kind);
    for (const fn of FN_TAGS) wrap(fn, `Fn::${fn}`, kind);
  }
  return tags;
}

const TAGS = cfnTags();

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses template text; `hint` picks the parser first (JSON is valid YAML, so YAML is the fallback). */
/** Parameter values known when the template is read: a `Fn::ForEach` over a parameter loops over them. */
export type GivenValues = Readonly<Record<string, string>>;

export function parseTemplate(text: string, source = '<inline>', hint?: 'yaml' | 'json', given: GivenValues = {}): Template {
  let raw: unknown;
  let format: 'yaml' | 'json';
  const looksJson = hint === 'json' || (hint === undefined && /^\s*[{[]/.test(text));
  if (looksJson) {
    try {
      raw = JSON.parse(text);
      format = 'json';
    } catch (error) {
      if (hint === 'json') throw new TemplateLoadError(`${source}: not valid JSON: ${(error as Error).message}`, { cause: error });
      raw = parseYaml(text, source);
      format = 'yaml';
    }
  } else {
    raw = parseYaml(text, source);
    format = 'yaml';
  }
  return normalise(raw, source, format, given);
}

/**
 * Above this many nodes (mappings, sequences, scalars) once aliases and merge keys are expanded, a YAML document
 * is refused: the guard against alias bombs ("billion laughs") is the size of what the aliases expand to, so a
 * legitimate template may use any number of aliases. A 1 MB template (CloudFormation's limit) has far fewer.
 */
export const MAX_YAML_NODES = 1_000_000;

function parseYaml(text: string, source: string): unknown {
  // `merge`: `<<: *anchor` merges the anchored mapping as YAML 1.1 and cfn-lint do, not a literal key `<<`.
  const all = parseAllDocuments(text, { customTags: TAGS, uniqueKeys: true, prettyErrors: false, merge: true });
  // An empty stream (an empty file, or only comments) is refused as "not a mapping".
  if (!Array.isArray(all) || all.length === 0) return null;
  // A stray `---` before or after the template makes an empty document, not a second one.
  const docs = all.length > 1 ? all.filter((d) => d.errors.length > 0 || (d.contents !== null && !(d.contents instanceof Scalar && d.contents.value === null))) : all;
  if (docs.length > 1) throw new TemplateLoadError(`${source}: not a CloudFormation template (a YAML stream of ${docs.length} documents)`);
  const doc = docs[0] ?? all[0]!;
  const problem = doc.errors[0];
  if (problem) {
    const where = problem.linePos?.[0] ? ` (line ${problem.linePos[0].line})` : '';
    throw new TemplateLoadError(`${source}: not valid YAML${where}: ${problem.message.split('\n')[0]}`, { cause: problem });
  }
  const unknownTags = [...new Set(doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED').map((w) => /!\S+/.exec(w.message)?.[0] ?? w.message))];
  if (unknownTags.length > 0) throw new TemplateLoadError(`${source}: ${unknownTagMessage(unknownTags)}`);
  let js: unknown;
  try {
    // No alias-count limit: toJS shares one object per anchor, and the node count below bounds the expansion.
    js = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    throw new TemplateLoadError(`${source}: not usable YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  if (countNodes(js, MAX_YAML_NODES) > MAX_YAML_NODES) {
    throw new TemplateLoadError(`${source}: not usable YAML: Excessive alias count: its aliases expand to more than ${MAX_YAML_NODES} nodes (an alias bomb?)`);
  }
  return js;
}

/** Tags a tool (Rain) processes before CloudFormation sees the template get a message saying so. */
function unknownTagMessage(tags: string[]): string {
  const rain = tags.filter((t) => t.startsWith('!Rain::'));
  if (rain.length > 0) return `uses Rain directives (${rain.join(', ')}): process it first (rain pkg) and check the output`;
  return `unknown YAML tag: ${tags.join(', ')} (CloudFormation does not know it): process the template first with the tool that owns the tag and check the output`;
}

/** Nodes in the expanded value, counting a shared (aliased) object each time it is reached; stops past `limit`. */
function countNodes(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= limit) {
    const next = stack.pop();
    count += 1;
    if (Array.isArray(next)) stack.push(...next);
    else if (typeof next === 'object' && next !== null) stack.push(...Object.values(next));
  }
  return count;
}

function normalise(parsed: unknown, source: string, format: 'yaml' | 'json', given: GivenValues): Template {
  if (!isObject(parsed)) throw new TemplateLoadError(`${source}: not a CloudFormation template (the top level is not a mapping)`);
  if (!isObject(parsed['Resources'])) throw new TemplateLoadError(`${source}: not a CloudFormation template (no Resources section)`);
  // SAM and AWS::LanguageExtensions expanded; anything else that must be processed first is refused here.
  let expanded: Expanded;
  try {
    expanded = applyTransforms(parsed, given);
  } catch (error) {
    if (error instanceof TransformError) throw new TemplateLoadError(`${source}: ${error.message}`, { cause: error });
    throw error;
  }
  const { raw, origins } = expanded;
  const resourcesRaw = raw['Resources'];
  if (!isObject(resourcesRaw) || Object.keys(resourcesRaw).length === 0) {
    throw new TemplateLoadError(`${source}: not a CloudFormation template (no Resources section)`);
  }
  const resources: Record<string, Resource> = {};
  for (const [logicalId, value] of Object.entries(resourcesRaw)) {
    if (!isObject(value) || typeof value['Type'] !== 'string') {
      throw new TemplateLoadError(`${source}: resource ${logicalId} has no Type`);
    }
    const dependsOn = value['DependsOn'];
    resources[logicalId] = {
      logicalId,
      type: value['Type'],
      properties: isObject(value['Properties']) ? value['Properties'] : {},
      metadata: isObject(value['Metadata']) ? value['Metadata'] : {},
      ...(typeof value['Condition'] === 'string' ? { condition: value['Condition'] } : {}),
      ...(typeof value['DeletionPolicy'] === 'string' ? { deletionPolicy: value['DeletionPolicy'] } : {}),
      ...(typeof value['UpdateReplacePolicy'] === 'string' ? { updateReplacePolicy: value['UpdateReplacePolicy'] } : {}),
      dependsOn: typeof dependsOn === 'string' ? [dependsOn] : Array.isArray(dependsOn) ? dependsOn.filter((d): d is string => typeof d === 'string') : [],
      ...(origins[logicalId] ? { generatedFrom: origins[logicalId] } : {}),
    };
  }
  const section = <T>(name: string): Record<string, T> => (isObject(raw[name]) ? (raw[name] as Record<string, T>) : {});
  return {
    source,
    format,
    raw,
    parameters: section<JsonObject>('Parameters'),
    mappings: section<JsonObject>('Mappings'),
    conditions: section<Json>('Conditions') as JsonObject,
    resources,
    outputs: section<JsonObject>('Outputs'),
  };
}

/** Reads and parses a template file; every failure is a TemplateLoadError with a one-line message. */
export async function loadTemplate(path: string, given: GivenValues = {}): Promise<Template> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TemplateLoadError(`${path}: not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof TemplateLoadError) throw error;
    throw new TemplateLoadError(`${path}: cannot read the template (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, { cause: error });
  }
  if (size > MAX_TEMPLATE_BYTES) {
    throw new TemplateLoadError(`${path}: ${size} bytes is larger than the ${MAX_TEMPLATE_BYTES}-byte limit for a template`);
  }
  const text = await readFile(path, 'utf8');
  const ext = extname(path).toLowerCase();
  const hint = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' || ext === '.template' ? 'yaml' : undefined;
  return parseTemplate(text, path, hint, given);
}
