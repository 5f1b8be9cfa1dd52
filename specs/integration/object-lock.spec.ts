// Object Lock through the deployed stack (issue #20): every version the daily backup writes is locked for the
// backup retention (GOVERNANCE, 30 days in dev) without the function asking for it; while retained it cannot be
// deleted nor its retention shortened, with the error S3 gives (AccessDenied); a governance bypass, the one way
// around GOVERNANCE, is refused by the bucket policy to every principal but the break-glass role; and the
// backup and its idempotent re-run keep working. The stack is a worker stack of its own (its backups must not
// meet other specs' documents), deployed with a break-glass role name so both sides of the exception run.
// LocalStack evaluates no bucket policy: the extension's s3_object_lock_policy patch enforces its Object Lock
// denials (see scripts/localstack-ext), and this spec's bypass tests fail without it.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketPolicyCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectRetentionCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { invokeBackup, scheduledEvent } from '../../scripts/lib/invoke.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { uniqueName } from '../../scripts/lib/aws/resources.ts';
import type { DeployedStack } from '../support/stack.ts';
import { deployStack } from '../../scripts/lib/deploy.ts';
import { breakGlassS3 } from '../support/break-glass.ts';

const COUNT = 12;
const RUN = new Date('2026-12-01T02:00:00Z');
const RUN_DATE = '2026-12-01';
const DAY_MS = 86_400_000;
/** dev: BackupRetentionDays and ObjectLockMode of the template's EnvironmentConfig. */
const RETENTION_DAYS = 30;
const MODE = 'GOVERNANCE';

/** A new version under backups/, locked by the bucket's default retention (asserted), for a test of its own. */
async function lockedVersion(s3: S3Client, bucket: string, name: string): Promise<{ Key: string; VersionId: string }> {
  const Key = `backups/${RUN_DATE}/lock-probe/${name}.txt`;
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: `probe ${name}` }));
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key, VersionId: put.VersionId }));
  expect(head.ObjectLockMode).toBe(MODE);
  return { Key, VersionId: put.VersionId! };
}

/** The error name (S3's error code) a rejected call ends with; '' when it succeeded. */
async function errorOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => '',
    (e: Error) => e.name,
  );
}

test.describe.configure({ mode: 'serial' });

test.describe('Object Lock on the backup bucket', () => {
  const documents = [...generateDocuments({ count: COUNT, seed: 2020 })];
  const breakGlassRole = uniqueName('lock-break-glass');
  let own: DeployedStack;
  let locked: { Key: string; VersionId: string };

  test.beforeAll(async ({ ownStacks, target }) => {
    own = await ownStacks.deploy({ prefix: 'dbs-lock', breakGlassRoleName: breakGlassRole });
    const s3 = new S3Client(clientConfig(target));
    await seedDocuments(s3, own.sourceBucket, documents, { concurrency: 8 });
    s3.destroy();
  });

  test('the bucket is created with Object Lock: GOVERNANCE for the 30-day backup retention, and the lock denials in its policy', async ({ s3 }) => {
    const config = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: own.backupBucket }));
    expect(config.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: MODE, Days: RETENTION_DAYS } },
    });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: own.backupBucket }))).Policy ?? '{}');
    const sids = (policy.Statement as Array<{ Sid?: string }>).map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(['DenyGovernanceBypass', 'DenyObjectLockConfigurationChanges', 'DenyRetentionShorterThanTheBackupRetention', 'DenyAnotherRetentionMode']));
  });

  test('the daily backup locks every version it writes for the backup retention, asking for nothing', async ({ s3, target }) => {
    const before = Date.now();
    const outcome = await invokeBackup(target, own.outputs['BackupLambdaName']!, scheduledEvent(RUN));
    expect(outcome.functionError, JSON.stringify(outcome.payload)).toBeUndefined();
    expect(outcome.payload).toMatchObject({ runDate: RUN_DATE, status: 'complete', counts: { listed: COUNT, copied: COUNT, unchanged: 0, failed: 0 } });
    const manifestKey = String(outcome.payload['manifestKey']);
    for (const Key of [...documents.map((d) => `backups/${RUN_DATE}/${d.key}`), manifestKey]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, Key }));
      expect(head.ObjectLockMode, Key).toBe(MODE);
      const until = head.ObjectLockRetainUntilDate!.getTime();
      expect(until, Key).toBeGreaterThanOrEqual(before + RETENTION_DAYS * DAY_MS - 60_000);
      expect(until, Key).toBeLessThanOrEqual(Date.now() + RETENTION_DAYS * DAY_MS + 60_000);
    }
    const Key = `backups/${RUN_DATE}/${documents[0]!.key}`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, Key }));
    locked = { Key, VersionId: head.VersionId! };
  });

  test('a backup version cannot be deleted while retained: AccessDenied, one by one or in a batch', async ({ s3 }) => {
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: own.backupBucket, ...locked })))).toBe('AccessDenied');
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: own.backupBucket, Delete: { Objects: [locked] } }));
    expect(batch.Deleted ?? []).toEqual([]);
    expect(batch.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([[locked.Key, locked.VersionId, 'AccessDenied']]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, ...locked }));
    expect(head.VersionId).toBe(locked.VersionId);
  });

  test('its retention cannot be shortened (AccessDenied), nor the mode changed to COMPLIANCE past the policy; extending it works', async ({ s3 }) => {
    const current = (await s3.send(new GetObjectRetentionCommand({ Bucket: own.backupBucket, ...locked }))).Retention!;
    const shorter = new Date(current.RetainUntilDate!.getTime() - 10 * DAY_MS);
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ Bucket: own.backupBucket, ...locked, Retention: { Mode: MODE, RetainUntilDate: shorter } })))).toBe('AccessDenied');
    const after = (await s3.send(new GetObjectRetentionCommand({ Bucket: own.backupBucket, ...locked }))).Retention!;
    expect(after).toEqual(current);
    // The policy pins the environment's mode: COMPLIANCE on a dev backup would make it undeletable even by break-glass.
    const longer = new Date(current.RetainUntilDate!.getTime() + 5 * DAY_MS);
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ Bucket: own.backupBucket, ...locked, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: longer } })))).toBe('AccessDenied');
    await s3.send(new PutObjectRetentionCommand({ Bucket: own.backupBucket, ...locked, Retention: { Mode: MODE, RetainUntilDate: longer } }));
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: own.backupBucket, ...locked }))).Retention).toEqual({ Mode: MODE, RetainUntilDate: longer });
  });

  test('a governance bypass is denied by the bucket policy to a principal that is not the break-glass role', async ({ s3 }) => {
    // A version of its own (locked by the bucket default like any backup), so the test stands alone under -g.
    const probe = await lockedVersion(s3, own.backupBucket, 'bypass');
    // The caller is the account itself (LocalStack's default credentials): AdministratorAccess and more.
    const bypass = { BypassGovernanceRetention: true } as const;
    expect(await errorOf(s3.send(new DeleteObjectCommand({ Bucket: own.backupBucket, ...probe, ...bypass })))).toBe('AccessDenied');
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: own.backupBucket, Delete: { Objects: [probe] }, ...bypass }));
    expect(batch.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);
    const current = (await s3.send(new GetObjectRetentionCommand({ Bucket: own.backupBucket, ...probe }))).Retention!;
    const shorter = new Date(Date.now() + DAY_MS);
    expect(await errorOf(s3.send(new PutObjectRetentionCommand({ Bucket: own.backupBucket, ...probe, Retention: { Mode: MODE, RetainUntilDate: shorter }, ...bypass })))).toBe('AccessDenied');
    // (DenyObjectLockConfigurationChanges is proven by the matrix only: the extension does not enforce it, see
    // s3_object_lock_policy, since it would refuse CloudFormation's own configuration updates as AWS does.)
    expect((await s3.send(new GetObjectRetentionCommand({ Bucket: own.backupBucket, ...probe }))).Retention).toEqual(current);
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: own.backupBucket, Prefix: probe.Key }));
    expect(versions.Versions?.map((v) => v.VersionId)).toContain(probe.VersionId);
  });

  test('the daily re-run is idempotent under the lock, and a changed document gets a new locked version', async ({ s3, target }) => {
    const rerun = await invokeBackup(target, own.outputs['BackupLambdaName']!, scheduledEvent(RUN));
    expect(rerun.functionError, JSON.stringify(rerun.payload)).toBeUndefined();
    expect(rerun.payload).toMatchObject({ status: 'complete', counts: { listed: COUNT, copied: 0, unchanged: COUNT, failed: 0 } });
    const changed = documents[1]!;
    await s3.send(new PutObjectCommand({ Bucket: own.sourceBucket, Key: changed.key, Body: `${changed.body.toString('latin1')} (edited)` }));
    const third = await invokeBackup(target, own.outputs['BackupLambdaName']!, scheduledEvent(RUN));
    expect(third.payload).toMatchObject({ status: 'complete', counts: { listed: COUNT, copied: 1, unchanged: COUNT - 1, failed: 0 } });
    const Key = `backups/${RUN_DATE}/${changed.key}`;
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: own.backupBucket, Prefix: Key }))).Versions ?? [];
    expect(versions.filter((v) => v.Key === Key)).toHaveLength(2);
    for (const v of versions.filter((x) => x.Key === Key)) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, Key, VersionId: v.VersionId }));
      expect(head.ObjectLockMode, `${Key} ${v.VersionId}`).toBe(MODE);
    }
  });

  test('the break-glass role named by the stack may bypass governance: the one exception', async ({ target, s3 }) => {
    const probe = await lockedVersion(s3, own.backupBucket, 'break-glass');
    const asBreakGlass = await breakGlassS3(target, breakGlassRole);
    try {
      // Without the bypass header S3 itself still refuses: the role lifts the lock only on purpose.
      expect(await errorOf(asBreakGlass.send(new DeleteObjectCommand({ Bucket: own.backupBucket, ...probe })))).toBe('AccessDenied');
      await asBreakGlass.send(new DeleteObjectCommand({ Bucket: own.backupBucket, ...probe, BypassGovernanceRetention: true }));
      const versions = await asBreakGlass.send(new ListObjectVersionsCommand({ Bucket: own.backupBucket, Prefix: probe.Key }));
      expect(versions.Versions?.map((v) => v.VersionId) ?? []).not.toContain(probe.VersionId);
    } finally {
      asBreakGlass.destroy();
    }
  });

  test('a redeploy that does not name the break-glass role keeps it (the Default would drop the exception)', async ({ target, s3 }) => {
    const result = await deployStack({ target, environment: 'dev', bucketName: own.backupBucket, sourceBucket: own.sourceBucket, stackName: own.stackName });
    expect(result.status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: own.backupBucket }))).Policy ?? '{}');
    const bypass = (policy.Statement as Array<{ Sid?: string; Condition?: Record<string, Record<string, string>> }>).find((st) => st.Sid === 'DenyGovernanceBypass');
    expect(bypass?.Condition?.['ArnNotEquals']?.['aws:PrincipalArn']).toBe(`arn:aws:iam::000000000000:role/${breakGlassRole}`);
  });
});
