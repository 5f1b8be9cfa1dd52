// Dev-time generator (not used at runtime): reads cfn-lint's bundled provider schemas from the project's venv
// and writes taggable-types.json, the table TAGS-REQUIRED uses to decide which resource types take tags.
//   npx tsx scripts/rules-taggable-types.ts [path/to/site-packages/cfnlint]
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cfnlintFromArgs } from './lib/cfnlint-data.ts';

const { dir: cfnlint, version } = cfnlintFromArgs('rules-taggable-types', "Regenerate specs/rules/tagging/taggable-types.json from cfn-lint's resource schemas.");
const schemas = join(cfnlint, 'data', 'schemas');
const index = JSON.parse(readFileSync(join(schemas, 'providers', 'us-east-1.json'), 'utf8')) as Record<string, string>;

type Schema = { tagging?: { taggable?: boolean; tagProperty?: string }; properties?: Record<string, Record<string, unknown>>; definitions?: Record<string, Record<string, unknown>> };

const types: Record<string, string> = {};
for (const [type, hash] of Object.entries(index).sort(([a], [b]) => a.localeCompare(b))) {
  const schema = JSON.parse(readFileSync(join(schemas, 'resources', `${hash}.json`), 'utf8')) as Schema;
  const property = schema.tagging?.tagProperty?.split('/').pop() ?? 'Tags';
  let definition = schema.properties?.[property];
  // A type takes tags when its schema says it is taggable, or when it simply has a Tags property.
  if (!definition || (schema.tagging?.taggable === false && property !== 'Tags')) continue;
  const ref = definition['$ref'];
  if (typeof ref === 'string') definition = schema.definitions?.[ref.split('/').pop()!] ?? definition;
  const kind = definition['type'];
  const isList = kind === 'array' || (Array.isArray(kind) && kind.includes('array'));
  types[type] = isList ? property : `${property}:map`;
}

writeFileSync(
  new URL('../specs/rules/tagging/taggable-types.json', import.meta.url),
  `${JSON.stringify({ source: `cfn-lint ${version} provider schemas (us-east-1)`, format: 'type -> tag property; ":map" when tags are a key/value object', types }, null, 1)}\n`,
);
console.log(`${Object.keys(types).length} taggable types from cfn-lint ${version}`);
