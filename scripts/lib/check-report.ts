// Renders the findings of `npm run check` as text, JSON, SARIF 2.1.0 or JUnit XML. Pure functions over
// the findings and the rules that ran, so the specs can call them directly.
import type { Finding, Rule, Severity } from '../../specs/rules/types.ts';
import type { BaselineEntry } from './check-baseline.ts';
import type { Suppression } from '../../specs/rules/suppressions.ts';
import { MAX_SHOWN_ID, plural, shortId, xml } from './check-format.ts';
import { junitSkipped, justification, suppressionEntries, suppressionLines } from './check-suppressions.ts';

export const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

/** `--fail-on`: the lowest severity that fails the check (exit 1). Lower ones are reported and pass. */
export const FAIL_ON = ['error', 'warning'] as const satisfies readonly Severity[];
export type FailOn = (typeof FAIL_ON)[number];

/** SARIF `security-severity` per severity (GitHub code scanning: 7.0-8.9 high, 4.0-6.9 medium). */
export const SECURITY_SEVERITY: Record<Severity, string> = { error: '7.5', warning: '5.0' };

export interface CheckReport {
  template: string;
  rules: readonly Rule[];
  /** Every finding, suppressed ones included (they carry `suppressed.reason`). */
  findings: Finding[];
  /** Logical id -> 1-based line where it is declared, when known. */
  lines?: Record<string, number>;
  elapsedMs?: number;
  /** The lowest severity that fails the check; default error. */
  failOn?: FailOn;
  /** With `--baseline`: the file as the user named it, the findings it already has, and its entries for this template that no longer occur. */
  baseline?: { file: string; matched: ReadonlySet<Finding>; gone: readonly BaselineEntry[] };
  /** With `--write-baseline`: the file as the user named it and how many entries were written. */
  baselineWritten?: { file: string; count: number };
  /** With `--show-suppressed`: every suppression the template declares, whether it counts or not. */
  suppressions?: readonly Suppression[];
}

/** Severities at or above the threshold. */
function fails(severity: Severity, failOn: FailOn = 'error'): boolean {
  return failOn === 'warning' || severity === 'error';
}

/** A finding that counts: neither suppressed in the template nor already in the baseline. */
export function isActive(report: CheckReport, f: Finding): boolean {
  return !f.suppressed && !report.baseline?.matched.has(f);
}

/** The active findings that fail the check at its --fail-on threshold: exit 1 when there is any. */
export function failing(report: CheckReport): Finding[] {
  return report.findings.filter((f) => isActive(report, f) && fails(f.severity, report.failOn));
}

export function summary(report: CheckReport): {
  active: number;
  errors: number;
  warnings: number;
  suppressed: number;
  rules: number;
  failing: number;
  baseline: number;
  gone: number;
} {
  const active = report.findings.filter((f) => isActive(report, f));
  return {
    active: active.length,
    errors: active.filter((f) => f.severity === 'error').length,
    warnings: active.filter((f) => f.severity === 'warning').length,
    suppressed: report.findings.filter((f) => f.suppressed).length,
    rules: report.rules.length,
    failing: failing(report).length,
    baseline: report.baseline?.matched.size ?? 0,
    gone: report.baseline?.gone.length ?? 0,
  };
}


export function summaryLine(report: CheckReport): string {
  const s = summary(report);
  const counts = `${plural(s.active, report.baseline ? 'new finding' : 'finding')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')})`;
  const verdict = s.active === 0 ? 'clean' : s.failing === 0 ? `${counts}, none at --fail-on ${report.failOn ?? 'error'}` : counts;
  const baseline = report.baseline
    ? `; ${plural(s.baseline, 'baseline finding')} suppressed${s.gone > 0 ? `; ${s.gone} baseline ${s.gone === 1 ? 'entry' : 'entries'} gone` : ''}`
    : '';
  const written = report.baselineWritten ? `; ${plural(report.baselineWritten.count, 'finding')} written to baseline ${report.baselineWritten.file}` : '';
  const time = report.elapsedMs === undefined ? '' : ` in ${report.elapsedMs.toFixed(0)} ms`;
  return `${report.template}: ${verdict}; ${s.suppressed} suppressed${baseline}${written}; ${plural(s.rules, 'rule')} checked${time}`;
}


/** Rule id -> its one-line remediation, for the rules that ran. */
function remediations(report: CheckReport): Map<string, string> {
  return new Map(report.rules.map((r) => [r.id, r.remediation]));
}

/** A finding as the JSON report lists it: with its rule's remediation when the rule ran. */
function withRemediation(f: Finding, remediation: Map<string, string>): Finding & { remediation?: string } {
  const fix = remediation.get(f.ruleId);
  return fix ? { ...f, remediation: fix } : f;
}

export function renderText(report: CheckReport): string {
  const out: string[] = [];
  const active = report.findings.filter((f) => isActive(report, f));
  const suppressed = report.findings.filter((f) => f.suppressed);
  const gone = report.baseline?.gone ?? [];
  // A message may name a long id too (its own or another resource's).
  const longIds = [...new Set(report.findings.map((f) => f.logicalId.replace(/^(Parameters|Outputs|Mappings|Conditions)\./, '')))]
    .filter((id) => id.length > MAX_SHOWN_ID)
    .sort((a, b) => b.length - a.length);
  const shortened = (text: string) => longIds.reduce((t, id) => t.split(id).join(shortId(id)), text);
  const remediation = remediations(report);
  for (const f of active) {
    out.push(`${f.severity.toUpperCase().padEnd(7)} ${f.ruleId}  ${shortId(f.logicalId)}  ${shortened(f.path) || '-'}  ${shortened(f.message)}`);
    const fix = remediation.get(f.ruleId);
    if (fix) out.push(`${' '.repeat(8)}fix: ${fix}`);
  }
  if (suppressed.length > 0) {
    if (active.length > 0) out.push('');
    for (const f of suppressed) out.push(`SUPPRESSED ${f.severity.toUpperCase().padEnd(7)} ${f.ruleId}  ${shortId(f.logicalId)}  ${shortened(f.path) || '-'}  (${justification(f.suppressed!)})`);
  }
  if (report.suppressions && report.suppressions.length > 0) {
    if (out.length > 0) out.push('');
    out.push(...suppressionLines(report.suppressions, report.findings));
  }
  if (gone.length > 0) {
    if (out.length > 0) out.push('');
    for (const e of gone) {
      out.push(`GONE    ${e.severity.toUpperCase().padEnd(7)} ${e.ruleId}  ${shortId(e.logicalId)}  ${e.path || '-'}  (in baseline ${report.baseline!.file}, no longer found)`);
    }
  }
  if (out.length > 0) out.push('');
  out.push(summaryLine(report));
  return `${out.join('\n')}\n`;
}

export function renderJson(report: CheckReport): string {
  return `${JSON.stringify(jsonReport(report), null, 2)}\n`;
}

/** The JSON report of one template, as an object (renderJson prints it; the many-file report lists them). */
export function jsonReport(report: CheckReport): object {
  const s = summary(report);
  const remediation = remediations(report);
  return {
      template: report.template,
      failOn: report.failOn ?? 'error',
      summary: { findings: s.active, errors: s.errors, warnings: s.warnings, failing: s.failing, suppressed: s.suppressed, rules: s.rules },
      findings: report.findings.filter((f) => isActive(report, f)).map((f) => withRemediation(f, remediation)),
      suppressed: report.findings.filter((f) => f.suppressed).map((f) => ({ ...withRemediation(f, remediation), reason: f.suppressed!.reason })),
      ...(report.baseline
        ? {
            baseline: {
              file: report.baseline.file,
              suppressed: report.findings.filter((f) => report.baseline!.matched.has(f)).map((f) => withRemediation(f, remediation)),
              gone: report.baseline.gone,
            },
          }
        : {}),
      ...(report.baselineWritten ? { baselineWritten: report.baselineWritten } : {}),
      ...(report.suppressions ? { suppressions: suppressionEntries(report.suppressions, report.findings) } : {}),
  };
}

export function sarifRules(report: CheckReport) {
  return report.rules.map((r) => ({
    id: r.id,
    name: r.id,
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    help: { text: r.remediation },
    defaultConfiguration: { level: r.severity === 'error' ? 'error' : 'warning' },
    properties: { pack: r.pack, resourceTypes: r.resourceTypes, tags: [r.pack], severity: r.severity, 'security-severity': SECURITY_SEVERITY[r.severity] },
  }));
}

/** The SARIF results of one template; `artifactIndex` when the run lists several artifacts. */
export function sarifResults(report: CheckReport, artifactIndex?: number) {
  const index = new Map(report.rules.map((r, i) => [r.id, i]));
  return report.findings.map((f) => {
    const line = report.lines?.[f.logicalId];
    return {
      ruleId: f.ruleId,
      ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
      level: f.severity === 'error' ? 'error' : 'warning',
      message: { text: `${f.logicalId}${f.path ? ` ${f.path}` : ''}: ${f.message}` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: sarifUri(report.template), ...(artifactIndex === undefined ? {} : { index: artifactIndex }) },
            ...(line ? { region: { startLine: line } } : {}),
          },
          logicalLocations: [{ name: f.logicalId, fullyQualifiedName: f.path ? `${f.logicalId}.${f.path}` : f.logicalId, kind: 'resource' }],
        },
      ],
      partialFingerprints: { logicalPath: `${f.ruleId}/${f.logicalId}/${f.path}` },
      properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity] },
      ...(report.baseline ? { baselineState: report.baseline.matched.has(f) ? 'unchanged' : 'new' } : {}),
      ...(f.suppressed
        ? { suppressions: [{ kind: 'inSource', justification: justification(f.suppressed) }] }
        : report.baseline?.matched.has(f)
          ? { suppressions: [{ kind: 'external', justification: `in baseline ${report.baseline.file}` }] }
          : {}),
    };
  });
}

export const SARIF_DRIVER = { name: 'document-backup-stack-check', informationUri: 'https://github.com/document-backup-stack', semanticVersion: '0.1.0' };

/** A path as a SARIF artifact URI: `/` separators (a relative path is a relative reference). */
export function sarifUri(path: string): string {
  return path.split('\\').join('/');
}

export function renderSarif(report: CheckReport): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { ...SARIF_DRIVER, rules: sarifRules(report) } },
        artifacts: [{ location: { uri: sarifUri(report.template) } }],
        results: sarifResults(report),
        properties: {
          failOn: report.failOn ?? 'error',
          ...(report.baseline ? { baseline: { file: report.baseline.file, gone: report.baseline.gone } } : {}),
          ...(report.suppressions ? { suppressions: suppressionEntries(report.suppressions, report.findings) } : {}),
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}


/**
 * JUnit XML with one testcase per rule that ran: failed when it has active findings at or above --fail-on
 * (the failure's type is the rule's severity); active findings below it and baseline findings are listed in
 * the testcase's system-out with their severity, so the suite fails exactly when the command exits 1.
 */
export function renderJunit(report: CheckReport): string {
  const suite = junitSuite(report);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="compliance" tests="${suite.tests}" failures="${suite.failures}">`,
    ...suite.lines,
    '</testsuites>',
    '',
  ].join('\n');
}

/** One template's `<testsuite>`: its lines and counts. */
export function junitSuite(report: CheckReport): { lines: string[]; tests: number; failures: number } {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const cases: string[] = [];
  let failures = 0;
  const ruleErrors = report.findings.filter((f) => !report.rules.some((r) => r.id === f.ruleId));
  for (const rule of report.rules) {
    const all = byRule.get(rule.id) ?? [];
    const active = all.filter((f) => isActive(report, f));
    const failed = active.filter((f) => fails(f.severity, report.failOn));
    const passed = active.filter((f) => !fails(f.severity, report.failOn));
    const suppressed = all.filter((f) => f.suppressed);
    const inBaseline = all.filter((f) => report.baseline?.matched.has(f));
    const body: string[] = [];
    if (failed.length > 0) {
      failures++;
      const lines = failed.map((f) => `${f.severity.toUpperCase()} ${f.logicalId} ${f.path}: ${f.message}`).join('\n');
      body.push(`      <failure message="${xml(`${failed.length} ${rule.severity} finding(s)`)}" type="${rule.severity}">${xml(lines)}</failure>`);
    }
    const out = [
      ...passed.map((f) => `${f.severity.toUpperCase()} ${f.logicalId} ${f.path}: ${f.message} (below --fail-on ${report.failOn ?? 'error'})`),
      ...inBaseline.map((f) => `baseline ${f.severity.toUpperCase()} ${f.logicalId} ${f.path}: ${f.message}`),
      ...suppressed.map((f) => `suppressed ${f.severity.toUpperCase()} ${f.logicalId} ${f.path}: ${justification(f.suppressed!)}`),
    ];
    if (out.length > 0) body.push(`      <system-out>${xml(out.join('\n'))}</system-out>`);
    const open = `    <testcase classname="${xml(`compliance.${rule.pack}`)}" name="${xml(`${rule.id}: ${rule.title}`)}" time="0"`;
    cases.push(body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`);
  }
  for (const f of ruleErrors) {
    failures++;
    cases.push(`    <testcase classname="compliance.harness" name="${xml(f.ruleId)}" time="0">\n      <error message="${xml(f.message)}" type="${f.severity}"/>\n    </testcase>`);
  }
  // --show-suppressed: suppressed findings as skipped testcases, so CI report viewers list them with their reason.
  const skipped = report.suppressions ? junitSkipped(report.findings) : [];
  cases.push(...skipped);
  const tests = cases.length;
  return {
    lines: [`  <testsuite name="${xml(report.template)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped.length}">`, ...cases, '  </testsuite>'],
    tests,
    failures,
  };
}

export function render(report: CheckReport, format: Format): string {
  switch (format) {
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'junit':
      return renderJunit(report);
    default:
      return renderText(report);
  }
}

/** Line numbers of resource declarations (`  LogicalId:` in YAML, `"LogicalId": {` in JSON), best effort. */
export function declarationLines(text: string, logicalIds: string[]): Record<string, number> {
  const lines = text.split('\n');
  const out: Record<string, number> = {};
  const wanted = new Set(logicalIds);
  lines.forEach((line, i) => {
    const m = /^\s*"?([A-Za-z0-9]+)"?\s*:\s*(?:\{\s*)?$/.exec(line);
    if (m && wanted.has(m[1]!) && out[m[1]!] === undefined) out[m[1]!] = i + 1;
  });
  return out;
}
