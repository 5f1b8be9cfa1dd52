// `npm run check` as the gate a platform team wires into CI (issue #17): --fail-on picks the severity that
// fails the run, every format carries each finding's severity, and a baseline fails the run only on findings
// that are new since it was written. Through the real command, as check-cli.spec.ts runs it.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { RULES } from '../rules/index.ts';
import { scratchDir } from '../support/scratch.ts';
import { expectOneLineError, runScriptSync, type CliRun } from '../support/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CANONICAL = readFileSync(join(ROOT, 'template/backup-stack.yaml'), 'utf8');
// Errors and warnings together: EVENTS-TARGET-RETRY is a warning rule, TAGS-REQUIRED an error rule.
const MIXED = 'fixtures/templates/bad/EVENTS-TARGET-RETRY.yaml';

/** Runs the check from `cwd` (default the project root), as a user there would. */
const check = (args: string[], cwd = ROOT) => runScriptSync('check', args, { cwd });

const dir = scratchDir('check-gate-');
let n = 0;
/** A fresh directory per test, so tests do not share templates or baselines. */
function workdir(): string {
  const path = join(dir, `t${++n}`);
  mkdirSync(path, { recursive: true });
  return path;
}

// The bad fixtures all break error rules too (tags, retention), so warnings-only templates are made from the
// canonical template (clean: suppressions only) with one or two warning-rule violations.
const KMS_WINDOW = (t: string) => t.replace('PendingWindowInDays: 30', 'PendingWindowInDays: 7'); // ENC-KMS-PENDING-WINDOW, warning
const EVENT_AGE = (t: string) => t.replace('MaximumEventAgeInSeconds: 7200', 'MaximumEventAgeInSeconds: 172800'); // EVENTS-TARGET-RETRY, warning
const OPEN_KEY_ROTATION = (t: string) => t.replace('EnableKeyRotation: true', 'EnableKeyRotation: false'); // ENC-KMS-KEY-ROTATION, error

/** The refusal contract (exit 2, one `error:` line) from the shared CLI support. */
const oneErrorLine = (run: CliRun, message: RegExp) => expectOneLineError(run, 2, message);

test.describe('npm run check --fail-on', () => {
  test('the mutations used here change only what they say', () => {
    expect(RULES.find((r) => r.id === 'ENC-KMS-PENDING-WINDOW')!.severity).toBe('warning');
    expect(RULES.find((r) => r.id === 'EVENTS-TARGET-RETRY')!.severity).toBe('warning');
    expect(RULES.find((r) => r.id === 'ENC-KMS-KEY-ROTATION')!.severity).toBe('error');
    for (const mutate of [KMS_WINDOW, EVENT_AGE, OPEN_KEY_ROTATION]) expect(mutate(CANONICAL)).not.toBe(CANONICAL);
  });

  test('warnings only: exit 0 with --fail-on error (the default), 1 with --fail-on warning, reported either way', () => {
    const path = join(workdir(), 'warnings.yaml');
    writeFileSync(path, KMS_WINDOW(CANONICAL));
    for (const args of [[path], [path, '--fail-on', 'error']]) {
      const run = check(args);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^WARNING ENC-KMS-PENDING-WINDOW {2}BackupKey {2}Properties\.PendingWindowInDays /m);
      expect(run.stdout).toMatch(/: 1 finding \(0 errors, 1 warning\), none at --fail-on error; 4 suppressed;/);
    }
    const strict = check([path, '--fail-on', 'warning']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^WARNING ENC-KMS-PENDING-WINDOW /m);
    expect(strict.stdout).toMatch(/: 1 finding \(0 errors, 1 warning\); 4 suppressed;/);
  });

  test('an error fails at either threshold', () => {
    const path = join(workdir(), 'error.yaml');
    writeFileSync(path, OPEN_KEY_ROTATION(CANONICAL));
    expect(check([path, '--fail-on', 'error']).code).toBe(1);
    expect(check([path, '--fail-on', 'warning']).code).toBe(1);
  });

  test('an unknown --fail-on is exit 2 with one line', () => {
    oneErrorLine(check([MIXED, '--fail-on', 'info']), /'info' is invalid/);
  });

  test('SARIF: level and security-severity per severity, on results and rules', () => {
    const run = check([MIXED, '--format', 'sarif']);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    const results: Array<{ ruleId: string; level: string; properties: Record<string, string> }> = sarif.runs[0].results;
    const warning = results.find((r) => r.ruleId === 'EVENTS-TARGET-RETRY')!;
    const error = results.find((r) => r.ruleId === 'TAGS-REQUIRED')!;
    expect(warning.level).toBe('warning');
    expect(warning.properties).toEqual({ severity: 'warning', 'security-severity': '5.0' });
    expect(error.level).toBe('error');
    expect(error.properties).toEqual({ severity: 'error', 'security-severity': '7.5' });
    for (const rule of sarif.runs[0].tool.driver.rules) {
      const severity = RULES.find((r) => r.id === rule.id)!.severity;
      expect(rule.defaultConfiguration.level).toBe(severity);
      expect(rule.properties['security-severity']).toBe(severity === 'error' ? '7.5' : '5.0');
    }
  });

  test('JSON: every finding has its severity, and the summary counts what fails', () => {
    const json = JSON.parse(check([MIXED, '--format', 'json']).stdout);
    expect(json.failOn).toBe('error');
    expect(json.findings.length).toBeGreaterThan(0);
    for (const f of json.findings) expect(f.severity).toBe(RULES.find((r) => r.id === f.ruleId)!.severity);
    expect(json.summary.failing).toBe(json.summary.errors);
    expect(json.summary.warnings).toBeGreaterThan(0);
    const strict = JSON.parse(check([MIXED, '--format', 'json', '--fail-on', 'warning']).stdout);
    expect(strict.summary.failing).toBe(strict.summary.findings);
  });

  test('JUnit: failures carry the severity; warnings fail only at --fail-on warning', () => {
    const lenient = check([MIXED, '--format', 'junit']).stdout;
    const testcase = (xml: string, rule: string) => new RegExp(`<testcase [^>]*name="${rule}: [^"]*"[^>]*>([\\s\\S]*?)</testcase>`).exec(xml)?.[1] ?? '';
    expect(testcase(lenient, 'TAGS-REQUIRED')).toMatch(/<failure message="\d+ error finding\(s\)" type="error">ERROR /);
    expect(testcase(lenient, 'EVENTS-TARGET-RETRY')).not.toContain('<failure');
    expect(testcase(lenient, 'EVENTS-TARGET-RETRY')).toMatch(/<system-out>WARNING Schedule .*\(below --fail-on error\)/);
    const strict = check([MIXED, '--format', 'junit', '--fail-on', 'warning']).stdout;
    expect(testcase(strict, 'EVENTS-TARGET-RETRY')).toMatch(/<failure message="\d+ warning finding\(s\)" type="warning">WARNING Schedule /);
    const failures = (xml: string) => Number(/<testsuites [^>]*failures="(\d+)"/.exec(xml)?.[1]);
    expect(failures(strict)).toBeGreaterThan(failures(lenient));
  });

  test('text: suppressed findings show their severity too', () => {
    const run = check(['template/backup-stack.yaml']);
    expect(run.stdout).toMatch(/^SUPPRESSED ERROR {3}S3-ACCESS-LOGGING /m);
    expect(run.stdout).toMatch(/^SUPPRESSED WARNING LAMBDA-VPC /m);
  });
});

test.describe('npm run check --baseline', () => {
  test('--write-baseline then --baseline on the same template: exit 0, N baseline findings suppressed', () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'mine.yaml'), EVENT_AGE(KMS_WINDOW(CANONICAL)));
    const written = check(['mine.yaml', '--write-baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(written.stderr).toBe('');
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/^WARNING ENC-KMS-PENDING-WINDOW /m);
    expect(written.stdout).toMatch(/mine\.yaml: 2 findings \(0 errors, 2 warnings\); 4 suppressed; 2 findings written to baseline baseline\.json;/);
    const baseline = JSON.parse(readFileSync(join(cwd, 'baseline.json'), 'utf8'));
    // Versioned, stable order, the key fields, and the template as the user named it (not an absolute path).
    expect(baseline).toEqual({
      version: 1,
      findings: [
        { template: 'mine.yaml', logicalId: 'BackupKey', ruleId: 'ENC-KMS-PENDING-WINDOW', path: 'Properties.PendingWindowInDays', severity: 'warning', message: expect.any(String) },
        {
          template: 'mine.yaml',
          logicalId: 'ScheduleRule',
          ruleId: 'EVENTS-TARGET-RETRY',
          path: 'Properties.Targets[0].RetryPolicy.MaximumEventAgeInSeconds',
          severity: 'warning',
          message: expect.any(String),
        },
      ],
    });
    // Written twice, the file is the same byte for byte.
    const first = readFileSync(join(cwd, 'baseline.json'), 'utf8');
    check(['mine.yaml', '--write-baseline', 'baseline.json'], cwd);
    expect(readFileSync(join(cwd, 'baseline.json'), 'utf8')).toBe(first);

    const gated = check(['mine.yaml', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(gated.stderr).toBe('');
    expect(gated.code).toBe(0);
    expect(gated.stdout).toMatch(new RegExp(`mine\\.yaml: clean; 4 suppressed; 2 baseline findings suppressed; ${RULES.length} rules checked`));
    expect(gated.stdout).not.toMatch(/^WARNING /m);
  });

  test('a new violation in the baselined template exits 1 and lists only the new one', () => {
    const cwd = workdir();
    const template = join(cwd, 'mine.yaml');
    writeFileSync(template, KMS_WINDOW(CANONICAL));
    expect(check(['mine.yaml', '--write-baseline', 'baseline.json'], cwd).code).toBe(0);
    writeFileSync(template, OPEN_KEY_ROTATION(KMS_WINDOW(CANONICAL)));
    const run = check(['mine.yaml', '--baseline', 'baseline.json'], cwd);
    expect(run.code).toBe(1);
    const listed = run.stdout.match(/^(ERROR|WARNING) +\S+ {2}\S+/gm);
    expect(listed).toEqual(['ERROR   ENC-KMS-KEY-ROTATION  BackupKey']);
    expect(run.stdout).toMatch(/mine\.yaml: 1 new finding \(1 error, 0 warnings\); 4 suppressed; 1 baseline finding suppressed;/);
    // JSON and SARIF say which findings are new and which the baseline has.
    const json = JSON.parse(check(['mine.yaml', '--baseline', 'baseline.json', '--format', 'json'], cwd).stdout);
    expect(json.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['ENC-KMS-KEY-ROTATION']);
    expect(json.baseline.suppressed.map((f: { ruleId: string; severity: string }) => [f.ruleId, f.severity])).toEqual([['ENC-KMS-PENDING-WINDOW', 'warning']]);
    const sarif = JSON.parse(check(['mine.yaml', '--baseline', 'baseline.json', '--format', 'sarif'], cwd).stdout);
    const states = Object.fromEntries(sarif.runs[0].results.filter((r: { suppressions?: Array<{ kind: string }> }) => r.suppressions?.[0]?.kind !== 'inSource').map((r: { ruleId: string; baselineState: string }) => [r.ruleId, r.baselineState]));
    expect(states).toEqual({ 'ENC-KMS-KEY-ROTATION': 'new', 'ENC-KMS-PENDING-WINDOW': 'unchanged' });
  });

  test('the same finding in another property of the same resource is new (the key is not the resource alone)', () => {
    const cwd = workdir();
    const template = join(cwd, 'mine.yaml');
    // Two EVENTS-TARGET-RETRY findings on ScheduleRule's target, at two property paths; the baseline has one.
    writeFileSync(template, EVENT_AGE(CANONICAL));
    expect(check(['mine.yaml', '--write-baseline', 'baseline.json'], cwd).code).toBe(0);
    writeFileSync(template, EVENT_AGE(CANONICAL).replace('MaximumRetryAttempts: 4', 'MaximumRetryAttempts: 500'));
    const run = check(['mine.yaml', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout.match(/^WARNING .*/gm)).toEqual([expect.stringMatching(/^WARNING EVENTS-TARGET-RETRY {2}ScheduleRule {2}Properties\.Targets\[0\]\.RetryPolicy\.MaximumRetryAttempts /)]);
  });

  test('the same template at another path is all new', () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'mine.yaml'), KMS_WINDOW(CANONICAL));
    mkdirSync(join(cwd, 'other'));
    copyFileSync(join(cwd, 'mine.yaml'), join(cwd, 'other', 'mine.yaml'));
    expect(check(['mine.yaml', '--write-baseline', 'baseline.json'], cwd).code).toBe(0);
    const run = check(['other/mine.yaml', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^WARNING ENC-KMS-PENDING-WINDOW {2}BackupKey /m);
    expect(run.stdout).toMatch(/other\/mine\.yaml: 1 new finding \(0 errors, 1 warning\); 4 suppressed; 0 baseline findings suppressed;/);
    // The entry for mine.yaml is not "gone": this run did not check mine.yaml.
    expect(run.stdout).not.toContain('GONE');
  });

  test('a baseline is portable: the template path is stored relative to where the user ran the command', () => {
    const one = workdir();
    writeFileSync(join(one, 'mine.yaml'), KMS_WINDOW(CANONICAL));
    expect(check(['mine.yaml', '--write-baseline', 'baseline.json', '--fail-on', 'warning'], one).code).toBe(0);
    const two = workdir();
    copyFileSync(join(one, 'mine.yaml'), join(two, 'mine.yaml'));
    copyFileSync(join(one, 'baseline.json'), join(two, 'baseline.json'));
    const run = check(['mine.yaml', '--baseline', 'baseline.json', '--fail-on', 'warning'], two);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/mine\.yaml: clean; 4 suppressed; 1 baseline finding suppressed;/);
  });

  test('a baseline entry that no longer occurs is listed as gone', () => {
    const cwd = workdir();
    const template = join(cwd, 'mine.yaml');
    writeFileSync(template, EVENT_AGE(KMS_WINDOW(CANONICAL)));
    expect(check(['mine.yaml', '--write-baseline', 'baseline.json'], cwd).code).toBe(0);
    writeFileSync(template, EVENT_AGE(CANONICAL));
    const run = check(['mine.yaml', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^GONE {4}WARNING ENC-KMS-PENDING-WINDOW {2}BackupKey {2}Properties\.PendingWindowInDays {2}\(in baseline baseline\.json, no longer found\)$/m);
    expect(run.stdout).toMatch(/mine\.yaml: clean; 4 suppressed; 1 baseline finding suppressed; 1 baseline entry gone;/);
    const json = JSON.parse(check(['mine.yaml', '--baseline', 'baseline.json', '--format', 'json'], cwd).stdout);
    expect(json.baseline.gone).toEqual([expect.objectContaining({ template: 'mine.yaml', ruleId: 'ENC-KMS-PENDING-WINDOW', logicalId: 'BackupKey', path: 'Properties.PendingWindowInDays' })]);
  });

  const corrupt: Array<[string, string | undefined, RegExp]> = [
    ['a missing baseline', undefined, /--baseline baseline\.json: cannot read the baseline \(ENOENT\)/],
    ['a baseline that is not JSON', '{"version": 1, "findings": [', /--baseline baseline\.json: not valid JSON/],
    ['a baseline of another version', '{"version": 2, "findings": []}', /--baseline baseline\.json: not a check baseline \(version is 2, this check reads version 1\)/],
    ['a baseline whose entries lack a key field', '{"version": 1, "findings": [{"template": "mine.yaml", "ruleId": "X", "path": ""}]}', /findings\[0\]\.logicalId is not a string/],
  ];
  for (const [name, text, message] of corrupt) {
    test(`${name} is exit 2 with one line`, () => {
      const cwd = workdir();
      writeFileSync(join(cwd, 'mine.yaml'), KMS_WINDOW(CANONICAL));
      if (text !== undefined) writeFileSync(join(cwd, 'baseline.json'), text);
      oneErrorLine(check(['mine.yaml', '--baseline', 'baseline.json'], cwd), message);
    });
  }

  test('--baseline and --write-baseline together, or a baseline that cannot be written, is exit 2 with one line', () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'mine.yaml'), KMS_WINDOW(CANONICAL));
    oneErrorLine(check(['mine.yaml', '--baseline', 'a.json', '--write-baseline', 'b.json'], cwd), /cannot be used with/);
    oneErrorLine(check(['mine.yaml', '--write-baseline', 'no/such/dir/b.json'], cwd), /--write-baseline no\/such\/dir\/b\.json: cannot write the baseline \(ENOENT\)/);
  });
});

test.describe('npm run check on a directory with --baseline and --fail-on (issue #17)', () => {
  test('a baseline written for one template holds in a directory run: its key is the template path, the same either way', () => {
    const cwd = workdir();
    mkdirSync(join(cwd, 'stacks'));
    writeFileSync(join(cwd, 'stacks', 'a.yaml'), KMS_WINDOW(CANONICAL));
    expect(check(['stacks/a.yaml', '--write-baseline', 'baseline.json', '--fail-on', 'warning'], cwd).code).toBe(0);
    writeFileSync(join(cwd, 'stacks', 'b.yaml'), KMS_WINDOW(CANONICAL));
    const run = check(['stacks', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^stacks\/a\.yaml: clean; 4 suppressed; 1 baseline finding suppressed;/m);
    expect(run.stdout).toMatch(/^stacks\/b\.yaml: 1 new finding \(0 errors, 1 warning\); 4 suppressed; 0 baseline findings suppressed;/m);
    expect(run.stdout).toMatch(/2 templates: 1 failing, 1 passing at --fail-on warning; 1 finding \(0 errors, 1 warning\); 8 suppressed; 1 baseline finding suppressed; 0 files skipped;/);
    // At the default --fail-on error the warning passes: one exit code for the run, 0.
    expect(check(['stacks', '--baseline', 'baseline.json'], cwd).code).toBe(0);
  });
});

test('a baseline never accepts what the check could not evaluate: SCENARIO-BUDGET still fails the run', () => {
  const cwd = workdir();
  copyFileSync(join(ROOT, 'fixtures/templates/scenarios/too-many-axes.yaml'), join(cwd, 'axes.yaml'));
  check(['axes.yaml', '--write-baseline', 'baseline.json'], cwd);
  const baseline = JSON.parse(readFileSync(join(cwd, 'baseline.json'), 'utf8')) as { findings: { ruleId: string }[] };
  expect(baseline.findings.map((f) => f.ruleId)).not.toContain('SCENARIO-BUDGET');
  const run = check(['axes.yaml', '--baseline', 'baseline.json'], cwd);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^ERROR\s+SCENARIO-BUDGET /m);
});

test('a baseline never accepts NOT-EVALUATED either: with --fail-on warning it still fails the run', () => {
  const cwd = workdir();
  copyFileSync(join(ROOT, 'fixtures/templates/scenarios/not-evaluated.yaml'), join(cwd, 'cond.yaml'));
  check(['cond.yaml', '--pack', 'generic', '--write-baseline', 'baseline.json'], cwd);
  const baseline = JSON.parse(readFileSync(join(cwd, 'baseline.json'), 'utf8')) as { findings: { ruleId: string }[] };
  expect(baseline.findings.map((f) => f.ruleId)).not.toContain('NOT-EVALUATED');
  const run = check(['cond.yaml', '--pack', 'generic', '--baseline', 'baseline.json', '--fail-on', 'warning'], cwd);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(/^WARNING\s+NOT-EVALUATED /m);
});
