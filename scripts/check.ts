// `npm run check -- <template.yaml|template.json> [--format text|json|sarif|junit] [--pack generic|backup-stack ...] [--output FILE]`
// Runs every compliance rule on any template. Exit 0 clean, 1 findings, 2 unusable input (one line on stderr).
import { readFile, writeFile } from 'node:fs/promises';
import { Command, CommanderError, Option } from 'commander';
import { loadTemplate, TemplateLoadError } from '../specs/support/template.ts';
import { RULES } from '../specs/rules/index.ts';
import { runRules, active } from '../specs/rules/runner.ts';
import type { Pack } from '../specs/rules/types.ts';
import { FORMATS, declarationLines, render, summaryLine, type Format } from './lib/check-report.ts';
import { failAndExit } from './lib/cli.ts';

const PACKS: Pack[] = ['generic', 'backup-stack'];

interface Options {
  format: Format;
  pack?: Pack[];
  output?: string;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('check')
    .description('Run the compliance rules on a CloudFormation template (YAML or JSON).')
    .argument('<template>', 'template file (.yaml, .yml, .json or .template)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .addOption(new Option('-p, --pack <pack...>', 'only rules of these packs (default: all)').choices(PACKS))
    .option('-o, --output <file>', 'write the report to FILE (the summary line still goes to stdout)')
    .exitOverride()
    .configureOutput({
      writeErr: () => {},
      outputError: () => {},
    })
    .showHelpAfterError(false);

  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      failAndExit(`${error.message.replace(/^error:\s*/, '').split('\n')[0]} (see --help)`, 2);
    }
    throw error;
  }
  const path = program.args[0]!;
  const options = program.opts<Options>();

  const started = performance.now();
  let template;
  try {
    template = await loadTemplate(path);
  } catch (error) {
    if (error instanceof TemplateLoadError) failAndExit(error.message, 2);
    throw error;
  }
  const rules = options.pack ? RULES.filter((r) => options.pack!.includes(r.pack)) : RULES;
  const findings = runRules(template, rules);
  const text = await readFile(path, 'utf8');
  const report = {
    template: path,
    rules,
    findings,
    lines: declarationLines(text, Object.keys(template.resources)),
    elapsedMs: performance.now() - started,
  };
  const output = render(report, options.format);
  if (options.output) {
    await writeFile(options.output, output);
    process.stdout.write(`${summaryLine(report)}\n`);
  } else {
    process.stdout.write(output);
  }
  return active(findings).length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => failAndExit(`check failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 2),
);
