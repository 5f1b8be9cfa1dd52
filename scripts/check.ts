// `npm run check -- <template.yaml|template.json> [--format text|json|sarif|junit] [--pack generic|backup-stack ...] [--output FILE]
//   [--fail-on error|warning] [--baseline FILE | --write-baseline FILE]`
// Runs every compliance rule on any template. Exit 0 clean (or only findings below --fail-on, or only findings
// already in the baseline), 1 findings that fail the check, 2 unusable input (one line on stderr).
import { readFile, writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { loadTemplate, TemplateLoadError } from './lib/cfn/template.ts';
import { RULES } from '../specs/rules/index.ts';
import { runRules } from '../specs/rules/engine.ts';
import type { Pack } from '../specs/rules/types.ts';
import { FAIL_ON, FORMATS, declarationLines, failing, render, summaryLine, type CheckReport, type FailOn, type Format } from './lib/check-report.ts';
import { BaselineError, baselineOf, compareWithBaseline, readBaseline, writeBaseline } from './lib/check-baseline.ts';
import { cliProgram, displayPath, failAndExit, internalError, userPath } from './lib/cli.ts';

const PACKS: Pack[] = ['generic', 'backup-stack'];

interface Options {
  format: Format;
  pack?: Pack[];
  output?: string;
  failOn: FailOn;
  baseline?: string;
  writeBaseline?: string;
}

async function main(argv: string[]): Promise<number> {
  const program = cliProgram('npm run check --', 'Run the compliance rules on a CloudFormation template (YAML or JSON).')
    .argument('<template>', 'template file (.yaml, .yml, .json or .template); relative to where you ran npm')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .addOption(new Option('-p, --pack <pack...>', 'only rules of these packs (default: all)').choices(PACKS))
    .option('-o, --output <file>', 'write the report to FILE (the summary line still goes to stdout)')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the check (exit 1); lower ones are reported and pass').choices(FAIL_ON).default('error'))
    .addOption(new Option('--baseline <file>', 'report and fail only on findings not in this baseline; list its entries that no longer occur').conflicts('writeBaseline'))
    .option('--write-baseline <file>', "record this template's findings as the baseline in FILE (and exit 0)");
  program.parse(argv, { from: 'user' });
  // Reported as the user typed it; read from where the user ran npm.
  const given = program.args[0]!;
  const path = userPath(given);
  const options = program.opts<Options>();
  const output = options.output === undefined ? undefined : userPath(options.output);
  // The key a baseline stores: the template relative to where the user ran the command, so it holds in any checkout.
  const templateKey = displayPath(path);
  let baseline;
  if (options.baseline !== undefined) {
    try {
      baseline = await readBaseline(userPath(options.baseline), options.baseline);
    } catch (error) {
      if (error instanceof BaselineError) failAndExit(error.message, 2);
      throw error;
    }
  }

  const started = performance.now();
  let template;
  try {
    template = await loadTemplate(path);
  } catch (error) {
    if (error instanceof TemplateLoadError) failAndExit(error.message, 2);
    throw error;
  }
  const rules = options.pack ? RULES.filter((r) => options.pack!.includes(r.pack)) : RULES;
  // The one place the date enters: the runtime rules compare their table against the day the check runs.
  const findings = runRules(template, rules, { today: new Date() });
  const text = await readFile(path, 'utf8');
  const report: CheckReport = {
    template: given,
    rules,
    findings,
    lines: declarationLines(text, Object.keys(template.resources)),
    failOn: options.failOn,
  };
  if (baseline) {
    const { matched, gone } = compareWithBaseline(templateKey, findings, baseline);
    report.baseline = { file: options.baseline!, matched, gone };
  }
  if (options.writeBaseline !== undefined) {
    const recorded = baselineOf(templateKey, findings);
    try {
      await writeBaseline(userPath(options.writeBaseline), options.writeBaseline, recorded);
    } catch (error) {
      if (error instanceof BaselineError) failAndExit(error.message, 2);
      throw error;
    }
    report.baselineWritten = { file: options.writeBaseline, count: recorded.findings.length };
  }
  report.elapsedMs = performance.now() - started;
  const rendered = render(report, options.format);
  if (output) {
    try {
      await writeFile(output, rendered);
    } catch (error) {
      failAndExit(`--output ${options.output}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, 2);
    }
    process.stdout.write(`${summaryLine(report)}\n`);
  } else {
    process.stdout.write(rendered);
  }
  // Written down, today's findings are accepted: a run with this baseline would find nothing new.
  if (report.baselineWritten) return 0;
  return failing(report).length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  internalError,
);
