// The backup core against real S3, KMS and CloudWatch in LocalStack: no mocks. Runs as a whole (manifest,
// idempotency, dry run, time limit, metrics); copy-level cases (keys, sizes, multipart, faults mid-run, the
// copy window) are in copy.spec.ts.
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ListMetricsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { seedDocuments } from '../../fixtures/documents/generate.ts';
import { BACKUP_TAGS } from '../../lambda/src/backup.ts';
import { ENVIRONMENT_DIMENSION, METRIC } from '../../lambda/src/metrics.ts';
import { sumBackupMetrics } from '../../scripts/lib/invoke.ts';
import { MANIFEST_SCHEMA_VERSION } from '../../lambda/src/manifest.ts';
import {
  RUN_DATE,
  backupKeyOf as target,
  docsOf,
  expectBackedUp,
  expectSameBytes,
  getBytes,
  listKeys,
  readManifest,
  request,
  runCore,
  sha256,
  tagsOf,
  unreachableCloudWatch,
} from './helpers.ts';

test.describe('backup core', () => {
  test('empty source: complete run, empty manifest, metrics published', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result).toMatchObject({
      status: 'complete',
      runDate: RUN_DATE,
      counts: { listed: 0, copied: 0, unchanged: 0, failed: 0 },
      bytesCopied: 0,
      metricsPublished: true,
      manifestKey: `manifests/${RUN_DATE}/${result.runId}.json`,
    });
    const { manifest, entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(entries).toEqual([]);
    expect(manifest).toMatchObject({
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      runId: result.runId,
      environment: 'dev',
      status: 'complete',
      source: { bucket: box.sourceBucket, prefix: '' },
      target: { bucket: box.backupBucket, prefix: `backups/${RUN_DATE}/` },
    });
    expect(await listKeys(s3, box.backupBucket)).toEqual([result.manifestKey]);
  });

  test('one document: SSE-KMS copy with carried-over headers and backup metadata', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const body = Buffer.from('quarterly report\n');
    await s3.send(
      new PutObjectCommand({
        Bucket: box.sourceBucket,
        Key: 'reports/q3.txt',
        Body: body,
        ContentType: 'text/plain; charset=utf-8',
        ContentDisposition: 'attachment; filename="q3.txt"',
        CacheControl: 'no-cache',
        ContentEncoding: 'identity',
        Metadata: { owner: 'finance' },
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result).toMatchObject({ status: 'complete', counts: { listed: 1, copied: 1, unchanged: 0, failed: 0 }, bytesCopied: body.length });

    const head = await s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: target('reports/q3.txt'), ChecksumMode: 'ENABLED' }));
    const source = await s3.send(new HeadObjectCommand({ Bucket: box.sourceBucket, Key: 'reports/q3.txt' }));
    expect(head).toMatchObject({
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: box.kmsKeyArn,
      BucketKeyEnabled: true,
      ContentType: 'text/plain; charset=utf-8',
      ContentDisposition: 'attachment; filename="q3.txt"',
      CacheControl: 'no-cache',
      ContentEncoding: 'identity',
      ChecksumSHA256: sha256(body),
    });
    // The document's own user metadata, unchanged; the bookkeeping is in the backup's tags.
    expect(head.Metadata).toEqual({ owner: 'finance' });
    expect(await tagsOf(s3, box.backupBucket, target('reports/q3.txt'))).toEqual({
      [BACKUP_TAGS.sourceEtag]: source.ETag!.replaceAll('"', ''),
      [BACKUP_TAGS.runId]: result.runId,
    });
    expect(sha256(await getBytes(s3, box.backupBucket, target('reports/q3.txt')))).toBe(sha256(body));
    const { entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(entries).toEqual([
      {
        key: 'reports/q3.txt',
        targetKey: target('reports/q3.txt'),
        size: body.length,
        sourceEtag: source.ETag!.replaceAll('"', ''),
        status: 'copied',
        method: 'copy',
        checksum: { algorithm: 'SHA256', type: 'FULL_OBJECT', value: sha256(body) },
      },
    ]);
    const summary = result.logs.filter((l) => l.message === 'backup run summary');
    expect(summary).toHaveLength(1);
  });

  test('500 nested documents: exact manifest, then a re-run copies nothing', async ({ s3, cloudwatch, backupSandbox: box }) => {
    test.setTimeout(240_000);
    const docs = docsOf({ count: 500, seed: 42, maxSize: 32 * 1024, prefix: 'docs/' });
    expect(new Set(docs.map((d) => d.key.split('/').length)).size).toBeGreaterThanOrEqual(3);
    await seedDocuments(s3, box.sourceBucket, docs, { concurrency: 32 });

    const first = await runCore({ s3, cloudwatch }, box.config({ SOURCE_PREFIX: 'docs/' }), request({ prefix: 'docs/' }));
    const bytes = docs.reduce((n, d) => n + d.body.length, 0);
    expect(first).toMatchObject({ status: 'complete', counts: { listed: 500, copied: 500, unchanged: 0, failed: 0 }, bytesCopied: bytes, bytesListed: bytes });
    const manifest = await expectBackedUp(s3, box.backupBucket, first.manifestKey!, docs, 'copied');
    expect(manifest.entries!.map((e) => e.key)).toEqual(docs.map((d) => d.key).sort());
    await expectSameBytes(s3, box.backupBucket, docs);

    const second = await runCore({ s3, cloudwatch }, box.config({ SOURCE_PREFIX: 'docs/' }), request({ prefix: 'docs/' }));
    expect(second).toMatchObject({ status: 'complete', counts: { listed: 500, copied: 0, unchanged: 500, failed: 0 }, bytesCopied: 0 });
    expect(second.runId).not.toBe(first.runId);
    await expectBackedUp(s3, box.backupBucket, second.manifestKey!, docs, 'unchanged');
    // Unchanged documents are not rewritten: the backup still carries the first run's id.
    expect((await tagsOf(s3, box.backupBucket, target(docs[0]!.key)))[BACKUP_TAGS.runId]).toBe(first.runId);
  });

  test('a changed document is copied again, the rest stay unchanged', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 20, seed: 3 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const first = await runCore({ s3, cloudwatch }, box.config());
    expect(first.counts.copied).toBe(20);
    const changed = docs[5]!;
    const newBody = Buffer.from('rewritten after the first backup');
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: changed.key, Body: newBody }));
    const second = await runCore({ s3, cloudwatch }, box.config());
    expect(second).toMatchObject({ status: 'complete', counts: { listed: 20, copied: 1, unchanged: 19, failed: 0 }, bytesCopied: newBody.length });
    expect(sha256(await getBytes(s3, box.backupBucket, target(changed.key)))).toBe(sha256(newBody));
    const { entries } = await readManifest(s3, box.backupBucket, second.manifestKey!);
    expect(entries.find((e) => e.key === changed.key)).toMatchObject({ status: 'copied', checksum: { value: sha256(newBody) } });
  });

  test('dry run lists and decides but writes nothing', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 15, seed: 11 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const dry = await runCore({ s3, cloudwatch }, box.config(), request({ dryRun: true }));
    expect(dry).toMatchObject({ dryRun: true, status: 'complete', counts: { listed: 15, copied: 0, unchanged: 0, failed: 0, wouldCopy: 15 }, metricsPublished: false });
    expect(dry.manifestKey).toBeUndefined();
    expect(await listKeys(s3, box.backupBucket)).toEqual([]);
    const metrics = await cloudwatch.send(new ListMetricsCommand({ Namespace: box.metricsNamespace }));
    expect(metrics.Metrics ?? []).toEqual([]);

    await runCore({ s3, cloudwatch }, box.config());
    const after = await runCore({ s3, cloudwatch }, box.config(), request({ dryRun: true }));
    expect(after.counts).toEqual({ listed: 15, copied: 0, unchanged: 15, failed: 0, wouldCopy: 0 });
    expect((await listKeys(s3, box.backupBucket, 'manifests/')).length).toBe(1);
  });

  test('a manual prefix narrows the run', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 10, seed: 5, prefix: 'a/' }));
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 4, seed: 6, prefix: 'b/' }));
    const result = await runCore({ s3, cloudwatch }, box.config(), request({ prefix: 'b/' }));
    expect(result.counts).toEqual({ listed: 4, copied: 4, unchanged: 0, failed: 0 });
    expect((await listKeys(s3, box.backupBucket, 'backups/')).every((k) => k.startsWith(`backups/${RUN_DATE}/b/`))).toBe(true);
  });

  test('stopping for time: partial manifest, then the next run resumes', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 30, seed: 13 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const config = box.config({ COPY_CONCURRENCY: '2', TIME_SAFETY_MARGIN_MS: '30000' });
    let checks = 0;
    // Plenty of time for the first 8 documents, then the clock runs out.
    const remainingTimeMs = () => (++checks <= 8 ? 600_000 : 10_000);
    const partial = await runCore({ s3, cloudwatch, remainingTimeMs }, config);
    expect(partial).toMatchObject({ status: 'partial', stoppedForTime: true, counts: { listed: 8, copied: 8, unchanged: 0, failed: 0 } });
    const { manifest, entries } = await readManifest(s3, box.backupBucket, partial.manifestKey!);
    expect(manifest).toMatchObject({ status: 'partial', stoppedForTime: true });
    expect(entries).toHaveLength(8);
    expect(await listKeys(s3, box.backupBucket, 'backups/')).toHaveLength(8);

    const resumed = await runCore({ s3, cloudwatch }, config);
    expect(resumed).toMatchObject({ status: 'complete', counts: { listed: 30, copied: 22, unchanged: 8, failed: 0 } });
    await expectSameBytes(s3, box.backupBucket, docs);
  });

  test('past MANIFEST_INLINE_LIMIT the entries stream to JSON Lines', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 60, seed: 17, maxSize: 2048 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const result = await runCore({ s3, cloudwatch }, box.config({ MANIFEST_INLINE_LIMIT: '10' }));
    expect(result.entriesKey).toBe(`manifests/${RUN_DATE}/${result.runId}.entries.jsonl`);
    const manifest = await expectBackedUp(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
    expect(manifest.entries).toBeUndefined();
    expect(manifest.entriesObject).toEqual({ bucket: box.backupBucket, key: result.entriesKey, format: 'jsonl', count: 60 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: result.entriesKey! }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
  });

  test('the manifest is written conditionally: an existing one is never replaced', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 3, seed: 19 }));
    const runId = 'fixed-run-id';
    const existing = `manifests/${RUN_DATE}/${runId}.json`;
    await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key: existing, Body: '{"someone":"else"}' }));
    const result = await runCore({ s3, cloudwatch, newRunId: () => runId }, box.config());
    expect(result).toMatchObject({ status: 'failed', counts: { copied: 3 }, error: { code: 'ManifestWriteError' }, metricsPublished: true });
    expect(result.manifestKey).toBeUndefined();
    expect((await getBytes(s3, box.backupBucket, existing)).toString()).toBe('{"someone":"else"}');
  });

  test('a missing source bucket fails the run with a manifest saying why', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const config = { ...box.config(), sourceBucket: `${box.sourceBucket}-missing` };
    const result = await runCore({ s3, cloudwatch }, config);
    expect(result).toMatchObject({ status: 'failed', counts: { listed: 0, failed: 0 }, error: { code: 'NoSuchBucket' } });
    const { manifest } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(manifest).toMatchObject({ status: 'failed', error: { code: 'NoSuchBucket' } });
  });
});

test.describe('metrics', () => {
  /** Each metric's sum since `since`, counting only data points in the unit METRIC_UNITS declares. */
  const metricSums = (cloudwatch: CloudWatchClient, namespace: string, since: Date) =>
    sumBackupMetrics(cloudwatch, { namespace, environment: 'dev', start: new Date(since.getTime() - 5 * 60_000), end: new Date(Date.now() + 5 * 60_000), units: true });

  test('one batch with every metric, visible through ListMetrics and GetMetricData', async ({ s3, cloudwatch, backupSandbox: box }) => {
    const docs = docsOf({ count: 7, seed: 23 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const started = new Date();
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result.metricsPublished).toBe(true);
    const listed = await cloudwatch.send(new ListMetricsCommand({ Namespace: box.metricsNamespace }));
    expect((listed.Metrics ?? []).map((m) => m.MetricName).sort()).toEqual(Object.values(METRIC).sort());
    for (const m of listed.Metrics ?? []) expect(m.Dimensions).toEqual([{ Name: ENVIRONMENT_DIMENSION, Value: 'dev' }]);
    const sums = await metricSums(cloudwatch, box.metricsNamespace, started);
    expect(sums).toEqual({
      DocumentsCopied: 7,
      DocumentsUnchanged: 0,
      DocumentsFailed: 0,
      BytesCopied: docs.reduce((n, d) => n + d.body.length, 0),
      RunDuration: result.durationMs,
      BackupSucceeded: 1,
    });
  });

  test('BackupSucceeded is 0 when a document failed', async ({ s3, cloudwatch, backupSandbox: box }) => {
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: `x/${'y'.repeat(1020)}`, Body: 'unbackupable' }));
    const started = new Date();
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result.status).toBe('failed');
    const sums = await metricSums(cloudwatch, box.metricsNamespace, started);
    expect(sums).toMatchObject({ DocumentsFailed: 1, BackupSucceeded: 0 });
  });

  test('a metrics failure is reported, not fatal', async ({ s3, backupSandbox: box }) => {
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 2, seed: 29 }));
    const cloudwatch = unreachableCloudWatch();
    try {
      const result = await runCore({ s3, cloudwatch }, box.config());
      expect(result).toMatchObject({ status: 'complete', metricsPublished: false, counts: { copied: 2 } });
      expect(result.metricsError).toEqual(expect.any(String));
      expect(result.logs.some((l) => l.level === 'warn' && l.message === 'metrics publish failed')).toBe(true);
      await readManifest(s3, box.backupBucket, result.manifestKey!);
    } finally {
      cloudwatch.destroy();
    }
  });
});
