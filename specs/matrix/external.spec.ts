// Principals outside the stack (issue #15): another account, anonymous and any AWS service principal are
// evaluated with and without the request context they control, so a grant that holds only under an
// attacker-chosen condition (aws:Referer, aws:SecureTransport, aws:SourceArn without aws:SourceAccount: the
// confused deputy) is still caught. Each case is planted into the canonical template and must exit 1 naming
// the row (`+attacker` when it is the attacker-chosen context that gets in).
import { expect, test } from '@playwright/test';
import type { JsonObject } from '../../scripts/lib/cfn/template.ts';
import { OTHER_ACCOUNT } from '../../scripts/lib/matrix/concretise.ts';
import { addStatement, differenceLines, matrix, planter, props, TEMPLATE, type Planter } from './plant.ts';

let planted: Planter;
test.beforeAll(async () => {
  planted = await planter();
});
test.afterAll(async () => {
  await planted.dispose();
});

const BACKUP_OBJECTS = { 'Fn::Sub': '${BackupBucket.Arn}/*' };
const OTHER_ROOT = { 'Fn::Sub': `arn:\${AWS::Partition}:iam::${OTHER_ACCOUNT}:root` };
const getBackups = (principal: JsonObject | string, condition?: JsonObject): JsonObject => ({
  Sid: 'Planted', Effect: 'Allow', Principal: principal, Action: 's3:GetObject', Resource: BACKUP_OBJECTS, ...(condition ? { Condition: condition } : {}),
});
/** Turns the backup bucket's RestrictPublicBuckets off, so a public grant reaches anonymous callers too. */
const unrestricted = (raw: JsonObject) => void ((props(raw, 'BackupBucket')['PublicAccessBlockConfiguration'] as JsonObject)['RestrictPublicBuckets'] = false);

/** The row ids of the differences on stderr. */
const rowIds = (stderr: string) => differenceLines(stderr).map((l) => /\[([^\]]+)\]/.exec(l)?.[1] ?? l);

test('the key policy grants kms:Decrypt to another account: exit 1 naming the direct and the via-S3 rows', async () => {
  const path = await planted.plant('key-decrypt-other-account', (raw) =>
    addStatement(raw, 'BackupKey', 'KeyPolicy', { Sid: 'Planted', Effect: 'Allow', Principal: { AWS: OTHER_ROOT }, Action: 'kms:Decrypt', Resource: '*' }),
  );
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/became allowed: kms:Decrypt on arn:aws:kms:\S+:key\/\S+ by other account \(direct call \(no kms:ViaService\)\) \[other\.kms\.decrypt-direct\] - .*BackupKey\.KeyPolicy#Planted/);
  expect(run.stderr).toMatch(/by other account \(via S3\) \[other\.kms\.decrypt-via-s3\] - .*BackupKey\.KeyPolicy#Planted/);
  expect(rowIds(run.stderr).every((id) => id.startsWith('other.kms.decrypt-'))).toBe(true);
});

test('the backup bucket policy lets another account s3:GetObject: exit 1 naming the row', async () => {
  const path = await planted.plant('bucket-get-other-account', (raw) => addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups({ AWS: OTHER_ROOT })));
  const run = matrix(path, '--partition', 'aws-us-gov');
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/became allowed: s3:GetObject on arn:aws-us-gov:s3:::\S+\/backups\/\S+ by other account \[other\.s3\.get-backup\] - .*BackupBucketPolicy#Planted/);
});

test("Principal '*' on backups behind aws:Referer only: the attacker sends the Referer, exit 1 naming the +attacker rows", async () => {
  const referer = { StringLike: { 'aws:Referer': 'https://portal.example.com/*' } };
  // RestrictPublicBuckets keeps anonymous and other accounts out of a public grant, but not a service principal.
  const restricted = await planted.plant('bucket-star-referer', (raw) => addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups('*', referer)));
  const run = matrix(restricted);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(
    /became allowed: s3:GetObject on \S+\/backups\/\S+ by ssm\.amazonaws\.com \(aws:SourceAccount=this account; attacker-chosen to satisfy BackupBucketPolicy#Planted: aws:Referer\) \[svc\.unrelated\.get-backup\+attacker\] - BackupBucketPolicy#Planted/,
  );
  // Without the Referer nobody gets in: only the attacker-chosen context finds it.
  expect(rowIds(run.stderr)).toEqual(['svc.unrelated.get-backup+attacker']);

  const open = await planted.plant('bucket-star-referer-unrestricted', (raw) => {
    unrestricted(raw);
    addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups('*', referer));
  });
  const anyone = matrix(open);
  expect(anyone.code, anyone.stderr).toBe(1);
  expect(rowIds(anyone.stderr).sort()).toEqual(['anon.s3.get-backup+attacker', 'other.s3.get-backup+attacker', 'svc.unrelated.get-backup+attacker']);
  expect(anyone.stderr).toMatch(/by anonymous \(attacker-chosen to satisfy BackupBucketPolicy#Planted: aws:Referer\) \[anon\.s3\.get-backup\+attacker\]/);
});

test("Principal '*' on backups behind aws:SecureTransport only: exit 1 naming anonymous once the bucket is not restricted", async () => {
  const tls = { Bool: { 'aws:SecureTransport': 'true' } };
  const path = await planted.plant('bucket-star-tls-unrestricted', (raw) => {
    unrestricted(raw);
    addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups('*', tls));
  });
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  for (const row of ['anon.s3.get-backup', 'other.s3.get-backup', 'svc.unrelated.get-backup']) {
    expect(run.stderr).toMatch(new RegExp(`\\[${row.replace(/\./g, '\\.')}(\\+attacker)?\\] - .*BackupBucketPolicy#Planted`));
  }
});

test("Principal '*' behind a header that need only be present (Null: false) or a request tag key: exit 1 naming the +attacker rows", async () => {
  const conditions: Array<[string, JsonObject]> = [
    ['user-agent-present', { Null: { 'aws:UserAgent': 'false' } }],
    ['tag-key', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'share' } }],
  ];
  for (const [name, condition] of conditions) {
    const path = await planted.plant(`bucket-star-${name}`, (raw) => {
      unrestricted(raw);
      addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups('*', condition));
    });
    const run = matrix(path);
    expect(run.code, `${name}: ${run.stderr}`).toBe(1);
    expect(rowIds(run.stderr), name).toContain('anon.s3.get-backup+attacker');
    expect(rowIds(run.stderr), name).not.toContain('anon.s3.get-backup');
  }
});

test('a service principal granted on the backup bucket without aws:SourceAccount (confused deputy): exit 1 naming the +attacker row', async () => {
  const trailArn = { ArnLike: { 'aws:SourceArn': { 'Fn::Sub': 'arn:${AWS::Partition}:cloudtrail:*:*:trail/*' } } };
  const path = await planted.plant('bucket-service-no-source-account', (raw) =>
    addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups({ Service: 'cloudtrail.amazonaws.com' }, trailArn)),
  );
  for (const partition of ['aws', 'aws-cn']) {
    const run = matrix(path, '--partition', partition);
    expect(run.code, run.stderr).toBe(1);
    // A service the contract gives no job gets the unrelated-service rows, and another account's trail gets in.
    expect(run.stderr).toMatch(
      /by cloudtrail\.amazonaws\.com \(aws:SourceAccount=this account; attacker-chosen to satisfy BackupBucketPolicy#Planted: aws:SourceArn, aws:SourceAccount=another account\) \[svc\.unrelated\.get-backup@cloudtrail\+attacker\] - BackupBucketPolicy#Planted/,
    );
    expect(rowIds(run.stderr)).toEqual(['svc.unrelated.get-backup@cloudtrail+attacker']);
  }

  // Pinning aws:SourceAccount keeps other accounts out, but a service with no job here still reads this account's backups.
  const pinned = await planted.plant('bucket-service-own-account', (raw) =>
    addStatement(raw, 'BackupBucketPolicy', 'PolicyDocument', getBackups({ Service: 'cloudtrail.amazonaws.com' }, { ...trailArn, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } })),
  );
  const own = matrix(pinned);
  expect(own.code, own.stderr).toBe(1);
  expect(own.stderr).toMatch(/attacker-chosen to satisfy BackupBucketPolicy#Planted: aws:SourceArn, aws:SourceAccount=this account\) \[svc\.unrelated\.get-backup@cloudtrail\+attacker\]/);
});

test('a service the stack relies on, for another account: the access-log grant without aws:SourceAccount fails on the +attacker rows', async () => {
  const path = await planted.plant('access-log-no-source-account', (raw) => {
    const doc = props(raw, 'AccessLogBucketPolicy')['PolicyDocument'] as JsonObject;
    const delivery = (doc['Statement'] as JsonObject[]).find((st) => st['Sid'] === 'AllowAccessLogDeliveryFromTheBackupBucket')!;
    delete (delivery['Condition'] as JsonObject)['StringEquals'];
  });
  const run = matrix(path);
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/by logging\.s3\.amazonaws\.com \(.*attacker-chosen to satisfy AccessLogBucketPolicy#AllowAccessLogDeliveryFromTheBackupBucket: aws:SourceArn, aws:SourceAccount=another account\) \[svc\.logging\.put-access-log-no-source\+attacker\]/);
  expect(rowIds(run.stderr)).toContain('svc.logging.put-access-log-other-account');
});

test('the canonical template passes with the attacker rows, in every partition', async () => {
  for (const partition of ['aws', 'aws-cn', 'aws-us-gov']) {
    const run = matrix(TEMPLATE, '--partition', partition, '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { passes: boolean; rows: Array<{ id: string; decision: string }> };
    expect(doc.passes).toBe(true);
    const attacker = doc.rows.filter((r) => r.id.endsWith('+attacker'));
    // Every external principal kind is asked with attacker-chosen context somewhere, and is denied.
    for (const prefix of ['other.', 'anon.', 'svc.events.', 'svc.logs.', 'svc.logging.', 'svc.cloudwatch.', 'svc.lambda.', 'svc.unrelated.']) {
      expect(attacker.some((r) => r.id.startsWith(prefix)), `${prefix} has +attacker rows in ${partition}`).toBe(true);
    }
    expect(attacker.every((r) => r.decision === 'denied')).toBe(true);
  }
});
