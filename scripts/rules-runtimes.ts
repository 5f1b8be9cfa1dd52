// Dev-time generator (not used at runtime): reads cfn-lint's dated Lambda runtime lifecycle table
// (data/AdditionalSpecs/LmbdRuntimeLifecycle.json, the file its W2531/E2531/E2533 read, which follows
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html) from the project's venv and writes
// specs/rules/lambda/runtimes.json, the table LAMBDA-RUNTIME-DEPRECATED and LAMBDA-RUNTIME-EXPIRING use.
//   npx tsx scripts/rules-runtimes.ts [path/to/site-packages/cfnlint]
// The output format is stable: runtimes sorted by id, each with deprecated, createBlocked, updateBlocked
// (ISO dates or null) and successor (a runtime id or null).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cfnlintFromArgs } from './lib/cfnlint-data.ts';

const { dir: cfnlint, version } = cfnlintFromArgs('rules-runtimes', "Regenerate specs/rules/lambda/runtimes.json from cfn-lint's Lambda runtime lifecycle table.");
const source = JSON.parse(readFileSync(join(cfnlint, 'data', 'AdditionalSpecs', 'LmbdRuntimeLifecycle.json'), 'utf8')) as Record<
  string,
  { deprecated?: string | null; 'create-block'?: string | null; 'update-block'?: string | null; successor?: string | null }
>;

const ISO = /^\d{4}-\d{2}-\d{2}$/;
const date = (runtime: string, field: string, value: unknown): string | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !ISO.test(value)) throw new Error(`${runtime}.${field}: ${JSON.stringify(value)} is not an ISO date`);
  return value;
};

const runtimes: Record<string, { deprecated: string | null; createBlocked: string | null; updateBlocked: string | null; successor: string | null }> = {};
for (const [id, entry] of Object.entries(source).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  runtimes[id] = {
    deprecated: date(id, 'deprecated', entry.deprecated),
    createBlocked: date(id, 'create-block', entry['create-block']),
    updateBlocked: date(id, 'update-block', entry['update-block']),
    successor: typeof entry.successor === 'string' ? entry.successor : null,
  };
}

const rows = Object.entries(runtimes).map(([id, r]) => `  ${JSON.stringify(id)}: ${JSON.stringify(r)}`);
writeFileSync(
  new URL('../specs/rules/lambda/runtimes.json', import.meta.url),
  [
    '{',
    ` "source": ${JSON.stringify(`cfn-lint ${version} data/AdditionalSpecs/LmbdRuntimeLifecycle.json`)},`,
    ' "format": "runtime -> ISO dates (or null): deprecated (no more patches), createBlocked, updateBlocked; successor: the runtime to move to",',
    ' "runtimes": {',
    rows.join(',\n'),
    ' }',
    '}',
    '',
  ].join('\n'),
);
console.log(`${rows.length} Lambda runtimes from cfn-lint ${version}`);
