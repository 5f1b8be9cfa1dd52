// `npm run check -- PATH... [--format text|json|sarif|junit] [--pack generic|backup-stack ...] [--output FILE]
//   [--fail-on error|warning] [--baseline FILE | --write-baseline FILE] [--parameters Key=Value ...] [--parameters-file FILE]
//   [--show-suppressed] [--required-tags TAG...] [--config FILE]`
// Runs every compliance rule on any template; a PATH is a template, a directory (searched recursively) or a glob.
// Exit 0 clean (or only findings below --fail-on, or only findings already in the baseline), 1 findings that
// fail the check in any template, 2 unusable input (one line on stderr, before anything is checked).
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Option } from 'commander';
import { loadTemplate, TemplateLoadError, type Template } from './lib/cfn/template.ts';
import { namingOrigins } from './lib/cfn/transforms/index.ts';
import { RULES } from '../specs/rules/index.ts';
import { runRules } from '../specs/rules/engine.ts';
import { declaredSuppressions } from '../specs/rules/suppressions.ts';
import type { Pack } from '../specs/rules/types.ts';
import {
  FAIL_ON,
  FORMATS,
  declarationLines,
  failing,
  render,
  summaryLine,
  type CheckReport,
  type FailOn,
  type Format,
} from './lib/check-report.ts';
import { manyFailing, manySummaryLine, renderMany, type ManyReport, type SkippedFile } from './lib/check-report-many.ts';
import { BaselineError, baselineOf, compareWithBaseline, mergeBaselines, readBaseline, writeBaseline, type Baseline } from './lib/check-baseline.ts';
import { InputError, expandPaths, parameterWord, parametersFor, readConfigFile, readParametersFile, requiredTagsArg } from './lib/check-inputs.ts';
import { requiredTagsFor } from '../specs/rules/tagging/tags.ts';
import { cliProgram, displayPath, failAndExit, internalError, invocationDir, userPath } from './lib/cli.ts';

const PACKS: Pack[] = ['generic', 'backup-stack'];

interface Options {
  format: Format;
  pack?: Pack[];
  output?: string;
  failOn: FailOn;
  baseline?: string;
  writeBaseline?: string;
  parameters: Record<string, string>;
  parametersFile?: string;
  showSuppressed: boolean;
  requiredTags?: string[];
  config?: string;
}

/** Runs `fn`, turning the input errors it may throw into one `error: ` line and exit 2. */
async function usable<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InputError || error instanceof BaselineError || error instanceof TemplateLoadError) failAndExit(error.message, 2);
    throw error;
  }
}

async function main(argv: string[]): Promise<number> {
  const program = cliProgram('npm run check --', 'Run the compliance rules on CloudFormation templates (YAML or JSON).')
    .argument(
      '[paths...]',
      'templates (.yaml, .yml, .json or .template), directories (searched recursively; files that are not templates are skipped and counted) or quoted globs; relative to where you ran npm',
    )
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .addOption(new Option('-p, --pack <pack...>', 'only rules of these packs (default: all)').choices(PACKS))
    .option('-o, --output <file>', 'write the report to FILE (the summary line still goes to stdout)')
    .addOption(new Option('--fail-on <severity>', 'lowest severity that fails the check (exit 1); lower ones are reported and pass').choices(FAIL_ON).default('error'))
    .addOption(new Option('--baseline <file>', 'report and fail only on findings not in this baseline; list its entries that no longer occur').conflicts('writeBaseline'))
    .option('--write-baseline <file>', "record the templates' findings as the baseline in FILE (and exit 0)")
    .option(
      '--parameters <Key=Value...>',
      "parameter values (or ParameterKey=K,ParameterValue=V) that replace those parameters' scenarios; each must satisfy the parameter's constraints; put the paths before this flag",
      parameterWord,
      {},
    )
    .option(
      '--parameters-file <file>',
      'parameter values from a CloudFormation CLI JSON file ([{"ParameterKey":..,"ParameterValue":..}]) or a cfn-lint deployment file (template-file-path, parameters); --parameters override it',
    )
    .option('--show-suppressed', "list every suppression in the templates' Metadata: its reason, expiry and whether it counts", false)

    .option('--required-tags <tag...>', 'tag keys every taggable resource must carry (several words or comma-separated; default none in the generic pack); overrides the config file')
    .option('--config <file>', 'settings from a JSON or YAML file: requiredTags (a list of tag keys)');
  program.parse(argv, { from: 'user' });
  const options = program.opts<Options>();
  const output = options.output === undefined ? undefined : userPath(options.output);
  let baseline: Baseline | undefined;
  if (options.baseline !== undefined) baseline = await usable(() => readBaseline(userPath(options.baseline!), options.baseline!));
  const fromFile = options.parametersFile === undefined ? undefined : await usable(() => readParametersFile(userPath(options.parametersFile!), options.parametersFile!));
  const parameters = { ...fromFile?.values, ...options.parameters };
  const config = options.config === undefined ? {} : await usable(() => readConfigFile(userPath(options.config!), options.config!));
  const configured = options.requiredTags === undefined ? config.requiredTags : await usable(() => requiredTagsArg(options.requiredTags!));
  // Reported as the user typed it; read from where the user ran npm. A deployment file names its template.
  const given = program.args.length > 0 ? program.args : fromFile?.template !== undefined ? [fromFile.template] : [];
  if (given.length === 0) failAndExit('no template given: name a template, a directory or a glob (see --help)', 2);

  const started = performance.now();
  const candidates = await usable(() => expandPaths(given, invocationDir(), userPath));
  // One file named on the command line: the single-template report, as it always was.
  const single = given.length === 1 && candidates.length === 1 && candidates[0]!.explicit;
  const templates: Array<{ path: string; name: string; template: Template }> = [];
  const skipped: SkippedFile[] = [];
  const found = new Map<string, number>();
  for (const c of candidates) {
    found.set(c.from, found.get(c.from) ?? 0);
    if (!c.readable) {
      skipped.push({ file: displayPath(c.path) });
      continue;
    }
    try {
      templates.push({ path: c.path, name: single ? given[0]! : displayPath(c.path), template: await loadTemplate(c.path, parameters) });
      found.set(c.from, found.get(c.from)! + 1);
    } catch (error) {
      if (!(error instanceof TemplateLoadError)) throw error;
      // Named as a file: unusable input. Found by a scan: skipped, with the reason in the report.
      if (c.explicit) failAndExit(error.message, 2);
      skipped.push({ file: displayPath(c.path), reason: error.message.replace(`${c.path}: `, '') });
    }
  }
  // Every path given must lead to a template: a directory or glob with none is a mistake, not a pass.
  for (const arg of given) {
    if ((found.get(arg) ?? 0) > 0) continue;
    const passed = candidates.filter((c) => c.from === arg).length;
    const where = statSync(userPath(arg), { throwIfNoEntry: false })?.isDirectory() ? 'not a file but a directory with no template in it' : 'matches no template';
    failAndExit(`${arg}: ${where} (${passed} file${passed === 1 ? '' : 's'} skipped)`, 2);
  }
  const values = await usable(() => (Object.keys(parameters).length === 0 ? templates.map(() => ({})) : parametersFor(templates, parameters)));

  const rules = options.pack ? RULES.filter((r) => options.pack!.includes(r.pack)) : RULES;
  const settings = { requiredTags: requiredTagsFor(configured, options.pack ?? PACKS) };
  const reports: CheckReport[] = [];
  // The one place the date enters: runtime rules and suppression expiry compare against the day the check runs.
  const today = new Date();
  const recorded: Baseline[] = [];
  for (const [i, { path, name, template }] of templates.entries()) {
    const began = performance.now();
    // The key a baseline stores: the template relative to where the user ran the command, so it holds in any checkout.
    const templateKey = displayPath(path);
    const findings = namingOrigins(template.resources, runRules(template, rules, { today, parameters: values[i], settings }));
    const text = await readFile(path, 'utf8');
    const report: CheckReport = { template: name, rules, findings, lines: declarationLines(text, Object.keys(template.resources)), failOn: options.failOn };
    if (options.showSuppressed) report.suppressions = declaredSuppressions(template, today);
    if (baseline) {
      const { matched, gone } = compareWithBaseline(templateKey, findings, baseline);
      report.baseline = { file: options.baseline!, matched, gone };
    }
    if (options.writeBaseline !== undefined) recorded.push(baselineOf(templateKey, findings));
    if (!single) report.elapsedMs = performance.now() - began;
    reports.push(report);
  }
  let written: { file: string; count: number } | undefined;
  if (options.writeBaseline !== undefined) {
    const all = mergeBaselines(recorded);
    await usable(() => writeBaseline(userPath(options.writeBaseline!), options.writeBaseline!, all));
    written = { file: options.writeBaseline, count: all.findings.length };
  }
  let rendered: string;
  let summary: string;
  let fails: boolean;
  if (single) {
    const report = reports[0]!;
    if (written) report.baselineWritten = written;
    report.elapsedMs = performance.now() - started;
    rendered = render(report, options.format);
    summary = summaryLine(report);
    fails = failing(report).length > 0;
  } else {
    const many: ManyReport = { reports, skipped, failOn: options.failOn, ...(written ? { baselineWritten: written } : {}) };
    many.elapsedMs = performance.now() - started;
    rendered = renderMany(many, options.format);
    summary = manySummaryLine(many);
    fails = manyFailing(many);
  }
  if (output) {
    try {
      await writeFile(output, rendered);
    } catch (error) {
      failAndExit(`--output ${options.output}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, 2);
    }
    process.stdout.write(`${summary}\n`);
  } else {
    process.stdout.write(rendered);
  }
  // Written down, today's findings are accepted: a run with this baseline would find nothing new.
  if (written) return 0;
  return fails ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  internalError,
);
