// `npm run check` on many templates in one process and with given parameter values (issue #17), through the
// real command as check-cli.spec.ts runs it: --parameters / --parameters-file replace those parameters'
// scenarios; a directory (recursive) or a glob gives one report with a section per template, the files that are
// not templates skipped and counted, and one exit code.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from '@playwright/test';
import { scratchDir } from '../support/scratch.ts';
import { expectOneLineError, runScriptSync, type CliRun } from '../support/cli.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = 'fixtures/templates/check';
const ENVIRONMENTS = `${FIXTURES}/environments.yaml`;
const MANY = `${FIXTURES}/many`;

const check = (args: string[], cwd = ROOT) => runScriptSync('check', args, { cwd });

/** The refusal contract (exit 2, one `error:` line) from the shared CLI support. */
const oneErrorLine = (run: CliRun, message: RegExp) => expectOneLineError(run, 2, message);

/** The IAM-NO-WILDCARD-ACTION lines of a text report, by logical id. */
function wildcards(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stdout.matchAll(/^ERROR\s+IAM-NO-WILDCARD-ACTION {2}(\w+) {2}\S+ {2}(.*)$/gm)) out[m[1]!] = m[2]!;
  return out;
}

const dir = scratchDir('check-many-');

test.describe('npm run check --parameters', () => {
  test('without values every scenario is judged: each wildcard says where it holds', () => {
    const run = check([ENVIRONMENTS, '--pack', 'generic']);
    expect(run.code).toBe(1);
    expect(wildcards(run.stdout)).toEqual({
      Dev: 'allows wildcard action s3:*; list the actions it needs (only when Environment=dev)',
      Prod: 'allows wildcard action sqs:*; list the actions it needs (only when Environment=prod)',
      ProdB: 'allows wildcard action kms:*; list the actions it needs (only when Environment=prod, Tier=b)',
    });
  });

  test('Environment=prod limits the findings to that scenario and no suffix names Environment', () => {
    const run = check([ENVIRONMENTS, '--pack', 'generic', '--parameters', 'Environment=prod']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(wildcards(run.stdout)).toEqual({
      Prod: 'allows wildcard action sqs:*; list the actions it needs',
      ProdB: 'allows wildcard action kms:*; list the actions it needs (only when Tier=b)',
    });
    expect(run.stdout).not.toMatch(/only when[^)]*Environment/);
    // The CloudFormation CLI's own spelling means the same.
    const cfn = check([ENVIRONMENTS, '--pack', 'generic', '--parameters', 'ParameterKey=Environment,ParameterValue=prod']);
    expect(wildcards(cfn.stdout)).toEqual(wildcards(run.stdout));
  });

  test('every parameter given: one scenario, no suffix at all; dev has only the s3:* finding', () => {
    const run = check([ENVIRONMENTS, '--pack', 'generic', '--parameters', 'Environment=dev', 'Tier=b', 'NamePrefix=docs']);
    expect(run.code).toBe(1);
    expect(wildcards(run.stdout)).toEqual({ Dev: 'allows wildcard action s3:*; list the actions it needs' });
    expect(run.stdout).not.toContain('(only when');
  });

  test('--parameters-file in the CloudFormation CLI JSON format', () => {
    const run = check([ENVIRONMENTS, '--pack', 'generic', '--parameters-file', `${FIXTURES}/prod-parameters.json`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(wildcards(run.stdout)).toEqual({
      Prod: 'allows wildcard action sqs:*; list the actions it needs',
      ProdB: 'allows wildcard action kms:*; list the actions it needs',
    });
    // --parameters override the file's values.
    const over = check([ENVIRONMENTS, '--pack', 'generic', '--parameters-file', `${FIXTURES}/prod-parameters.json`, '--parameters', 'Tier=a']);
    expect(wildcards(over.stdout)).toEqual({ Prod: 'allows wildcard action sqs:*; list the actions it needs' });
  });

  test('--parameters-file as a cfn-lint deployment file: its template-file-path is checked with its parameters', () => {
    const run = check(['--pack', 'generic', '--parameters-file', `${FIXTURES}/prod-deployment.yaml`]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^fixtures\/templates\/check\/environments\.yaml: \d+ findings/m);
    expect(wildcards(run.stdout)).toEqual({ Prod: 'allows wildcard action sqs:*; list the actions it needs' });
    // A path on the command line takes the place of template-file-path; the parameters still apply.
    const named = check([ENVIRONMENTS, '--pack', 'generic', '--parameters-file', `${FIXTURES}/prod-deployment.yaml`]);
    expect(wildcards(named.stdout)).toEqual(wildcards(run.stdout));
  });

  const refused: Array<[string, () => string[], RegExp]> = [
    ['an unknown key', () => [ENVIRONMENTS, '--parameters', 'Region=eu-west-1'], /environments\.yaml: the template has no parameter Region$/],
    ['a value outside AllowedValues', () => [ENVIRONMENTS, '--parameters', 'Environment=staging'], /parameter Environment: 'staging' is not one of its AllowedValues \(dev, prod\)$/],
    ['a value its AllowedPattern refuses', () => [ENVIRONMENTS, '--parameters', 'NamePrefix=Docs-1'], /parameter NamePrefix: 'Docs-1' is refused: lower-case letters only$/],
    ['a word that is not Key=Value', () => [ENVIRONMENTS, '--parameters', 'prod'], /--parameters takes Key=Value/],
    ['an unknown key in a parameters file', () => [ENVIRONMENTS, '--parameters-file', writeParams('unknown.json', [{ ParameterKey: 'Nope', ParameterValue: 'x' }])], /the template has no parameter Nope$/],
    ['a parameters file that is neither format', () => [ENVIRONMENTS, '--parameters-file', writeParams('odd.json', { Environment: 'prod' })], /--parameters-file .*odd\.json: not a deployment file: unknown key Environment/],
    ['a missing parameters file', () => [ENVIRONMENTS, '--parameters-file', 'does/not/exist.json'], /--parameters-file does\/not\/exist\.json: cannot read it \(ENOENT\)$/],
    ['no template at all', () => ['--parameters', 'Environment=prod'], /no template given/],
  ];
  for (const [name, args, message] of refused) {
    test(`exit 2 with one line for ${name}`, () => {
      oneErrorLine(check(args()), message);
    });
  }
});

function writeParams(name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data));
  return path;
}

test.describe('npm run check on many templates', () => {
  test('a directory: a section per template (recursive), README.md skipped and counted, one exit code', () => {
    const run = check([MANY, '--pack', 'generic']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const sections = [...run.stdout.matchAll(/^== (.+) ==$/gm)].map((m) => m[1]);
    expect(sections).toEqual([`${MANY}/nested/handle.json`, `${MANY}/wildcard.yaml`]);
    expect(run.stdout).toMatch(/^fixtures\/templates\/check\/many\/nested\/handle\.json: clean;/m);
    expect(run.stdout).toMatch(/^fixtures\/templates\/check\/many\/wildcard\.yaml: 1 finding \(1 error, 0 warnings\);/m);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^2 templates: 1 failing, 1 passing at --fail-on error; 1 finding \(1 error, 0 warnings\); 0 suppressed; 1 file skipped; \d+ rules checked in \d+ ms$/);
    expect(run.stdout).not.toContain('README');
    // Clean everywhere: exit 0 (one code for all).
    expect(check([`${MANY}/nested`, '--pack', 'generic']).code).toBe(0);
  });

  test('a glob (quoted, so the check expands it) and several paths', () => {
    const glob = check([`${FIXTURES}/**/*.json`, '--pack', 'generic']);
    expect(glob.stderr).toBe('');
    expect(glob.code).toBe(0);
    // prod-parameters.json is JSON but no template: skipped, with the reason, and counted.
    expect([...glob.stdout.matchAll(/^== (.+) ==$/gm)].map((m) => m[1])).toEqual([`${MANY}/nested/handle.json`]);
    expect(glob.stdout).toMatch(/^SKIPPED fixtures\/templates\/check\/prod-parameters\.json {2}\(not a CloudFormation template/m);
    expect(glob.stdout).toMatch(/1 template: 0 failing, 1 passing at --fail-on error; .*; 1 file skipped;/);
    const several = check([`${MANY}/wildcard.yaml`, `${MANY}/nested/handle.json`, '--pack', 'generic']);
    expect(several.code).toBe(1);
    expect([...several.stdout.matchAll(/^== (.+) ==$/gm)].map((m) => m[1])).toEqual([`${MANY}/wildcard.yaml`, `${MANY}/nested/handle.json`]);
    expect(several.stdout).toMatch(/2 templates: 1 failing, 1 passing .*; 0 files skipped;/);
  });

  test('a path that does not exist, a glob that matches nothing, a directory without templates: exit 2 before anything is checked', () => {
    oneErrorLine(check([MANY, 'does/not/exist']), /^error: does\/not\/exist: cannot read the template \(ENOENT\)/);
    oneErrorLine(check([MANY, `${FIXTURES}/*.nope`]), /\*\.nope: no file matches this pattern$/);
    const empty = join(dir, 'docs-only');
    mkdirSync(empty, { recursive: true });
    writeFileSync(join(empty, 'notes.md'), '# not a template\n');
    oneErrorLine(check([MANY, empty]), /docs-only: not a file but a directory with no template in it \(1 file skipped\)$/);
  });

  test('an unusable file: named explicitly it is exit 2; found by a scan it is skipped and reported', () => {
    const tree = join(dir, 'tree');
    mkdirSync(tree, { recursive: true });
    copyFileSync(join(ROOT, MANY, 'wildcard.yaml'), join(tree, 'wildcard.yaml'));
    writeFileSync(join(tree, 'broken.json'), '{"Resources": {');
    oneErrorLine(check([join(tree, 'broken.json'), join(tree, 'wildcard.yaml')]), /broken\.json: not valid JSON/);
    const scan = check([tree, '--pack', 'generic']);
    expect(scan.code).toBe(1);
    expect(scan.stdout).toMatch(/^SKIPPED .*broken\.json {2}\(not valid JSON/m);
    expect(scan.stdout).toMatch(/1 template: 1 failing, 0 passing .*; 1 file skipped;/);
  });

  test('--parameters over a directory: each template gets the keys it declares; a key none declares is exit 2', () => {
    const tree = join(dir, 'params');
    mkdirSync(tree, { recursive: true });
    copyFileSync(join(ROOT, ENVIRONMENTS), join(tree, 'environments.yaml'));
    copyFileSync(join(ROOT, MANY, 'wildcard.yaml'), join(tree, 'wildcard.yaml'));
    const run = check([tree, '--pack', 'generic', '--parameters', 'Environment=prod']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('allows wildcard action sqs:*; list the actions it needs\n');
    expect(run.stdout).not.toContain('s3:*; list the actions it needs (only when');
    oneErrorLine(check([tree, '--parameters', 'Region=x']), /^error: no template checked declares parameter Region$/);
    oneErrorLine(check([tree, '--parameters', 'Environment=staging']), /environments\.yaml: parameter Environment: 'staging' is not one of its AllowedValues/);
  });

  test('JSON: an object with a report per template, the skipped files and the totals', () => {
    const run = check([MANY, '--pack', 'generic', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toEqual(expect.objectContaining({ templates: 2, failing: 1, skipped: 1, findings: 1, errors: 1, warnings: 0 }));
    expect(report.templates.map((t: { template: string }) => t.template)).toEqual([`${MANY}/nested/handle.json`, `${MANY}/wildcard.yaml`]);
    expect(report.templates[1].findings[0]).toEqual(expect.objectContaining({ ruleId: 'IAM-NO-WILDCARD-ACTION', logicalId: 'Policy', severity: 'error' }));
    expect(report.skipped).toEqual([{ file: `${MANY}/README.md` }]);
  });

  test('SARIF: one run, an artifact per template, each result located in its template', () => {
    const run = check([MANY, '--pack', 'generic', '--format', 'sarif']);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.runs).toHaveLength(1);
    const [only] = sarif.runs;
    expect(only.artifacts.map((a: { location: { uri: string } }) => a.location.uri)).toEqual([`${MANY}/nested/handle.json`, `${MANY}/wildcard.yaml`]);
    const result = only.results.find((r: { ruleId: string }) => r.ruleId === 'IAM-NO-WILDCARD-ACTION');
    expect(result.locations[0].physicalLocation.artifactLocation).toEqual({ uri: `${MANY}/wildcard.yaml`, index: 1 });
    expect(only.tool.driver.rules[result.ruleIndex].id).toBe('IAM-NO-WILDCARD-ACTION');
  });

  test('JUnit: a testsuite per template; --output writes the report and prints the totals', () => {
    const out = join(dir, 'many.xml');
    const run = check([MANY, '--pack', 'generic', '--format', 'junit', '--output', out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^2 templates: 1 failing, 1 passing at --fail-on error; .*1 file skipped;/);
    const xml = readFileSync(out, 'utf8');
    expect([...xml.matchAll(/<testsuite name="([^"]+)"/g)].map((m) => m[1])).toEqual([`${MANY}/nested/handle.json`, `${MANY}/wildcard.yaml`]);
    expect(xml).toMatch(/<testsuites name="compliance" tests="\d+" failures="1">/);
  });

  test('--write-baseline then --baseline over a directory: entries per template, exit 0, then only new findings fail', () => {
    const cwd = join(dir, 'baseline');
    mkdirSync(join(cwd, 'templates', 'sub'), { recursive: true });
    copyFileSync(join(ROOT, MANY, 'wildcard.yaml'), join(cwd, 'templates', 'wildcard.yaml'));
    copyFileSync(join(ROOT, MANY, 'wildcard.yaml'), join(cwd, 'templates', 'sub', 'copy.yaml'));
    const written = check(['templates', '--pack', 'generic', '--write-baseline', 'baseline.json'], cwd);
    expect(written.code).toBe(0);
    expect(written.stdout).toMatch(/2 findings written to baseline baseline\.json/);
    const baseline = JSON.parse(readFileSync(join(cwd, 'baseline.json'), 'utf8'));
    expect(baseline.findings.map((e: { template: string; ruleId: string }) => [e.template, e.ruleId])).toEqual([
      ['templates/sub/copy.yaml', 'IAM-NO-WILDCARD-ACTION'],
      ['templates/wildcard.yaml', 'IAM-NO-WILDCARD-ACTION'],
    ]);
    const gated = check(['templates', '--pack', 'generic', '--baseline', 'baseline.json'], cwd);
    expect(gated.code).toBe(0);
    expect(gated.stdout).toMatch(/2 templates: 0 failing, 2 passing .*; 2 baseline findings suppressed; 0 files skipped;/);
    // A third copy is new: its finding is not in the baseline (the key has the template path).
    copyFileSync(join(ROOT, MANY, 'wildcard.yaml'), join(cwd, 'templates', 'third.yaml'));
    const grown = check(['templates', '--pack', 'generic', '--baseline', 'baseline.json'], cwd);
    expect(grown.code).toBe(1);
    expect(grown.stdout).toMatch(/^templates\/third\.yaml: 1 new finding \(1 error, 0 warnings\)/m);
    expect(grown.stdout).toMatch(/3 templates: 1 failing, 2 passing/);
  });
});
