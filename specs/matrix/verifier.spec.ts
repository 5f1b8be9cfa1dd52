// The restore verifier in the permission matrix: its execution role is a principal of its own (`verifier role`),
// its identity policies are collected by the same routes as the backup role's, and a widening of VerifierPolicy
// fails naming exactly the row that widened. A template without a verifier still passes, and says which rows
// did not apply: never a silent pass. Each case is planted into the canonical template; the CLI runs as a child.
import { expect, test } from '@playwright/test';
import type { Json, JsonObject } from '../../scripts/lib/cfn/template.ts';
import { CONTRACT } from '../../scripts/lib/matrix/contract.ts';
import { addStatement, append, differenceLines, matrix, planter, resources, TEMPLATE, type Planter } from './plant.ts';

let planted: Planter;
test.beforeAll(async () => {
  planted = await planter();
});
test.afterAll(async () => {
  await planted.dispose();
});

/** The row ids of the differences on stderr. */
const rowIds = (stderr: string) => differenceLines(stderr).map((l) => /\[([^\]]+)\]/.exec(l)?.[1] ?? l);
const BACKUP_OBJECT = 'arn:aws:s3:::docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf';
const plantedStatement = (action: string, key: string): JsonObject => ({
  Sid: 'Planted', Effect: 'Allow', Action: action, Resource: { 'Fn::Sub': `\${BackupBucket.Arn}/${key}` },
});

// ---------------------------------------------------------------- widenings of VerifierPolicy

test('VerifierPolicy gains s3:PutObject on backups/*: exit 1 naming exactly the verifier row that writes a backup', async () => {
  const path = await planted.plant('verifier-put-backups', (raw) => addStatement(raw, 'VerifierPolicy', 'PolicyDocument', plantedStatement('s3:PutObject', 'backups/*')));
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^matrix: 1 row\(s\) differ from the contract \(aws, 12 scenarios, /m);
  expect(run.stderr).toContain(`became allowed: s3:PutObject on ${BACKUP_OBJECT} by verifier role (SSE-KMS with the stack key) [verifier.s3.put-backup] - VerifierPolicy#Planted`);
  expect(rowIds(run.stderr)).toEqual(['verifier.s3.put-backup']);
  // The backup role's rows are untouched: the verifier's policy is the verifier's alone.
  expect(run.stdout).toMatch(/\| verifier role \| `s3:PutObject` \| `[^`]+\/backups\/[^`]+` \| SSE-KMS with the stack key \| \*\*ALLOWED\*\* \(differs\) \| denied \| VerifierPolicy#Planted \|/);
});

test('VerifierPolicy gains s3:DeleteObjectVersion on backups/*: exit 1 naming the delete-version row, in JSON too', async () => {
  const path = await planted.plant('verifier-delete-versions', (raw) => addStatement(raw, 'VerifierPolicy', 'PolicyDocument', plantedStatement('s3:DeleteObjectVersion', 'backups/*')));
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(`became allowed: s3:DeleteObjectVersion on ${BACKUP_OBJECT} by verifier role [verifier.s3.delete-backup-version] - VerifierPolicy#Planted`);
  expect(rowIds(run.stderr)).toEqual(['verifier.s3.delete-backup-version']);
  const json = matrix(path, '--format', 'json', '--partition', 'aws-us-gov');
  expect(json.code).toBe(1);
  const doc = JSON.parse(json.stdout) as { passes: boolean; differences: string[] };
  expect(doc.passes).toBe(false);
  expect(doc.differences).toEqual([
    'became allowed: s3:DeleteObjectVersion on arn:aws-us-gov:s3:::docbackup-backups-111122223333/backups/2025-01-31/documents/reports/q1.pdf by verifier role [verifier.s3.delete-backup-version] - VerifierPolicy#Planted',
  ]);
});

test('the backup role gains verifications/: exit 1 naming the forged-evidence row', async () => {
  const path = await planted.plant('backup-role-forges-evidence', (raw) => addStatement(raw, 'BackupPolicy', 'PolicyDocument', plantedStatement('s3:PutObject', 'verifications/*')));
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(rowIds(run.stderr)).toEqual(['role.s3.put-evidence']);
  expect(run.stderr).toMatch(/became allowed: s3:PutObject on \S+\/verifications\/2025-01-31\/run-0001\.json by backup role \(SSE-KMS with the stack key\) \[role\.s3\.put-evidence\] - BackupPolicy#Planted/);
});

// ---------------------------------------------------------------- the verifier role's identity policies: the backup role's routes

const DELETE_BACKUPS: JsonObject = { Version: '2012-10-17', Statement: [plantedStatement('s3:DeleteObject', '*')] };
const VERIFIER_ROLE = { Ref: 'VerifierRole' };

const ROUTES: Array<{ route: string; policy: string; edit: (raw: JsonObject) => void }> = [
  { route: 'Role.Policies (inline)', policy: 'VerifierRole.Planted', edit: (raw) => append(raw, 'VerifierRole', 'Policies', { PolicyName: 'Planted', PolicyDocument: DELETE_BACKUPS }) },
  {
    route: 'AWS::IAM::RolePolicy with RoleName: !Ref VerifierRole',
    policy: 'PlantedRolePolicy',
    edit: (raw) => void (resources(raw)['PlantedRolePolicy'] = { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'planted', RoleName: VERIFIER_ROLE, PolicyDocument: DELETE_BACKUPS } }),
  },
  {
    route: 'ManagedPolicyArns: !Ref a customer managed policy',
    policy: 'PlantedManaged',
    edit: (raw) => {
      resources(raw)['PlantedManaged'] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: DELETE_BACKUPS } };
      append(raw, 'VerifierRole', 'ManagedPolicyArns', { Ref: 'PlantedManaged' });
    },
  },
];

for (const { route, policy, edit } of ROUTES) {
  test(`verifier role, ${route}: s3:DeleteObject on the backup bucket -> exit 1 naming the verifier rows and ${policy}`, async () => {
    const path = await planted.plant(`verifier-${route.replace(/\W+/g, '-')}`, edit);
    const run = matrix(path);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`became allowed: s3:DeleteObject on ${BACKUP_OBJECT} by verifier role [verifier.s3.delete-backup] - ${policy}#Planted`);
    // Only the verifier's delete rows differ: nothing leaks to the backup role.
    expect(rowIds(run.stderr).sort()).toEqual(['verifier.s3.delete-backup', 'verifier.s3.delete-evidence', 'verifier.s3.delete-manifest']);
  });
}

test('AmazonS3FullAccess attached to the verifier role by ARN: evaluated, exit 1 naming its rows and the policy', async () => {
  const path = await planted.plant('verifier-s3-full-access', (raw) =>
    append(raw, 'VerifierRole', 'ManagedPolicyArns', { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonS3FullAccess' }),
  );
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).not.toContain('cannot evaluate attached policy');
  expect(run.stderr).toMatch(/\[verifier\.s3\.put-backup\] - arn:aws:iam::aws:policy\/AmazonS3FullAccess#/);
  expect(run.stderr).toMatch(/\[verifier\.s3\.delete-backup-version\] - arn:aws:iam::aws:policy\/AmazonS3FullAccess#/);
  for (const line of differenceLines(run.stderr)) expect(line).toMatch(/ by verifier role .*arn:aws:iam::aws:policy\/AmazonS3FullAccess#/);
});

test('an unreadable policy on the verifier role fails closed like the backup role\'s: exit 1 naming it', async () => {
  const path = await planted.plant('verifier-unknown-customer-managed', (raw) =>
    append(raw, 'VerifierRole', 'ManagedPolicyArns', { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/PayrollAdmin' }),
  );
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(
    'matrix: cannot evaluate attached policy arn:aws:iam::111122223333:policy/PayrollAdmin: attached to VerifierRole by ManagedPolicyArns: a customer managed policy that names no AWS::IAM::ManagedPolicy of the template',
  );
  expect(run.stderr).toMatch(/did not evaluate everything the template may grant/);
  expect(run.stderr).not.toMatch(/rows match the contract/);
  const json = matrix(path, '--format', 'json');
  const doc = JSON.parse(json.stdout) as { passes: boolean; matches: boolean; cannotEvaluate: Array<{ arn: string; reason: string }> };
  expect(json.code).toBe(1);
  expect(doc.matches).toBe(true);
  expect(doc.passes).toBe(false);
  expect(doc.cannotEvaluate.map((c) => c.arn)).toEqual(['arn:aws:iam::111122223333:policy/PayrollAdmin']);
  expect(doc.cannotEvaluate[0]?.reason).toMatch(/^attached to VerifierRole by ManagedPolicyArns: /);
});

// ---------------------------------------------------------------- a template without a verifier

const VERIFIER_RESOURCES = ['VerifierRole', 'VerifierPolicy', 'VerifierLogGroup', 'VerifierFunction', 'VerifierFunctionInvokeConfig', 'VerifyScheduleRule', 'VerifyInvokePermission'];

/** True when `value` refers to one of `ids` (Ref, Fn::GetAtt, Fn::Sub). */
function mentions(value: Json | undefined, ids: Set<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => mentions(v, ids));
  if (typeof value !== 'object' || value === null) return false;
  const ref = value['Ref'];
  if (typeof ref === 'string' && ids.has(ref)) return true;
  const getAtt = value['Fn::GetAtt'];
  const target = Array.isArray(getAtt) ? getAtt[0] : typeof getAtt === 'string' ? getAtt.split('.')[0] : undefined;
  if (typeof target === 'string' && ids.has(target)) return true;
  const sub = value['Fn::Sub'];
  const text = Array.isArray(sub) ? sub[0] : sub;
  if (typeof text === 'string' && [...ids].some((id) => text.includes(`\${${id}}`) || text.includes(`\${${id}.`))) return true;
  return Object.values(value).some((v) => mentions(v, ids));
}

/** Drops list entries that are themselves a reference to `ids` (a rule ARN in a SourceArn list). */
function dropReferences(value: Json, ids: Set<string>): Json {
  const isReference = (v: Json) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && ['Ref', 'Fn::GetAtt', 'Fn::Sub'].includes(Object.keys(v)[0]!);
  if (Array.isArray(value)) return value.filter((v) => !(isReference(v) && mentions(v, ids))).map((v) => dropReferences(v, ids));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dropReferences(v, ids)]));
}

/** The canonical template as it was before the verifier: its resources, what refers to them, and its outputs gone. */
function withoutVerifier(raw: JsonObject): void {
  const all = resources(raw);
  const gone = new Set(VERIFIER_RESOURCES);
  for (const id of gone) {
    expect(all[id], `${id} is in the canonical template`).toBeDefined();
    delete all[id];
  }
  for (const [id, resource] of Object.entries(all)) all[id] = dropReferences(resource, gone) as JsonObject;
  // What still needs a verifier resource (the alarm on the verifier's errors) goes with it.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [id, resource] of Object.entries(all)) {
      if (mentions(resource, gone) || [resource['DependsOn']].flat().some((d) => typeof d === 'string' && gone.has(d))) {
        delete all[id];
        gone.add(id);
        changed = true;
      }
    }
  }
  const outputs = (raw['Outputs'] ?? {}) as Record<string, JsonObject>;
  for (const [id, output] of Object.entries(outputs)) if (mentions(output, gone)) delete outputs[id];
}

const VERIFIER_ROW_IDS = CONTRACT.filter((r) => r.principal === 'verifier-role').map((r) => r.id);

test('a template without a verifier: exit 0, the verifier rows named as not applicable on stderr, in the Markdown and the JSON', async () => {
  expect(VERIFIER_ROW_IDS.length, 'the contract has verifier rows').toBeGreaterThanOrEqual(30);
  const path = await planted.plant('no-verifier', withoutVerifier);
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(0);
  // Visible, not silent: one line naming the reason and every row it skipped, and the summary says so.
  const line = run.stderr.split('\n').find((l) => l.startsWith('matrix: not applicable: the template has no restore verifier: '));
  expect(line, run.stderr).toBeDefined();
  for (const id of VERIFIER_ROW_IDS) expect(line).toMatch(new RegExp(`[(, ]${id.replace(/\./g, '\\.')}[,)]`));
  expect(run.stderr).toMatch(/rows match the contract \(aws, 12 scenarios, [\d.]+s\); backup role: 25 allowed, 94 denied; verifier role: not applicable \(no restore verifier\); \d+ contract row\(s\) not applicable \(above\)$/m);
  expect(run.stdout).toContain('> **Not applicable**: the template has no restore verifier: ');
  expect(run.stdout).not.toContain('| verifier role |');

  const json = matrix(path, '--format', 'json');
  expect(json.code, json.stderr).toBe(0);
  const doc = JSON.parse(json.stdout) as {
    passes: boolean;
    counts: { byPrincipal: Record<string, unknown> };
    notApplicable: Array<{ id: string; principal: string; reason: string }>;
    rows: Array<{ id: string; principal: string; decision: string }>;
  };
  expect(doc.passes).toBe(true);
  expect(doc.counts.byPrincipal['verifier role']).toBeUndefined();
  const skipped = doc.notApplicable.filter((n) => n.reason.startsWith('the template has no restore verifier'));
  for (const id of VERIFIER_ROW_IDS) expect(skipped.map((n) => n.id), id).toContain(id);
  // The services' verifier rows (its schedule, its log group, its trust) are skipped the same way.
  for (const id of ['svc.events.invoke-verifier', 'svc.logs.kms-generate-verifier-group', 'svc.lambda.assume-verifier-role', 'svc.unrelated.assume-verifier-role']) {
    expect(skipped.map((n) => n.id), id).toContain(id);
  }
  expect(skipped.find((n) => n.id === 'verifier.s3.put-evidence')?.principal).toBe('verifier role');
  // What needs no verifier is still evaluated: the backup role may not forge evidence either way.
  expect(doc.rows.find((r) => r.id === 'role.s3.put-evidence')?.decision).toBe('denied');
  expect(doc.rows.some((r) => r.principal === 'verifier role')).toBe(false);
});

test('the canonical template evaluates every verifier row: none is not applicable', () => {
  const run = matrix(TEMPLATE, '--format', 'json');
  expect(run.code, run.stderr).toBe(0);
  const doc = JSON.parse(run.stdout) as { notApplicable: unknown[]; rows: Array<{ id: string; principal: string; decision: string; expected: string }> };
  expect(doc.notApplicable).toEqual([]);
  expect(run.stderr).toMatch(/verifier role: \d+ allowed, \d+ denied/);
  expect(run.stderr).not.toContain('not applicable');
  const ids = new Set(doc.rows.map((r) => r.id));
  for (const id of VERIFIER_ROW_IDS) expect(ids.has(id), id).toBe(true);
  expect(doc.rows.filter((r) => r.principal === 'verifier role' && r.decision === 'denied').length).toBeGreaterThanOrEqual(25);
});
