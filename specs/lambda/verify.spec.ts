// The restore verifier's core on its own (lambda/src/verify.ts) against LocalStack's S3 and CloudWatch: the
// cases a deployed stack rarely shows. Any doubt is a failure with evidence: no manifest at all, an unreadable
// one, a manifest that backed nothing up, evidence that cannot be written. Config and events fail in one line.
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { loadVerifyConfig, type VerifyConfig } from '../../lambda/src/config.ts';
import { ConfigError, InvalidEventError } from '../../lambda/src/errors.ts';
import { parseVerifyEvent } from '../../lambda/src/events.ts';
import { EvidenceSchema, runVerification, sampleOf, verificationKey, type VerifyDeps } from '../../lambda/src/verify.ts';
import { seedDocuments } from '../../fixtures/documents/generate.ts';
import { captureLogger, docsOf, getBytes, request, runCore, RUN_DATE } from './helpers.ts';

const RUN_ID = '20261127T060000Z-0000beef';
const NOW = new Date('2026-11-27T06:00:00Z');

test.describe('verifier config and events', () => {
  test('the environment is validated once, one line naming the variable', () => {
    expect(() => loadVerifyConfig({})).toThrow(new ConfigError('Environment variable BACKUP_BUCKET is required', 'BACKUP_BUCKET'));
    const base = { BACKUP_BUCKET: 'bak-bucket', KMS_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/abc', ENVIRONMENT: 'dev' };
    expect(loadVerifyConfig(base)).toMatchObject({ backupBucket: 'bak-bucket', sampleSize: 0, concurrency: 32, metricsNamespace: 'DocumentBackup', logLevel: 'INFO' });
    expect(() => loadVerifyConfig({ ...base, VERIFY_SAMPLE_SIZE: 'ten' })).toThrow('Environment variable VERIFY_SAMPLE_SIZE must be a whole number (got "ten")');
    expect(() => loadVerifyConfig({ ...base, VERIFY_CONCURRENCY: '0' })).toThrow('Environment variable VERIFY_CONCURRENCY must be at least 1 (got "0")');
  });

  test('a scheduled event verifies the newest manifest; a manual one may name it and the sample; anything else is refused', () => {
    expect(parseVerifyEvent({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: '2026-11-27T06:00:00Z' })).toEqual({ trigger: 'scheduled', runDate: '2026-11-27' });
    expect(parseVerifyEvent({})).toEqual({ trigger: 'manual' });
    expect(parseVerifyEvent({ manifest: `manifests/${RUN_DATE}/${RUN_ID}.json`, sample: 5 })).toEqual({ trigger: 'manual', manifestKey: `manifests/${RUN_DATE}/${RUN_ID}.json`, sample: 5 });
    expect(() => parseVerifyEvent({ manifest: 'backups/x.json' })).toThrow(InvalidEventError);
    expect(() => parseVerifyEvent({ sampel: 5 })).toThrow(/Unrecognized key/);
    expect(() => parseVerifyEvent({ sample: -1 })).toThrow('sample: must be at least 0');
    expect(() => parseVerifyEvent([])).toThrow('Invalid event: expected a JSON object, got an array');
  });

  test('a sample is that many distinct items, in their order, and every item can be drawn', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const seen = new Set<number>();
    for (let round = 0; round < 200; round++) {
      const sample = sampleOf(items, 5, random);
      expect(sample).toHaveLength(5);
      expect(new Set(sample).size).toBe(5);
      expect([...sample].sort((a, b) => a - b)).toEqual(sample);
      for (const i of sample) seen.add(i);
    }
    expect(seen.size).toBe(50);
    expect(sampleOf(items, 0, random)).toEqual(items);
    expect(sampleOf(items, 80, random)).toEqual(items);
  });
});

test.describe('verifier core', () => {
  const verifyConfig = (box: { backupBucket: string; kmsKeyArn: string; metricsNamespace: string }): VerifyConfig => ({
    backupBucket: box.backupBucket,
    kmsKeyArn: box.kmsKeyArn,
    environment: 'dev',
    metricsNamespace: box.metricsNamespace,
    logLevel: 'INFO',
    sampleSize: 0,
    concurrency: 8,
  });

  test('no manifest at all is a failed verification, with evidence saying so', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const deps: VerifyDeps = { s3, cloudwatch, logger: captureLogger(), clock: () => NOW, newRunId: () => RUN_ID };
    const result = await runVerification(deps, verifyConfig(box), { trigger: 'manual' });
    expect(result).toMatchObject({ result: 'failed', checked: 0, evidenceWritten: true, metricsPublished: true, error: { code: 'NoManifest' } });
    const evidence = EvidenceSchema.parse(JSON.parse((await getBytes(s3, box.backupBucket, verificationKey('2026-11-27', RUN_ID))).toString()));
    expect(evidence).toMatchObject({ result: 'failed', error: { code: 'NoManifest' }, scope: { checked: 0 } });
    expect(evidence.manifest).toBeUndefined();
  });

  test('an unreadable manifest, and one whose every document failed, verify nothing and fail', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const deps: VerifyDeps = { s3, cloudwatch, logger: captureLogger() };
    const config = verifyConfig(box);
    const broken = `manifests/${RUN_DATE}/broken.json`;
    await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key: broken, Body: '{"schemaVersion": 1' }));
    expect(await runVerification(deps, config, { trigger: 'manual', manifestKey: broken })).toMatchObject({ result: 'failed', error: { code: 'ManifestUnreadable' }, manifestKey: broken });

    // A run whose source listing found documents it could not copy: nothing backed up, so nothing to prove.
    const docs = docsOf({ count: 3, seed: 5 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const run = await runCore({ s3, cloudwatch }, box.config(), request());
    const manifest = JSON.parse((await getBytes(s3, box.backupBucket, run.manifestKey!)).toString());
    const failedOnly = `manifests/${RUN_DATE}/all-failed.json`;
    const entries = manifest.entries.map((e: Record<string, unknown>) => ({ ...e, status: 'failed', error: { code: 'AccessDenied', message: 'denied' } }));
    await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key: failedOnly, Body: JSON.stringify({ ...manifest, status: 'failed', entries }) }));
    const none = await runVerification(deps, config, { trigger: 'manual', manifestKey: failedOnly });
    expect(none).toMatchObject({ result: 'failed', checked: 0, notBackedUp: 3, error: { code: 'NothingToVerify' } });

    // The real manifest passes: the same core, the same bucket.
    expect(await runVerification(deps, config, { trigger: 'manual', manifestKey: run.manifestKey! })).toMatchObject({ result: 'passed', checked: 3, verified: 3, failed: 0 });
  });

  test('a manifest that is short of entries or not complete fails, and so does a day without a scheduled backup or running out of time; a size or a missing checksum is caught', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 4, seed: 8 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const run = await runCore({ s3, cloudwatch }, box.config(), request());
    const real = JSON.parse((await getBytes(s3, box.backupBucket, run.manifestKey!)).toString());
    const config = verifyConfig(box);
    const deps: VerifyDeps = { s3, cloudwatch, logger: captureLogger() };
    const forge = async (name: string, manifest: Record<string, unknown>) => {
      const Key = `manifests/${RUN_DATE}/${name}.json`;
      await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key, Body: JSON.stringify(manifest) }));
      return Key;
    };
    const short = await forge('short', { ...real, entries: real.entries.slice(1) });
    expect(await runVerification(deps, config, { trigger: 'manual', manifestKey: short })).toMatchObject({ result: 'failed', error: { code: 'ManifestIncomplete' } });
    const partial = await forge('partial', { ...real, status: 'partial', stoppedForTime: true });
    expect(await runVerification(deps, config, { trigger: 'manual', manifestKey: partial })).toMatchObject({ result: 'failed', checked: 4, failed: 0, error: { code: 'ManifestNotComplete' } });

    // A scheduled verification proves its day's scheduled backup: the manual run above never stands in for it...
    expect(await runVerification(deps, config, { trigger: 'scheduled', runDate: RUN_DATE })).toMatchObject({ result: 'failed', checked: 0, error: { code: 'MissingDailyBackup' } });
    // ...the day's scheduled run does (the forged names above are no run ids), and another day has none.
    const daily = await runCore({ s3, cloudwatch }, box.config(), request({ trigger: 'scheduled' }));
    expect(await runVerification(deps, config, { trigger: 'scheduled', runDate: RUN_DATE })).toMatchObject({ result: 'passed', manifestKey: daily.manifestKey, checked: 4 });
    expect(await runVerification(deps, config, { trigger: 'scheduled', runDate: '2026-11-28' })).toMatchObject({ result: 'failed', error: { code: 'MissingDailyBackup' } });

    const outOfTime = await runVerification({ ...deps, remainingTimeMs: () => 10_000 }, config, { trigger: 'manual', manifestKey: run.manifestKey! });
    expect(outOfTime).toMatchObject({ result: 'failed', checked: 0, error: { code: 'StoppedForTime' } });

    const [a, b] = real.entries as Array<Record<string, unknown>>;
    const lying = await forge('lying', { ...real, entries: real.entries.map((e: Record<string, unknown>) => (e === a ? { ...e, size: Number(e['size']) + 1 } : e === b ? { ...e, checksum: undefined } : e)) });
    const caught = await runVerification(deps, config, { trigger: 'manual', manifestKey: lying });
    expect(caught.failures.map((f) => [f.key, f.problem]).sort()).toEqual([[a!['key'], 'size-mismatch'], [b!['key'], 'no-checksum']].sort());
    expect(caught).toMatchObject({ result: 'failed', checked: 4, verified: 2, failed: 2 });
  });

  test('evidence that cannot be written fails the run, even when every backup matched', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 2, seed: 6 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const run = await runCore({ s3, cloudwatch }, box.config(), request());
    // Something else already wrote this run id's evidence: it is kept (If-None-Match), and this run proves nothing.
    await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key: verificationKey('2026-11-27', RUN_ID), Body: 'somebody else' }));
    const deps: VerifyDeps = { s3, cloudwatch, logger: captureLogger(), clock: () => NOW, newRunId: () => RUN_ID };
    const result = await runVerification(deps, verifyConfig(box), { trigger: 'manual', manifestKey: run.manifestKey! });
    expect(result).toMatchObject({ result: 'failed', checked: 2, verified: 2, failed: 0, evidenceWritten: false });
    expect(result.evidenceError).toContain('writing evidence');
    const kept = (await getBytes(s3, box.backupBucket, verificationKey('2026-11-27', RUN_ID))).toString();
    expect(kept).toBe('somebody else');
  });
});
