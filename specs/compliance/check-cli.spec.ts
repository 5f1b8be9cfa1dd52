// `npm run check` as users run it: a child process, exit codes 0/1/2, one-line errors, parseable reports.
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { RULES } from '../rules/index.ts';
import { scratchDir } from '../support/scratch.ts';
import { runScriptSync } from '../support/cli.ts';

const CANONICAL = 'template/backup-stack.yaml';
const BAD = 'fixtures/templates/bad/IAM-NO-WILDCARD-ACTION.yaml';

const check = (...args: string[]) => runScriptSync('check', args);

const dir = scratchDir('check-cli-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test.describe('npm run check', () => {
  test('exits 0 on the canonical template with a clean summary', () => {
    const run = check(CANONICAL);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/backup-stack\.yaml: clean; \d+ suppressed; \d+ rules checked/);
    expect(run.stdout).toContain('SUPPRESSED');
    // Its own work (load, resolve every scenario, all rules, render), without Node/tsx start-up.
    const ms = Number(/in (\d+) ms/.exec(run.stdout)?.[1]);
    expect(ms).toBeLessThan(1000);
  });

  test('exits 1 on a bad fixture and lists rule id, logical id, path and message', () => {
    const run = check(BAD);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ERROR\s+IAM-NO-WILDCARD-ACTION {2}Policy {2}Properties\.PolicyDocument\.Statement\[1\]\.Action {2}allows wildcard action/m);
    expect(run.stdout).toMatch(/\d+ findings? \(\d+ errors?, \d+ warnings?\)/);
    // The rule's remediation is printed under each finding.
    const remediation = RULES.find((r) => r.id === 'IAM-NO-WILDCARD-ACTION')!.remediation;
    expect(run.stdout).toMatch(new RegExp(`^ERROR\\s+IAM-NO-WILDCARD-ACTION .*\\n {8}fix: ${remediation.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });

  const unusable: Array<[string, () => string[], RegExp]> = [
    ['a missing file', () => ['does/not/exist.yaml'], /does\/not\/exist\.yaml: cannot read the template/],
    ['YAML that is not a template', () => [file('not-a-template.yaml', 'name: just some yaml\nitems: [1, 2]\n')], /not a CloudFormation template/],
    ['broken JSON', () => [file('broken.json', '{"Resources": {"A": {"Type": "AWS::S3::Bucket",}}')], /not valid JSON/],
    ['an unknown YAML tag', () => [file('tag.yaml', 'Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Bogus x\n')], /unknown YAML tag/],
    ['an unknown --format', () => [CANONICAL, '--format', 'xml'], /'xml' is invalid/],
    ['an unknown --pack', () => [CANONICAL, '--pack', 'nonsense'], /'nonsense' is invalid/],
    ['an unknown --fail-on', () => [CANONICAL, '--fail-on', 'info'], /'info' is invalid/],
    ['a --baseline that is not JSON', () => [CANONICAL, '--baseline', file('corrupt-baseline.json', 'not json')], /--baseline .*corrupt-baseline\.json: not valid JSON/],
    ['a --baseline that is not a baseline', () => [CANONICAL, '--baseline', file('other.json', '{"findings": []}')], /not a check baseline/],
    // Issue #17: given parameter values are checked against the template before anything runs.
    ['a --parameters key the template does not declare', () => [CANONICAL, '--parameters', 'Bogus=1'], /backup-stack\.yaml: the template has no parameter Bogus$/],
    ['a --parameters value outside AllowedValues', () => [CANONICAL, '--parameters', 'Environment=qa'], /parameter Environment: 'qa' is not one of its AllowedValues \(dev, staging, prod\)$/],
    ['a path that does not exist among several', () => [CANONICAL, 'does/not/exist'], /^error: does\/not\/exist: cannot read the template \(ENOENT\)/],
  ];
  for (const [name, args, message] of unusable) {
    test(`exits 2 with one line for ${name}`, () => {
      const run = check(...args());
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, run.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^error: /);
      expect(lines[0]).toMatch(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }

  test('a 2,000-character logical id is a finding, shortened in the text report and whole in JSON', () => {
    const id = 'A'.repeat(2000);
    // JSON: YAML refuses implicit keys over 1,024 characters.
    const path = file('long-id.json', JSON.stringify({ Resources: { [id]: { Type: 'AWS::SQS::Queue' }, Queue: { Type: 'AWS::SQS::Queue' } } }));
    const run = check(path, '--pack', 'generic');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ERROR\s+TEMPLATE-LOGICAL-ID {2}A{60}…\(2000 chars\) {2}- {2}the logical id is 2000 characters long; CloudFormation allows at most 255$/m);
    // Every finding about that resource names it by its first 60 characters: no 2,000-character repeats (24 KB before).
    expect(run.stdout).not.toContain('A'.repeat(61));
    expect(run.stdout.length).toBeLessThan(4000);
    const json = JSON.parse(check(path, '--format', 'json', '--pack', 'generic').stdout);
    expect(json.findings.filter((f: { ruleId: string }) => f.ruleId === 'TEMPLATE-LOGICAL-ID').map((f: { logicalId: string }) => f.logicalId)).toEqual([id]);
  });

  test('a logical id that is not alphanumeric is a finding', () => {
    const path = file('hyphen-id.yaml', 'Resources:\n  Dead-Letters:\n    Type: AWS::SQS::Queue\n');
    const run = check(path, '--pack', 'generic');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^ERROR\s+TEMPLATE-LOGICAL-ID {2}Dead-Letters {2}- {2}the logical id has characters other than A-Z, a-z and 0-9 \("-"\), which CloudFormation refuses$/m);
  });

  test('--format json parses and counts findings and suppressions', () => {
    const clean = JSON.parse(check(CANONICAL, '--format', 'json').stdout);
    expect(clean.summary.findings).toBe(0);
    expect(clean.summary.rules).toBe(RULES.length);
    expect(clean.suppressed.every((s: { reason: string }) => s.reason.length > 0)).toBe(true);
    const bad = check(BAD, '--format', 'json');
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings[0]).toEqual(expect.objectContaining({ ruleId: expect.any(String), logicalId: expect.any(String), path: expect.any(String), message: expect.any(String), remediation: expect.any(String) }));
  });

  test('--parameters Environment=prod on the canonical template: still clean, the same suppressions', () => {
    const all = check(CANONICAL, '--format', 'json');
    const prod = check(CANONICAL, '--format', 'json', '--parameters', 'Environment=prod');
    expect(prod.stderr).toBe('');
    expect(prod.code).toBe(0);
    const report = JSON.parse(prod.stdout);
    expect(report.summary.findings).toBe(0);
    expect(report.suppressed.map((s: { ruleId: string }) => s.ruleId)).toEqual(JSON.parse(all.stdout).suppressed.map((s: { ruleId: string }) => s.ruleId));
    expect(prod.stdout).not.toMatch(/only when[^)]*Environment/);
  });

  test('--help names the gate options: --fail-on, --baseline, --write-baseline', () => {
    const run = check('--help');
    expect(run.code).toBe(0);
    expect(run.stdout.replace(/\s+/g, ' ')).toMatch(/--fail-on <severity> .*\(choices: "error", "warning", default: "error"\)/);
    expect(run.stdout).toContain('--baseline <file>');
    expect(run.stdout).toContain('--write-baseline <file>');
    expect(run.stdout).toContain('--parameters <Key=Value...>');
    expect(run.stdout).toContain('--parameters-file <file>');
  });

  test('a bad fixture fails at --fail-on error and every JSON finding names its severity', () => {
    const run = check(BAD, '--format', 'json', '--fail-on', 'error');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.failOn).toBe('error');
    for (const f of report.findings) expect(['error', 'warning']).toContain(f.severity);
    expect(report.findings.find((f: { ruleId: string }) => f.ruleId === 'IAM-NO-WILDCARD-ACTION').severity).toBe('error');
  });

  test('--format sarif is SARIF 2.1.0 with rule metadata', () => {
    const run = check(BAD, '--format', 'sarif', '--pack', 'generic');
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe('2.1.0');
    const driver = sarif.runs[0].tool.driver;
    expect(driver.rules.length).toBe(RULES.filter((r) => r.pack === 'generic').length);
    expect(driver.rules[0]).toEqual(expect.objectContaining({ id: expect.any(String), shortDescription: { text: expect.any(String) }, fullDescription: { text: expect.any(String) } }));
    const result = sarif.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'IAM-NO-WILDCARD-ACTION');
    expect(driver.rules[result.ruleIndex].id).toBe('IAM-NO-WILDCARD-ACTION');
    expect(driver.rules[result.ruleIndex].help).toEqual({ text: RULES.find((r) => r.id === 'IAM-NO-WILDCARD-ACTION')!.remediation });
    expect(result.locations[0].logicalLocations[0].name).toBe('Policy');
    expect(result.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
  });

  test('--format junit has one testcase per rule and --output writes the file', () => {
    const out = join(dir, 'report.xml');
    const run = check(BAD, '--format', 'junit', '--output', out);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/findings? \(/);
    const xml = readFileSync(out, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(xml.match(/<testcase /g)?.length).toBe(RULES.length);
    expect(xml.match(/<failure /g)?.length).toBeGreaterThan(0);
    expect(xml).toMatch(/tests="(\d+)" failures="(\d+)"/);
    // Well formed enough for CI importers: every opened element is closed in order.
    const stack: string[] = [];
    for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z-]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
  });
});
