// Renders a run over several templates (a directory, a glob, several paths): a section per template, the
// files skipped, the run's totals; one SARIF run with an artifact per template, one JUnit suite per template.
import {
  SARIF_DRIVER,
  failing,
  jsonReport,
  junitSuite,
  renderText,
  sarifResults,
  sarifRules,
  sarifUri,
  summary,
  type CheckReport,
  type FailOn,
  type Format,
} from './check-report.ts';
import { plural, xml } from './check-format.ts';
import { suppressionEntries } from './check-suppressions.ts';

/** A file a directory or glob scan found but did not check: not YAML or JSON by its name, or not a template. */
export interface SkippedFile {
  /** As displayPath shows it. */
  file: string;
  /** Why, for a file that was read (the loader's one-line message); absent for a file not read (its extension). */
  reason?: string;
}

/**
 * The report of a run over several templates (a directory, a glob, several paths): one CheckReport per template,
 * in order, the files skipped, and the run's totals. The exit code is 1 when any template fails.
 */
export interface ManyReport {
  reports: CheckReport[];
  skipped: SkippedFile[];
  failOn?: FailOn;
  elapsedMs?: number;
  /** With `--write-baseline`: the file and how many entries were written for all the templates. */
  baselineWritten?: { file: string; count: number };
}

export function manyFailing(many: ManyReport): boolean {
  return many.reports.some((r) => failing(r).length > 0);
}

export function manySummary(many: ManyReport) {
  const each = many.reports.map(summary);
  const sum = (k: keyof ReturnType<typeof summary>) => each.reduce((n, s) => n + s[k], 0);
  return {
    templates: many.reports.length,
    failing: many.reports.filter((r) => failing(r).length > 0).length,
    skipped: many.skipped.length,
    findings: sum('active'),
    errors: sum('errors'),
    warnings: sum('warnings'),
    suppressed: sum('suppressed'),
    baseline: sum('baseline'),
    gone: sum('gone'),
    rules: many.reports[0]?.rules.length ?? 0,
  };
}

/** `3 templates: 1 failing, 2 passing; 5 findings (2 errors, 3 warnings); 4 suppressed; 1 file skipped; 40 rules checked in 90 ms` */
export function manySummaryLine(many: ManyReport): string {
  const s = manySummary(many);
  const baseline = s.baseline > 0 || s.gone > 0 || many.reports.some((r) => r.baseline)
    ? `; ${plural(s.baseline, 'baseline finding')} suppressed${s.gone > 0 ? `; ${s.gone} baseline ${s.gone === 1 ? 'entry' : 'entries'} gone` : ''}`
    : '';
  const written = many.baselineWritten ? `; ${plural(many.baselineWritten.count, 'finding')} written to baseline ${many.baselineWritten.file}` : '';
  const time = many.elapsedMs === undefined ? '' : ` in ${many.elapsedMs.toFixed(0)} ms`;
  return (
    `${plural(s.templates, 'template')}: ${s.failing} failing, ${s.templates - s.failing} passing at --fail-on ${many.failOn ?? 'error'}; ` +
    `${plural(s.findings, 'finding')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}); ${s.suppressed} suppressed${baseline}; ` +
    `${plural(s.skipped, 'file')} skipped${written}; ${plural(s.rules, 'rule')} checked${time}`
  );
}

/** A section per template (`== path ==` then its report, ending with its summary line), the skipped files, the totals. */
export function renderManyText(many: ManyReport): string {
  const out: string[] = [];
  for (const report of many.reports) out.push(`== ${report.template} ==\n${renderText(report)}`);
  const read = many.skipped.filter((f) => f.reason);
  if (read.length > 0) out.push(`${read.map((f) => `SKIPPED ${f.file}  (${f.reason})`).join('\n')}\n`);
  out.push(`${manySummaryLine(many)}\n`);
  return out.join('\n');
}

/** JSON: an object with `templates` (each the single-template JSON report), `skipped` and the run's `summary`. */
export function renderManyJson(many: ManyReport): string {
  const s = manySummary(many);
  return `${JSON.stringify(
    {
      failOn: many.failOn ?? 'error',
      summary: { templates: s.templates, failing: s.failing, skipped: s.skipped, findings: s.findings, errors: s.errors, warnings: s.warnings, suppressed: s.suppressed, rules: s.rules },
      templates: many.reports.map(jsonReport),
      skipped: many.skipped,
      ...(many.baselineWritten ? { baselineWritten: many.baselineWritten } : {}),
    },
    null,
    2,
  )}\n`;
}

/** SARIF: one run, one artifact per template, every result located in its template (artifactLocation uri + index). */
export function renderManySarif(many: ManyReport): string {
  const first = many.reports[0];
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { ...SARIF_DRIVER, rules: first ? sarifRules(first) : [] } },
        artifacts: many.reports.map((r) => ({ location: { uri: sarifUri(r.template) } })),
        results: many.reports.flatMap((r, i) => sarifResults(r, i)),
        properties: {
          failOn: many.failOn ?? 'error',
          skipped: many.skipped,
          ...(many.reports.some((r) => r.suppressions)
            ? { suppressions: many.reports.flatMap((r) => suppressionEntries(r.suppressions ?? [], r.findings).map((e) => ({ template: r.template, ...e }))) }
            : {}),
          ...(many.reports.some((r) => r.baseline)
            ? { baseline: { file: many.reports.find((r) => r.baseline)!.baseline!.file, gone: many.reports.flatMap((r) => r.baseline?.gone ?? []) } }
            : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/** JUnit: one `<testsuite>` per template (skipped files are not test suites; the text and JSON reports list them). */
export function renderManyJunit(many: ManyReport): string {
  const suites = many.reports.map(junitSuite);
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  return ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="compliance" tests="${tests}" failures="${failures}">`, ...suites.flatMap((s) => s.lines), '</testsuites>', ''].join('\n');
}

export function renderMany(many: ManyReport, format: Format): string {
  switch (format) {
    case 'json':
      return renderManyJson(many);
    case 'sarif':
      return renderManySarif(many);
    case 'junit':
      return renderManyJunit(many);
    default:
      return renderManyText(many);
  }
}
