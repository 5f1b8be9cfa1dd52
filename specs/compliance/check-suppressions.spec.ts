// Issue #17, suppression governance: `expires` dates, mandatory rules, and `--show-suppressed` in every format.
// The engine is run with a fixed `today` (the day boundary); the CLI on the real date, so the fixture's dates
// are far in the past (2000-01-01) and future (2999-12-31).
import { test, expect } from '@playwright/test';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { renderRulesDoc } from '../../scripts/rules-doc.ts';
import { RULES } from '../rules/index.ts';
import { defineRule, runRules, RULE_ERROR_ID, SCENARIO_BUDGET_ID } from '../rules/engine.ts';
import { isIsoDate, isMandatory, SUPPRESSION_EXPIRES_ID, SUPPRESSION_OF_MANDATORY_ID } from '../rules/suppressions.ts';
import type { Finding } from '../rules/types.ts';
import { runScriptSync } from '../support/cli.ts';

const FIXTURE = 'fixtures/templates/check/suppressions/governance.yaml';
const check = (...args: string[]) => runScriptSync('check', [FIXTURE, '--pack', 'generic', ...args]);

async function findingsOn(day: string): Promise<Finding[]> {
  return runRules(await loadTemplate(FIXTURE), RULES, { today: new Date(`${day}T12:00:00Z`), packs: ['generic'] });
}
const of = (findings: Finding[], ruleId: string) => findings.filter((f) => f.ruleId === ruleId);

test.describe('suppression governance in the engine', () => {
  test('a suppression without expires counts; one not yet expired counts and carries its date', async () => {
    const findings = await findingsOn('2026-06-01');
    expect(of(findings, 'S3-VERSIONING')[0]!.suppressed).toEqual({ reason: 'Scratch bucket; objects are rebuilt from source.' });
    expect(of(findings, 'S3-ACCESS-LOGGING')[0]!.suppressed).toEqual({ reason: 'The log bucket moves to the shared logging account.', expires: '2999-12-31' });
  });

  test('a suppression counts on its expires day and not the day after, when the finding says since when', async () => {
    const onTheDay = of(await findingsOn('2999-12-31'), 'S3-ACCESS-LOGGING')[0]!;
    expect(onTheDay.suppressed?.expires).toBe('2999-12-31');
    const after = of(await findingsOn('3000-01-01'), 'S3-ACCESS-LOGGING')[0]!;
    expect(after.suppressed).toBeUndefined();
    expect(after.message).toMatch(/; suppression expired on 2999-12-31$/);
    expect(after.suppressionExpired).toEqual({ reason: 'The log bucket moves to the shared logging account.', expires: '2999-12-31' });
  });

  test('a suppression of a mandatory rule does not suppress and is a SUPPRESSION-OF-MANDATORY error', async () => {
    const findings = await findingsOn('2026-06-01');
    expect(of(findings, 'S3-PUBLIC-ACCESS-BLOCK')[0]!.suppressed).toBeUndefined();
    expect(of(findings, SUPPRESSION_OF_MANDATORY_ID)).toEqual([
      expect.objectContaining({ severity: 'error', logicalId: 'Bucket', path: 'Metadata.compliance.suppress[3]', message: expect.stringContaining('S3-PUBLIC-ACCESS-BLOCK') }),
    ]);
  });

  test('an expires that is not a date is a SUPPRESSION-EXPIRES error and the suppression does not count', async () => {
    const findings = await findingsOn('2026-06-01');
    expect(of(findings, 'S3-TLS-ONLY')[0]!.suppressed).toBeUndefined();
    expect(of(findings, SUPPRESSION_EXPIRES_ID)).toEqual([
      expect.objectContaining({ severity: 'error', path: 'Metadata.compliance.suppress[4].expires', message: expect.stringContaining('2030-13-01') }),
    ]);
    for (const bad of ['2030-02-30', '2030-1-01', '01/02/2030', '']) expect(isIsoDate(bad), bad).toBe(false);
    expect(isIsoDate('2028-02-29')).toBe(true);
  });

  test('mandatory: the chosen rules, the engine ids, and any rule declared mandatory', async () => {
    for (const id of ['S3-PUBLIC-ACCESS-BLOCK', 'IAM-NO-WILDCARD-ACTION', 'IAM-RESOURCE-POLICY-NO-PUBLIC-PRINCIPAL', 'IAM-TRUST-POLICY-SERVICE-ONLY']) {
      expect(RULES.find((r) => r.id === id)?.mandatory, id).toBe(true);
    }
    for (const id of [RULE_ERROR_ID, SCENARIO_BUDGET_ID, SUPPRESSION_OF_MANDATORY_ID]) expect(isMandatory(id), id).toBe(true);
    expect(isMandatory('S3-VERSIONING')).toBe(false);
    const rule = defineRule({
      id: 'SPEC-MANDATORY-VERSIONING', pack: 'generic', severity: 'warning', mandatory: true, title: 't', rationale: 'r', remediation: 'x',
      resourceTypes: ['AWS::S3::Bucket'], resource: (r) => ({ logicalId: r.logicalId, path: 'Properties', message: 'always' }),
    });
    const template = await loadTemplate(FIXTURE);
    template.resources['Bucket']!.metadata = { compliance: { suppress: [{ id: rule.id, reason: 'please' }] } };
    const findings = runRules(template, [rule], { today: new Date('2026-06-01') });
    expect(of(findings, rule.id)[0]!.suppressed).toBeUndefined();
    expect(of(findings, SUPPRESSION_OF_MANDATORY_ID)).toHaveLength(1);
  });

  test('RULES.md marks the mandatory rules', () => {
    const doc = renderRulesDoc();
    expect(doc).toMatch(/^\| `S3-PUBLIC-ACCESS-BLOCK` \| generic \| error, \*\*mandatory\*\* \|/m);
    expect(doc).toMatch(/^\| `S3-VERSIONING` \| generic \| error \|/m);
  });
});

test.describe('npm run check and suppressions', () => {
  test('text: the expired suppression is a finding with its note; --show-suppressed lists every suppression', () => {
    const plain = check();
    expect(plain.code).toBe(1);
    expect(plain.stdout).toMatch(/^WARNING S3-LIFECYCLE {2}Bucket .*; suppression expired on 2000-01-01$/m);
    expect(plain.stdout).toMatch(/^ERROR\s+SUPPRESSION-OF-MANDATORY {2}Bucket {2}Metadata\.compliance\.suppress\[3\]/m);
    expect(plain.stdout).toMatch(/^SUPPRESSED ERROR\s+S3-ACCESS-LOGGING .*\(The log bucket moves to the shared logging account\.; expires 2999-12-31\)$/m);
    expect(plain.stdout).not.toMatch(/^SUPPRESSION /m);
    const shown = check('--show-suppressed');
    expect(shown.code).toBe(1);
    const lines = shown.stdout.split('\n').filter((l) => l.startsWith('SUPPRESSION '));
    expect(lines).toEqual([
      'SUPPRESSION S3-VERSIONING  Bucket  suppresses 1 finding  (Scratch bucket; objects are rebuilt from source.)',
      'SUPPRESSION S3-LIFECYCLE  Bucket  expired on 2000-01-01: does not count  (Lifecycle arrives with the retention project.)',
      'SUPPRESSION S3-ACCESS-LOGGING  Bucket  suppresses 1 finding until 2999-12-31  (The log bucket moves to the shared logging account.)',
      'SUPPRESSION S3-PUBLIC-ACCESS-BLOCK  Bucket  does not count: S3-PUBLIC-ACCESS-BLOCK is mandatory  (We promise not to make it public.)',
      'SUPPRESSION S3-TLS-ONLY  Bucket  does not count: expires 2030-13-01 is not a date YYYY-MM-DD  (The bucket policy comes later.)',
      'SUPPRESSION S3-OWNERSHIP-ENFORCED  Bucket  does not count: no reason given  (no reason)',
    ]);
  });

  test('json: suppressed findings with their reason and expiry; --show-suppressed adds the list', () => {
    const run = check('--format', 'json', '--show-suppressed');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      findings: Finding[];
      suppressed: Array<Finding & { reason: string }>;
      suppressions: Array<{ ruleId: string; status: string; counts: boolean; expires?: string; reason: string }>;
    };
    expect(report.suppressed.map((f) => [f.ruleId, f.reason, f.suppressed?.expires])).toEqual([
      ['S3-ACCESS-LOGGING', 'The log bucket moves to the shared logging account.', '2999-12-31'],
      ['S3-VERSIONING', 'Scratch bucket; objects are rebuilt from source.', undefined],
    ]);
    expect(report.findings.find((f) => f.ruleId === 'S3-LIFECYCLE')!.suppressionExpired?.expires).toBe('2000-01-01');
    expect(report.suppressions.map((s) => [s.ruleId, s.status, s.counts])).toEqual([
      ['S3-VERSIONING', 'active', true],
      ['S3-LIFECYCLE', 'expired', false],
      ['S3-ACCESS-LOGGING', 'active', true],
      ['S3-PUBLIC-ACCESS-BLOCK', 'mandatory', false],
      ['S3-TLS-ONLY', 'invalid-expires', false],
      ['S3-OWNERSHIP-ENFORCED', 'no-reason', false],
    ]);
    expect(JSON.parse(check('--format', 'json').stdout)).not.toHaveProperty('suppressions');
  });

  test('sarif: suppressed results carry an inSource justification; --show-suppressed lists them in the run', () => {
    const run = check('--format', 'sarif', '--show-suppressed');
    const sarif = JSON.parse(run.stdout) as {
      runs: Array<{ results: Array<{ ruleId: string; suppressions?: unknown[] }>; properties: { suppressions?: Array<{ ruleId: string; status: string }> } }>;
    };
    const results = sarif.runs[0]!.results;
    expect(results.find((r) => r.ruleId === 'S3-ACCESS-LOGGING')!.suppressions).toEqual([
      { kind: 'inSource', justification: 'The log bucket moves to the shared logging account.; expires 2999-12-31' },
    ]);
    expect(results.find((r) => r.ruleId === 'S3-LIFECYCLE')!.suppressions).toBeUndefined();
    expect(results.find((r) => r.ruleId === 'S3-PUBLIC-ACCESS-BLOCK')!.suppressions).toBeUndefined();
    expect(sarif.runs[0]!.properties.suppressions?.map((s) => s.status)).toHaveLength(6);
  });

  test('junit: with --show-suppressed each suppressed finding is a skipped testcase with its justification', () => {
    const plain = check('--format', 'junit');
    expect(plain.stdout).toContain('skipped="0"');
    expect(plain.stdout).not.toContain('<skipped');
    const run = check('--format', 'junit', '--show-suppressed');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/<testsuite name="[^"]*governance\.yaml" tests="\d+" failures="\d+" errors="0" skipped="2">/);
    expect(run.stdout).toContain(
      '<testcase classname="compliance.suppressed" name="S3-ACCESS-LOGGING Bucket Properties.LoggingConfiguration" time="0">\n' +
        '      <skipped message="suppressed: The log bucket moves to the shared logging account.; expires 2999-12-31"/>',
    );
  });

  test('many templates: each section lists its own suppressions; SARIF names the template of each', () => {
    const run = runScriptSync('check', [FIXTURE, 'template/backup-stack.yaml', '--format', 'sarif', '--show-suppressed']);
    expect(run.code).toBe(1);
    const entries = (JSON.parse(run.stdout) as { runs: Array<{ properties: { suppressions: Array<{ template: string; ruleId: string }> } }> }).runs[0]!.properties.suppressions;
    expect(entries.filter((e) => e.template.endsWith('governance.yaml'))).toHaveLength(6);
    expect(entries.filter((e) => e.template.endsWith('backup-stack.yaml')).map((e) => e.ruleId)).toEqual(['S3-ACCESS-LOGGING', 'S3-KMS-ENCRYPTION', 'LAMBDA-VPC', 'LAMBDA-VPC']);
  });

  test('the canonical template stays clean and lists its four suppressions (LAMBDA-VPC on the backup function and on the restore verifier)', () => {
    const run = runScriptSync('check', ['template/backup-stack.yaml', '--show-suppressed']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((l) => /^SUPPRESSION \S+ {2}\S+ {2}suppresses 1 finding {2}\(.+\)$/.test(l))).toHaveLength(4);
  });
});
