// The scheduled restore verification through the deployed stack (issue #20): the verifier function, on its own
// schedule and role, checks the newest manifest against the backup objects with the checksums S3 stores (HEAD in
// checksum mode, no download), writes evidence under verifications/, publishes RestoreVerified and
// VerificationFailures, and ends with a function error when a backup does not match. Each tampering below is
// one a real incident would produce: a later write by a principal allowed to write (another current version), a
// delete marker (the object is gone for anyone reading "the latest"), and a manifest whose checksum lies.
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeRuleCommand, EventBridgeClient, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { invokeBackup, readVerifyMetrics, scheduledEvent, type InvokeOutcome } from '../../scripts/lib/invoke.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { EvidenceSchema, type Evidence } from '../../lambda/src/verify.ts';
import { parseManifest } from '../../lambda/src/manifest-reader.ts';
import type { DeployedStack } from '../support/stack.ts';

const COUNT = 8;
const RUN = new Date('2026-12-02T02:00:00Z');
const RUN_DATE = '2026-12-02';
/** The verifier's schedule fires the same day, four hours later: it verifies that day's scheduled backup. */
const VERIFY_TIME = new Date('2026-12-02T06:00:00Z');

test.describe.configure({ mode: 'serial' });

test.describe('scheduled restore verification', () => {
  const documents = [...generateDocuments({ count: COUNT, seed: 2021 })].sort((a, b) => (a.key < b.key ? -1 : 1));
  let own: DeployedStack;
  let manifestKey = '';

  /** Invokes the deployed verifier and reads what it left: the evidence object and the metrics of its window. */
  async function verify(target: AwsTarget, s3: S3Client, event: unknown) {
    // CloudWatch sums per whole minute, so earlier runs of the same minute are in any window: this run's metrics
    // are the difference of the same window read before and after it (only this spec runs a verifier).
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const to = new Date(Date.now() + 180_000);
    const before = await readVerifyMetrics(target, 'dev', from, to);
    const outcome = await invokeBackup(target, own.outputs['VerifierLambdaName']!, event);
    const runPayload = outcome.functionError ? undefined : (outcome.payload as { evidenceKey?: string });
    // A function error's payload is { errorType, errorMessage }; the message names the evidence key.
    const evidenceKey = runPayload?.evidenceKey ?? /evidence (verifications\/\S+\.json)/.exec(String(outcome.payload['errorMessage']))?.[1];
    expect(evidenceKey, JSON.stringify(outcome.payload)).toMatch(/^verifications\/\d{4}-\d{2}-\d{2}\/[^/]+\.json$/);
    const object = await s3.send(new GetObjectCommand({ Bucket: own.backupBucket, Key: evidenceKey! }));
    const evidence: Evidence = EvidenceSchema.parse(JSON.parse(await object.Body!.transformToString()));
    expect(object.ServerSideEncryption).toBe('aws:kms');
    expect(object.SSEKMSKeyId).toBe(own.outputs['KMSKeyArn']);
    const after = await readVerifyMetrics(target, 'dev', from, to);
    const metrics = Object.fromEntries(Object.entries(after).map(([name, value]) => [name, (value ?? 0) - (before[name as keyof typeof before] ?? 0)]));
    return { outcome, evidence, metrics };
  }

  const failuresOf = (e: Evidence) => e.failures.map((f) => [f.key, f.problem]).sort();
  const expectFunctionError = (outcome: InvokeOutcome, ...fragments: string[]) => {
    expect(outcome.functionError).toBeDefined();
    expect(outcome.payload['errorType']).toBe('VerificationFailedError');
    for (const f of fragments) expect(String(outcome.payload['errorMessage'])).toContain(f);
  };

  test.beforeAll(async ({ ownStacks, target }) => {
    test.setTimeout(300_000);
    own = await ownStacks.deploy({ prefix: 'dbs-verify' });
    const s3 = new S3Client(clientConfig(target));
    await seedDocuments(s3, own.sourceBucket, documents, { concurrency: 8 });
    s3.destroy();
    const backup = await invokeBackup(target, own.outputs['BackupLambdaName']!, scheduledEvent(RUN));
    expect(backup.functionError, JSON.stringify(backup.payload)).toBeUndefined();
    manifestKey = String(backup.payload['manifestKey']);
  });

  test('the verifier is its own function, role and daily schedule, after the backup', async ({ target }) => {
    const lambda = new LambdaClient(clientConfig(target));
    const events = new EventBridgeClient(clientConfig(target));
    try {
      const fn = (await lambda.send(new GetFunctionCommand({ FunctionName: own.outputs['VerifierLambdaName'] }))).Configuration!;
      expect(fn.Handler).toBe('verify.handler');
      expect(fn.Runtime).toBe('nodejs24.x');
      expect(fn.Role).toBe(own.outputs['VerifierRoleArn']);
      expect(fn.Role).not.toBe(own.outputs['BackupRoleArn']);
      expect(fn.KMSKeyArn).toBe(own.outputs['KMSKeyArn']);
      expect(fn.LoggingConfig?.LogGroup).toBe(own.outputs['VerifierLogGroupName']);
      expect(fn.Environment?.Variables).toMatchObject({ BACKUP_BUCKET: own.backupBucket, KMS_KEY_ARN: own.outputs['KMSKeyArn'], ENVIRONMENT: 'dev' });
      expect(fn.Environment?.Variables?.['SOURCE_BUCKET']).toBeUndefined();
      const rule = await events.send(new DescribeRuleCommand({ Name: own.outputs['VerifyRuleName'] }));
      expect(rule.ScheduleExpression).toBe('cron(0 6 * * ? *)');
      expect(rule.State).toBe('ENABLED');
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: own.outputs['VerifyRuleName'] }));
      expect(targets.Targets?.map((t) => t.Arn)).toEqual([own.outputs['VerifierLambdaArn']]);
      expect(targets.Targets?.[0]?.DeadLetterConfig?.Arn).toBe(own.outputs['DeadLetterQueueArn']);
    } finally {
      lambda.destroy();
      events.destroy();
    }
  });

  test('its alarms watch the verifier: a failure, a function error, and 26 hours without a verified restore', async ({ target }) => {
    const cloudwatch = new CloudWatchClient(clientConfig(target));
    try {
      const alarms = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: own.stackName, MaxRecords: 100 }))).MetricAlarms ?? [];
      const mine = alarms.filter((a) => a.AlarmActions?.includes(own.outputs['AlarmTopicArn']!));
      const on = (metric: string) => mine.find((a) => a.MetricName === metric && (a.Dimensions ?? []).some((d) => d.Value === 'dev' || d.Value === own.outputs['VerifierLambdaName']));
      expect(on('VerificationFailures')).toMatchObject({ Namespace: 'DocumentBackup', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(on('RestoreVerified')).toMatchObject({ Namespace: 'DocumentBackup', Period: 3600, EvaluationPeriods: 26, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
      const errors = mine.find((a) => a.MetricName === 'Errors' && a.Dimensions?.some((d) => d.Name === 'FunctionName' && d.Value === own.outputs['VerifierLambdaName']));
      expect(errors).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1 });
    } finally {
      cloudwatch.destroy();
    }
  });

  test('a good backup passes: every entry checked, evidence written with the stack key, RestoreVerified 1', async ({ target, s3 }) => {
    const { outcome, evidence, metrics } = await verify(target, s3, scheduledEvent(VERIFY_TIME));
    expect(outcome.functionError, JSON.stringify(outcome.payload)).toBeUndefined();
    expect(outcome.payload).toMatchObject({ result: 'passed', checked: COUNT, verified: COUNT, failed: 0, manifestKey, metricsPublished: true });
    expect(evidence).toMatchObject({
      result: 'passed',
      trigger: 'scheduled',
      environment: 'dev',
      manifest: { bucket: own.backupBucket, key: manifestKey, runDate: RUN_DATE, status: 'complete', entries: COUNT },
      scope: { mode: 'all', sampleSize: 0, eligible: COUNT, checked: COUNT, unchecked: 0 },
      counts: { verified: COUNT, failed: 0, notBackedUp: 0 },
      failures: [],
    });
    expect(metrics).toEqual({ RestoreVerified: 1, VerificationFailures: 0, DocumentsVerified: COUNT });
  });

  test('a sample checks that many entries and lists them in the evidence', async ({ target, s3 }) => {
    const { outcome, evidence } = await verify(target, s3, { sample: 3 });
    expect(outcome.functionError, JSON.stringify(outcome.payload)).toBeUndefined();
    expect(evidence.scope).toEqual({ mode: 'sample', sampleSize: 3, eligible: COUNT, checked: 3, unchecked: 0 });
    expect(evidence.sample).toHaveLength(3);
    for (const key of evidence.sample!) expect(documents.map((d) => d.key)).toContain(key);
  });

  test('a manifest entry whose checksum lies is caught: checksum-mismatch, evidence, metric and function error', async ({ target, s3 }) => {
    const real = parseManifest(await (await s3.send(new GetObjectCommand({ Bucket: own.backupBucket, Key: manifestKey }))).Body!.transformToString());
    const liar = real.entries![0]!;
    const forged = { ...real, runId: `${real.runId}-forged`, entries: real.entries!.map((e) => (e.key === liar.key ? { ...e, checksum: { ...e.checksum!, value: real.entries![1]!.checksum!.value } } : e)) };
    const forgedKey = `manifests/${RUN_DATE}/${forged.runId}.json`;
    await s3.send(new PutObjectCommand({ Bucket: own.backupBucket, Key: forgedKey, Body: JSON.stringify(forged), ContentType: 'application/json' }));
    const { outcome, evidence, metrics } = await verify(target, s3, { manifest: forgedKey });
    expectFunctionError(outcome, '1 of 8 backups failed verification (1 checksum-mismatch)', 'evidence verifications/');
    expect(evidence.result).toBe('failed');
    expect(evidence.manifest?.key).toBe(forgedKey);
    expect(failuresOf(evidence)).toEqual([[liar.key, 'checksum-mismatch']]);
    expect(evidence.failures[0]!.message).toContain(liar.checksum!.value);
    expect(metrics).toEqual({ RestoreVerified: 0, VerificationFailures: 1, DocumentsVerified: COUNT - 1 });
  });

  test('a current version that is not the recorded one is caught (written later by a principal allowed to write)', async ({ target, s3 }) => {
    const doc = documents[2]!;
    const Key = `backups/${RUN_DATE}/${doc.key}`;
    const recorded = await s3.send(new HeadObjectCommand({ Bucket: own.backupBucket, Key }));
    // Same bytes even: what counts is that a restore of "the latest" no longer reads what the backup recorded.
    const later = await s3.send(new PutObjectCommand({ Bucket: own.backupBucket, Key, Body: doc.body }));
    const { outcome, evidence, metrics } = await verify(target, s3, { manifest: manifestKey });
    expectFunctionError(outcome, '1 other-version');
    expect(failuresOf(evidence)).toEqual([[doc.key, 'other-version']]);
    expect(evidence.failures[0]).toMatchObject({ expectedVersionId: recorded.VersionId, actualVersionId: later.VersionId, recordedVersion: 'retained' });
    expect(metrics).toEqual({ RestoreVerified: 0, VerificationFailures: 1, DocumentsVerified: COUNT - 1 });
  });

  test('a missing object (a delete marker over the backup) is caught, next to the other version', async ({ target, s3 }) => {
    const doc = documents[3]!;
    // Object Lock keeps the version; a plain DELETE still hides it behind a delete marker.
    await s3.send(new DeleteObjectCommand({ Bucket: own.backupBucket, Key: `backups/${RUN_DATE}/${doc.key}` }));
    const { outcome, evidence, metrics } = await verify(target, s3, scheduledEvent(VERIFY_TIME));
    expectFunctionError(outcome, '2 of 8 backups failed verification', '1 missing', '1 other-version');
    // The scheduled run picks that day's newest scheduled run: the real one (the forged name is no run id).
    expect(evidence.manifest?.key).toBe(manifestKey);
    expect(failuresOf(evidence)).toEqual(
      [
        [documents[2]!.key, 'other-version'],
        [doc.key, 'missing'],
      ].sort(),
    );
    expect(metrics).toEqual({ RestoreVerified: 0, VerificationFailures: 2, DocumentsVerified: COUNT - 2 });
  });

  test('a bad event is refused before any work, in one line', async ({ target }) => {
    const outcome = await invokeBackup(target, own.outputs['VerifierLambdaName']!, { manifest: '../etc/passwd' });
    expect(outcome.payload['errorType']).toBe('InvalidEventError');
    expect(String(outcome.payload['errorMessage'])).toContain('manifest: must be a summary manifest key');
  });
});
