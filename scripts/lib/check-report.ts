// Renders the findings of `npm run check` as text, JSON, SARIF 2.1.0 or JUnit XML. Pure functions over
// the findings and the rules that ran, so the specs can call them directly.
import type { Finding, Rule } from '../../specs/rules/types.ts';

export const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

export interface CheckReport {
  template: string;
  rules: readonly Rule[];
  /** Every finding, suppressed ones included (they carry `suppressed.reason`). */
  findings: Finding[];
  /** Logical id -> 1-based line where it is declared, when known. */
  lines?: Record<string, number>;
  elapsedMs?: number;
}

export function summary(report: CheckReport): { active: number; errors: number; warnings: number; suppressed: number; rules: number } {
  const active = report.findings.filter((f) => !f.suppressed);
  return {
    active: active.length,
    errors: active.filter((f) => f.severity === 'error').length,
    warnings: active.filter((f) => f.severity === 'warning').length,
    suppressed: report.findings.length - active.length,
    rules: report.rules.length,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(report: CheckReport): string {
  const s = summary(report);
  const verdict = s.active === 0 ? 'clean' : `${plural(s.active, 'finding')} (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')})`;
  const time = report.elapsedMs === undefined ? '' : ` in ${report.elapsedMs.toFixed(0)} ms`;
  return `${report.template}: ${verdict}; ${s.suppressed} suppressed; ${plural(s.rules, 'rule')} checked${time}`;
}

/** Longer logical ids are shortened in the text report: first SHOWN_ID_CHARS characters, then the length. */
export const MAX_SHOWN_ID = 64;
const SHOWN_ID_CHARS = 60;

/**
 * A logical id as the text report shows it: as is up to MAX_SHOWN_ID characters, else its start and its length
 * (`AAAA…(2000 chars)`), so a template with a 2,000-character id does not get a report that repeats it per finding.
 * `Parameters.X`-style ids keep their section. The JSON, SARIF and JUnit reports keep the full id.
 */
export function shortId(id: string): string {
  const section = /^(Parameters|Outputs|Mappings|Conditions)\./.exec(id)?.[0] ?? '';
  const name = id.slice(section.length);
  return name.length <= MAX_SHOWN_ID ? id : `${section}${name.slice(0, SHOWN_ID_CHARS)}…(${name.length} chars)`;
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
  const active = report.findings.filter((f) => !f.suppressed);
  const suppressed = report.findings.filter((f) => f.suppressed);
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
    for (const f of suppressed) out.push(`SUPPRESSED ${f.ruleId}  ${shortId(f.logicalId)}  ${shortened(f.path) || '-'}  (${f.suppressed!.reason})`);
  }
  if (out.length > 0) out.push('');
  out.push(summaryLine(report));
  return `${out.join('\n')}\n`;
}

export function renderJson(report: CheckReport): string {
  const s = summary(report);
  const remediation = remediations(report);
  return `${JSON.stringify(
    {
      template: report.template,
      summary: { findings: s.active, errors: s.errors, warnings: s.warnings, suppressed: s.suppressed, rules: s.rules },
      findings: report.findings.filter((f) => !f.suppressed).map((f) => withRemediation(f, remediation)),
      suppressed: report.findings.filter((f) => f.suppressed).map((f) => ({ ...withRemediation(f, remediation), reason: f.suppressed!.reason })),
    },
    null,
    2,
  )}\n`;
}

export function renderSarif(report: CheckReport): string {
  const index = new Map(report.rules.map((r, i) => [r.id, i]));
  const rules = report.rules.map((r) => ({
    id: r.id,
    name: r.id,
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    help: { text: r.remediation },
    defaultConfiguration: { level: r.severity === 'error' ? 'error' : 'warning' },
    properties: { pack: r.pack, resourceTypes: r.resourceTypes, tags: [r.pack] },
  }));
  const results = report.findings.map((f) => {
    const line = report.lines?.[f.logicalId];
    return {
      ruleId: f.ruleId,
      ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
      level: f.severity === 'error' ? 'error' : 'warning',
      message: { text: `${f.logicalId}${f.path ? ` ${f.path}` : ''}: ${f.message}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: report.template }, ...(line ? { region: { startLine: line } } : {}) },
          logicalLocations: [{ name: f.logicalId, fullyQualifiedName: f.path ? `${f.logicalId}.${f.path}` : f.logicalId, kind: 'resource' }],
        },
      ],
      partialFingerprints: { logicalPath: `${f.ruleId}/${f.logicalId}/${f.path}` },
      ...(f.suppressed ? { suppressions: [{ kind: 'inSource', justification: f.suppressed.reason }] } : {}),
    };
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'document-backup-stack-check', informationUri: 'https://github.com/document-backup-stack', semanticVersion: '0.1.0', rules } },
        artifacts: [{ location: { uri: report.template } }],
        results,
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** JUnit XML with one testcase per rule that ran: failed when it has active findings. */
export function renderJunit(report: CheckReport): string {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
  const cases: string[] = [];
  let failures = 0;
  const ruleErrors = report.findings.filter((f) => !report.rules.some((r) => r.id === f.ruleId));
  for (const rule of report.rules) {
    const all = byRule.get(rule.id) ?? [];
    const active = all.filter((f) => !f.suppressed);
    const suppressed = all.filter((f) => f.suppressed);
    const body: string[] = [];
    if (active.length > 0) {
      failures++;
      const lines = active.map((f) => `${f.logicalId} ${f.path}: ${f.message}`).join('\n');
      body.push(`      <failure message="${xml(`${active.length} finding(s)`)}" type="${rule.severity}">${xml(lines)}</failure>`);
    }
    if (suppressed.length > 0) {
      body.push(`      <system-out>${xml(suppressed.map((f) => `suppressed ${f.logicalId} ${f.path}: ${f.suppressed!.reason}`).join('\n'))}</system-out>`);
    }
    const open = `    <testcase classname="${xml(`compliance.${rule.pack}`)}" name="${xml(`${rule.id}: ${rule.title}`)}" time="0"`;
    cases.push(body.length === 0 ? `${open}/>` : `${open}>\n${body.join('\n')}\n    </testcase>`);
  }
  for (const f of ruleErrors) {
    failures++;
    cases.push(`    <testcase classname="compliance.harness" name="${xml(f.ruleId)}" time="0">\n      <error message="${xml(f.message)}"/>\n    </testcase>`);
  }
  const tests = cases.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="compliance" tests="${tests}" failures="${failures}">`,
    `  <testsuite name="${xml(report.template)}" tests="${tests}" failures="${failures}" errors="0" skipped="0">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
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
