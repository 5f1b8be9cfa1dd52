// Two invocations for the same date at once (an async retry overlapping a manual run, two schedules):
// every document is backed up once (one object version each), and each run's manifest is complete and
// uncorrupted. The backup write is conditional (If-None-Match / If-Match), so the slower run records the
// faster run's backup instead of writing a second copy.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { generateDocuments, seedDocuments, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import type { BackupResult } from '../../lambda/src/backup.ts';
import { invokeBackup } from '../../scripts/lib/invoke.ts';
import { readManifest, request, runCore } from '../lambda/helpers.ts';
import { test, expect } from '../fixtures.ts';
import { enableVersioning, listVersions, versionCounts } from './helpers.ts';

/** Both manifests list every document once, copied or unchanged, each pointing at the one version there is. */
async function expectBothComplete(s3: S3Client, bucket: string, runDate: string, results: Pick<BackupResult, 'manifestKey' | 'runId'>[], docs: GeneratedDocument[], versionsPerKey: (key: string) => number) {
  const versions = await listVersions(s3, bucket, `backups/${runDate}/`);
  const counts = versionCounts(versions);
  expect(counts.size).toBe(docs.length);
  const wrong = docs.filter((d) => counts.get(`backups/${runDate}/${d.key}`) !== versionsPerKey(d.key)).map((d) => d.key);
  expect(wrong, 'documents with an unexpected number of backup versions').toEqual([]);
  const latest = new Map(versions.filter((v) => v.IsLatest).map((v) => [v.Key!, v.VersionId!]));

  const manifestKeys = new Set(results.map((r) => r.manifestKey));
  expect(manifestKeys.size).toBe(results.length);
  let copied = 0;
  for (const r of results) {
    const { manifest, entries } = await readManifest(s3, bucket, r.manifestKey!);
    expect(manifest).toMatchObject({ runId: r.runId, status: 'complete', counts: { listed: docs.length, failed: 0 } });
    expect(entries.map((e) => e.key).sort()).toEqual(docs.map((d) => d.key).sort());
    for (const e of entries) {
      expect(['copied', 'unchanged'], e.key).toContain(e.status);
      expect(e.targetVersionId, e.key).toBe(latest.get(e.targetKey));
    }
    expect(manifest.counts.copied + manifest.counts.unchanged).toBe(docs.length);
    copied += manifest.counts.copied;
  }
  return copied;
}

test.describe('concurrent runs for the same date', () => {
  test('core: two runs at once back up every document once, both manifests complete', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await enableVersioning(s3, box.backupBucket);
    const docs = [...generateDocuments({ count: 200, seed: 631, maxSize: 8 * 1024 })];
    await seedDocuments(s3, box.sourceBucket, docs, { concurrency: 32 });
    // A little latency on the copies keeps both runs in flight over the same documents.
    faults.setRules([{ match: { operation: 'CopyObject' }, fault: { kind: 'latency', ms: 20 } }]);
    const a = lambdaClients(box.config());
    const b = lambdaClients(box.config());
    const [first, second] = await Promise.all([runCore({ s3: a.s3, cloudwatch }, box.config()), runCore({ s3: b.s3, cloudwatch }, box.config())]);
    expect(first.status).toBe('complete');
    expect(second.status).toBe('complete');
    // Both runs really raced: each lost some documents to the other.
    const meanwhile = [first, second].map((r) => r.logs.filter((l) => l.message === 'backup written meanwhile').length);
    expect(meanwhile[0]! + meanwhile[1]!).toBeGreaterThan(0);
    const copied = await expectBothComplete(s3, box.backupBucket, request().runDate, [first, second], docs, () => 1);
    expect(copied).toBe(200);
  });

  test('core: with yesterday-run backups already there, changed documents get exactly one new version', async ({ s3, cloudwatch, backupSandbox: box, lambdaClients }) => {
    await enableVersioning(s3, box.backupBucket);
    const docs = [...generateDocuments({ count: 80, seed: 632 })];
    await seedDocuments(s3, box.sourceBucket, docs);
    const earlier = await runCore({ s3, cloudwatch }, box.config());
    expect(earlier.counts.copied).toBe(80);
    const changed = new Set(docs.filter((_, i) => i % 4 === 0).map((d) => d.key));
    for (const key of changed) await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: key, Body: `changed ${key}` }));
    const a = lambdaClients(box.config());
    const b = lambdaClients(box.config());
    const results = await Promise.all([runCore({ s3: a.s3, cloudwatch }, box.config()), runCore({ s3: b.s3, cloudwatch }, box.config())]);
    const copied = await expectBothComplete(s3, box.backupBucket, request().runDate, [...results], docs, (key) => (changed.has(key) ? 2 : 1));
    expect(copied).toBe(changed.size);
  });

  test('deployed function: two invocations at once, every document once, both manifests complete', async ({ ownStack, ownFunction, target, s3 }) => {
    // ownFunction: whatever an earlier test changed on the function was put back after it.
    const fn = ownFunction.name;
    const date = '2031-03-01';
    const prefix = 'concurrent/';
    const docs = [...generateDocuments({ count: 150, seed: 633, prefix, maxSize: 8 * 1024 })];
    await seedDocuments(s3, ownStack.sourceBucket, docs, { concurrency: 32 });
    const outcomes = await Promise.all([invokeBackup(target, fn, { date, prefix }), invokeBackup(target, fn, { date, prefix })]);
    for (const o of outcomes) expect(o.functionError, JSON.stringify(o.payload)).toBeUndefined();
    const results = outcomes.map((o) => o.payload as unknown as BackupResult);
    const copied = await expectBothComplete(s3, ownStack.backupBucket, date, results, docs, () => 1);
    expect(copied).toBe(150);
  });
});
