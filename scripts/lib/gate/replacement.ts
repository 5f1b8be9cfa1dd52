// What an update would replace, computed from the two templates rather than taken from the change set:
// LocalStack 4.14 answers DescribeChangeSet with `Replacement` but no `Details` (so no causing property) and
// lists only the resource whose property changed, not those whose create-only properties point at it. Here each
// resource's properties are resolved under the deployed stack's parameters (old) and the new ones, and a change
// to any of its type's `createOnlyProperties` (the CloudFormation resource provider schemas cfn-lint ships)
// replaces it; a create-only property that refers to a replaced resource (its Ref or GetAtt changes) replaces
// the referrer too, until nothing more changes. The gate takes the stricter of this and the change set.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json, Template } from '../cfn/template.ts';
import { view } from '../cfn/intrinsics.ts';
import { venvCfnlintDir } from '../cfnlint-data.ts';
import { ROOT } from '../deploy/types.ts';

export interface ComputedChange {
  logicalId: string;
  type: string;
  action: 'Add' | 'Remove' | 'Modify';
  /** True when a create-only property changed (or the type did): CloudFormation creates a new physical resource. */
  replaced: boolean;
  /** The properties that cause the replacement (`BucketName`, `TargetKeyId (BackupKey is replaced)`, `Type`). */
  causes: string[];
}

/** Input the gate cannot use: the CLI exits 2 with this one line. */
export class GateInputError extends Error {
  override readonly name = 'GateInputError';
}

let providers: Record<string, string> | undefined;
const createOnlyCache = new Map<string, string[][]>();

/**
 * The create-only property paths of a resource type (`/properties/A/B` -> ['A', 'B']), from the us-east-1
 * provider schemas (the property set is the same in every region). A type without a schema (a custom resource,
 * a type cfn-lint does not know) has none: only a type change or a removal replaces it.
 */
export function createOnlyProperties(type: string): string[][] {
  const cached = createOnlyCache.get(type);
  if (cached) return cached;
  const schemas = join(venvCfnlintDir(ROOT) ?? join(ROOT, '.venv'), 'data', 'schemas');
  if (!providers) {
    const index = join(schemas, 'providers', 'us-east-1.json');
    if (!existsSync(index)) throw new GateInputError(`cfn-lint's resource schemas are not at ${index}: run \`npm run bootstrap\``);
    providers = JSON.parse(readFileSync(index, 'utf8')) as Record<string, string>;
  }
  const hash = providers[type];
  let paths: string[][] = [];
  if (hash) {
    const schema = JSON.parse(readFileSync(join(schemas, 'resources', `${hash}.json`), 'utf8')) as { createOnlyProperties?: string[] };
    paths = (schema.createOnlyProperties ?? []).map((p) => p.replace(/^\/properties\//, '').split('/'));
  }
  createOnlyCache.set(type, paths);
  return paths;
}

/** The value at `path`; a `*` (every item of a list) ends the walk there, so the whole list is compared. */
function at(value: Json | undefined, path: readonly string[]): Json | undefined {
  let current = value;
  for (const key of path) {
    if (key === '*' || current === undefined || current === null || typeof current !== 'object' || Array.isArray(current)) return current;
    current = current[key];
  }
  return current;
}

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function pointsAt(value: Json | undefined, ids: ReadonlySet<string>): string | undefined {
  const text = JSON.stringify(value ?? null);
  for (const match of text.matchAll(/\{\{(?:Ref|GetAtt):([A-Za-z0-9]+)/g)) if (ids.has(match[1]!)) return match[1]!;
  return undefined;
}

/**
 * Every resource the update adds, removes or replaces, comparing `before` (the deployed template under the
 * stack's parameter values) with `after` (the new template under the values the change set is given).
 * Properties are resolved literally (a name stays a name), with pseudo parameters and other resources' ids as
 * tokens: the same stack gives them the same values on both sides.
 */
export function computeChanges(
  before: { template: Template; parameters: Record<string, string> },
  after: { template: Template; parameters: Record<string, string> },
): ComputedChange[] {
  const resolved = (side: typeof before) => {
    const v = view(side.template, { parameters: side.parameters, label: '' });
    return new Map(v.resources.map((r) => [r.logicalId, { type: r.type, properties: v.resolveLiteral(r.properties) }]));
  };
  const old = resolved(before);
  const now = resolved(after);
  const changes = new Map<string, ComputedChange>();
  for (const [id, r] of old) if (!now.has(id)) changes.set(id, { logicalId: id, type: r.type, action: 'Remove', replaced: false, causes: [] });
  for (const [id, r] of now) if (!old.has(id)) changes.set(id, { logicalId: id, type: r.type, action: 'Add', replaced: false, causes: [] });
  const replaced = new Set<string>();
  // A fixpoint: each pass may replace a resource whose create-only property refers to one replaced in the last.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, r] of now) {
      const o = old.get(id);
      if (!o || replaced.has(id)) continue;
      const causes: string[] = [];
      if (o.type !== r.type) causes.push('Type');
      else {
        for (const path of createOnlyProperties(r.type)) {
          const name = path.filter((p) => p !== '*').join('.');
          const a = at(o.properties, path);
          const b = at(r.properties, path);
          if (!same(a, b)) causes.push(name);
          else {
            const target = pointsAt(b, replaced);
            if (target) causes.push(`${name} (${target} is replaced)`);
          }
        }
      }
      if (causes.length > 0) {
        replaced.add(id);
        changes.set(id, { logicalId: id, type: r.type, action: 'Modify', replaced: true, causes });
        grew = true;
      }
    }
  }
  return [...changes.values()];
}
