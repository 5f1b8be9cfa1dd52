// Transient faults between the backup core and S3, injected at the network level by the fault proxy:
// the SDK's retries (adaptive mode, as the Lambda configures it) must absorb them with nothing lost,
// nothing doubled and an exact manifest.
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { generateDocuments, seedDocuments, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import { BACKUP_TAGS } from '../../lambda/src/backup.ts';
import { listKeys, readManifest, request, RUN_DATE, runCore, tagsOf } from '../lambda/helpers.ts';
import { test, expect } from '../fixtures.ts';
import { enableVersioning, listVersions, transientS3Faults, versionCounts } from './helpers.ts';

const targetKey = (key: string) => `backups/${RUN_DATE}/${key}`;

/** The manifest lists exactly `docs`, each with `status` and its SHA-256, and the backup holds exactly them. */
async function expectExactBackup(s3: S3Client, bucket: string, manifestKey: string, docs: GeneratedDocument[], status: 'copied' | 'unchanged') {
  const { manifest, entries } = await readManifest(s3, bucket, manifestKey);
  expect(manifest.status).toBe('complete');
  expect(entries).toHaveLength(docs.length);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const doc of docs) {
    expect(byKey.get(doc.key), doc.key).toMatchObject({ status, size: doc.body.length, checksum: { value: doc.sha256 } });
  }
  expect(await listKeys(s3, bucket, `backups/${RUN_DATE}/`)).toEqual(docs.map((d) => targetKey(d.key)).sort());
  return manifest;
}

test.describe('transient S3 faults', () => {
  test('with 10 % of S3 requests failing (InternalError, resets, SlowDown), a 500-document run backs up all 500 exactly', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    test.setTimeout(180_000);
    const docs = [...generateDocuments({ count: 500, seed: 606, maxSize: 16 * 1024 })];
    await seedDocuments(s3, box.sourceBucket, docs, { concurrency: 32 });
    faults.setRules(transientS3Faults(0.1));
    const faulty = lambdaClients(box.config());

    // Metrics go straight to LocalStack here: this spec is about S3.
    const result = await runCore({ s3: faulty.s3, cloudwatch }, box.config());

    expect(result, JSON.stringify(result.logs.filter((l) => l.level === 'error').slice(0, 3))).toMatchObject({
      status: 'complete',
      counts: { listed: 500, copied: 500, unchanged: 0, failed: 0 },
      bytesCopied: docs.reduce((n, d) => n + d.body.length, 0),
      metricsPublished: true,
    });
    // The faults were real: every kind was injected, at about the configured share of S3 requests.
    const { stats } = faults;
    expect(stats.injected.slowdown).toBeGreaterThan(0);
    expect(stats.injected.internal).toBeGreaterThan(0);
    expect(stats.injected.reset).toBeGreaterThan(0);
    const s3Requests = Object.entries(stats.byOperation).filter(([op]) => op.startsWith('s3:')).reduce((n, [, o]) => n + o.requests, 0);
    // The share is a binomial draw over this run's S3 requests (about 550 now that a document costs one
    // request): within 4 standard deviations of the configured 10 % (plus the few capped SlowDowns).
    const share = faults.injected() / s3Requests;
    const sigma = Math.sqrt((0.1 * 0.9) / s3Requests);
    expect(share).toBeGreaterThan(0.1 - 4 * sigma);
    expect(share).toBeLessThan(0.1 + 5 / s3Requests + 4 * sigma);
    test.info().annotations.push({ type: 'faults', description: `${faults.injected()} of ${s3Requests} S3 requests failed: ${JSON.stringify(stats.injected)}` });

    await expectExactBackup(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
  });

  test('lost responses (the copy lands, the answer is dropped): no second version, the manifest still says copied', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await enableVersioning(s3, box.backupBucket);
    const docs = [...generateDocuments({ count: 100, seed: 607, maxSize: 8 * 1024 })];
    await seedDocuments(s3, box.sourceBucket, docs);
    // 15 % of the copies are done by S3 but their answers never arrive; the SDK retries each one. (Not more:
    // a retry that ends in 412 never refunds the 14 tokens it took from the client's 500-token retry quota,
    // and a drained quota stops all retries. See docs/reliability.md.)
    faults.setRules([{ match: { operation: 'CopyObject' }, fault: { kind: 'reset', after: true }, rate: 0.15 }]);
    const faulty = lambdaClients(box.config());
    const result = await runCore({ s3: faulty.s3, cloudwatch }, box.config());

    expect(faults.injected('reset')).toBeGreaterThan(5);
    expect(result, JSON.stringify(result.logs.filter((l) => l.level === 'error'))).toMatchObject({ status: 'complete', counts: { listed: 100, copied: 100, unchanged: 0, failed: 0 } });
    await expectExactBackup(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
    // Each retry found the run's own copy (If-None-Match: * answered 412) instead of writing another version.
    const versions = versionCounts(await listVersions(s3, box.backupBucket, `backups/${RUN_DATE}/`));
    expect([...versions.values()].every((n) => n === 1), JSON.stringify([...versions].filter(([, n]) => n > 1))).toBe(true);
    expect(versions.size).toBe(100);
    // A retry may be dropped too; every document whose copy lost an answer was recognised as this run's own.
    const lostAnswers = new Set(faults.stats.injections.map((i) => i.target));
    expect(result.logs.filter((l) => l.message === 'backup written meanwhile' && l['by'] === 'this run').length).toBe(lostAnswers.size);
    const { entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    for (const entry of entries.slice(0, 5)) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: entry.targetKey }));
      expect(entry.targetVersionId).toBe(head.VersionId);
      expect((await tagsOf(s3, box.backupBucket, entry.targetKey))[BACKUP_TAGS.runId]).toBe(result.runId);
    }
  });

  test('a flaky listing, slow copies and a dropped manifest response: the run still completes with one exact manifest', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    const docs = [...generateDocuments({ count: 40, seed: 608, prefix: 'in/' })];
    await seedDocuments(s3, box.sourceBucket, docs);
    faults.setRules([
      { name: 'listing', match: { operation: 'ListObjectVersions', bucket: box.sourceBucket }, fault: { kind: 'internal' }, limit: 3 },
      { name: 'slow', match: { operation: 'CopyObject' }, fault: { kind: 'latency', ms: 150 }, rate: 0.5 },
      // The manifest PUT lands but its answer is lost: the retry's If-None-Match gets 412 against the run's
      // own manifest, which the writer recognises byte for byte.
      { name: 'manifest', match: { operation: 'PutObject', key: (k) => k.startsWith('manifests/') }, fault: { kind: 'reset', after: true }, limit: 1 },
    ]);
    const config = box.config({ SOURCE_PREFIX: 'in/' });
    const faulty = lambdaClients(config);
    const result = await runCore({ s3: faulty.s3, cloudwatch }, config, request({ prefix: 'in/' }));
    expect(faults.stats.injected).toMatchObject({ internal: 3, reset: 1 });
    expect(faults.stats.injected.latency).toBeGreaterThan(5);
    expect(result).toMatchObject({ status: 'complete', counts: { listed: 40, copied: 40, failed: 0 } });
    expect(result.manifestKey).toBe(`manifests/${RUN_DATE}/${result.runId}.json`);
    await expectExactBackup(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
    expect(await listKeys(s3, box.backupBucket, 'manifests/')).toEqual([result.manifestKey]);
  });
});
