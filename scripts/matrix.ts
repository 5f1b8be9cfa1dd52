// npm run matrix -- <template> [--format markdown|json] [--partition aws|aws-cn|aws-us-gov] [--param Name=Value ...]
//
// Evaluates the template's identity, bucket, key, queue, topic, trust and function policies with a real
// IAM policy evaluator for a sample deployment and prints the permission matrix. Exit codes:
//   0  every row matches the least-privilege contract (specs/matrix/contract.ts)
//   1  some row differs: each (action, resource) that became allowed or stopped being allowed is named
//   2  unusable input: missing file, not a template, not a backup stack, bad option
import { parseArgs } from 'node:util';
import { CONTRACT } from '../specs/matrix/contract.ts';
import { loadTemplate, TemplateLoadError } from '../specs/support/template.ts';
import { ConcretiseError, isPartition, PARTITIONS, type Partition } from './lib/matrix/concretise.ts';
import { EvaluationError } from './lib/matrix/evaluate.ts';
import { counts, differenceLines, differs, renderJson, renderMarkdown, runMatrix } from './lib/matrix/matrix.ts';
import { StackShapeError } from './lib/matrix/stack.ts';

const USAGE = 'usage: npm run matrix -- <template.yaml|.json> [--format markdown|json] [--partition aws|aws-cn|aws-us-gov] [--param Name=Value]';

class Unusable extends Error {}

function unusable(message: string): never {
  throw new Unusable(message);
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        format: { type: 'string', default: 'markdown' },
        partition: { type: 'string', default: 'aws' },
        param: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    unusable(`${(error as Error).message.split('\n')[0]} (${USAGE})`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) unusable(positionals.length === 0 ? `no template given (${USAGE})` : `one template at a time, got ${positionals.length} (${USAGE})`);
  const format = values.format;
  if (format !== 'markdown' && format !== 'json') unusable(`--format must be markdown or json, not '${format}'`);
  const partition = values.partition;
  if (!isPartition(partition)) unusable(`--partition must be one of ${Object.keys(PARTITIONS).join(', ')}, not '${partition}'`);
  const parameters: Record<string, string> = {};
  for (const p of values.param) {
    const eq = p.indexOf('=');
    if (eq <= 0) unusable(`--param takes Name=Value, not '${p}'`);
    parameters[p.slice(0, eq)] = p.slice(eq + 1);
  }

  const started = performance.now();
  let result;
  try {
    const template = await loadTemplate(positionals[0]!);
    result = await runMatrix(template, CONTRACT, { partition: partition as Partition, parameters });
  } catch (error) {
    if (error instanceof TemplateLoadError || error instanceof StackShapeError || error instanceof ConcretiseError || error instanceof EvaluationError) {
      unusable(error.message);
    }
    throw error;
  }
  process.stdout.write(format === 'json' ? renderJson(result) : renderMarkdown(result));
  const c = counts(result);
  const role = c.byPrincipal['backup role'] ?? { allowed: 0, denied: 0 };
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (differs(result)) {
    const lines = differenceLines(result);
    process.stderr.write(`matrix: ${lines.length} row(s) differ from the contract (${result.partition}, ${seconds}s):\n`);
    for (const line of lines) process.stderr.write(`  ${line}\n`);
    return 1;
  }
  process.stderr.write(
    `matrix: ${c.rows} rows match the contract (${result.partition}, ${seconds}s); backup role: ${role.allowed} allowed, ${role.denied} denied\n`,
  );
  return 0;
}

// exitCode, not process.exit(): a piped stdout is written asynchronously and exit() would cut it short.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof Unusable) {
      process.stderr.write(`matrix: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`matrix: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  },
);
