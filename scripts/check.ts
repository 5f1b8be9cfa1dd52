// `npm run check -- <template.yaml|template.json> [--format text|json|sarif|junit] [--pack generic|backup-stack ...] [--output FILE]`
// Runs every compliance rule on any template. Exit 0 clean, 1 findings, 2 unusable input (one line on stderr).
import { readFile, writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { loadTemplate, TemplateLoadError } from './lib/cfn/template.ts';
import { RULES } from '../specs/rules/index.ts';
import { runRules, active } from '../specs/rules/engine.ts';
import type { Pack } from '../specs/rules/types.ts';
import { FORMATS, declarationLines, render, summaryLine, type Format } from './lib/check-report.ts';
import { cliProgram, failAndExit, internalError, userPath } from './lib/cli.ts';

const PACKS: Pack[] = ['generic', 'backup-stack'];

interface Options {
  format: Format;
  pack?: Pack[];
  output?: string;
}

async function main(argv: string[]): Promise<number> {
  const program = cliProgram('npm run check --', 'Run the compliance rules on a CloudFormation template (YAML or JSON).')
    .argument('<template>', 'template file (.yaml, .yml, .json or .template); relative to where you ran npm')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .addOption(new Option('-p, --pack <pack...>', 'only rules of these packs (default: all)').choices(PACKS))
    .option('-o, --output <file>', 'write the report to FILE (the summary line still goes to stdout)');
  program.parse(argv, { from: 'user' });
  // Reported as the user typed it; read from where the user ran npm.
  const given = program.args[0]!;
  const path = userPath(given);
  const options = program.opts<Options>();
  const output = options.output === undefined ? undefined : userPath(options.output);

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
  const report = {
    template: given,
    rules,
    findings,
    lines: declarationLines(text, Object.keys(template.resources)),
    elapsedMs: performance.now() - started,
  };
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
  return active(findings).length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  internalError,
);
