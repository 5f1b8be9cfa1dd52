// The backup core against real S3, KMS and CloudWatch in LocalStack: no mocks. Faults are real too
// (objects deleted or rewritten mid-run, an unreachable CloudWatch endpoint).
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ListMetricsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { generateDocuments, seedDocuments, AWKWARD_KEYS, documentBody, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import { BACKUP_TAGS, LIST_PAGE_KEYS, encodeCopySource, choosePartSize } from '../../lambda/src/backup.ts';
import { ENVIRONMENT_DIMENSION, METRIC } from '../../lambda/src/metrics.ts';
import { sumBackupMetrics } from '../../scripts/lib/invoke.ts';
import { MANIFEST_SCHEMA_VERSION } from '../../lambda/src/manifest.ts';
import {
  MiB,
  RUN_DATE,
  compositeSha256,
  getBytes,
  listKeys,
  readManifest,
  request,
  runCore,
  sandbox,
  sha256,
  tagsOf,
  unreachableCloudWatch,
} from './helpers.ts';

const target = (key: string) => `backups/${RUN_DATE}/${key}`;
const docsOf = (options: Parameters<typeof generateDocuments>[0]) => [...generateDocuments(options)];

/** Every document backed up byte-identical, and the manifest lists exactly these with their SHA-256. */
async function expectBackedUp(s3: S3Client, backupBucket: string, manifestKey: string, docs: GeneratedDocument[], status: 'copied' | 'unchanged') {
  const { manifest, entries } = await readManifest(s3, backupBucket, manifestKey);
  expect(entries.map((e) => e.key).sort()).toEqual(docs.map((d) => d.key).sort());
  const byKey = new Map(entries.map((e) => [e.key, e]));
  for (const doc of docs) {
    const entry = byKey.get(doc.key)!;
    expect(entry, doc.key).toMatchObject({ key: doc.key, targetKey: target(doc.key), size: doc.body.length, status });
    expect(entry.checksum, doc.key).toEqual({ algorithm: 'SHA256', type: 'FULL_OBJECT', value: doc.sha256 });
    expect(entry.error).toBeUndefined();
  }
  return manifest;
}

async function expectSameBytes(s3: S3Client, backupBucket: string, docs: GeneratedDocument[]) {
  for (const doc of docs) {
    const copy = await getBytes(s3, backupBucket, target(doc.key));
    expect(sha256(copy), doc.key).toBe(doc.sha256);
  }
  expect(await listKeys(s3, backupBucket, `backups/${RUN_DATE}/`)).toEqual(docs.map((d) => target(d.key)).sort());
}

/**
 * A client that, just before the copy of `vanishing` / `changing` (so between the listing and the copy),
 * really deletes / rewrites that source document through a second client. destroy() closes both.
 */
function clientChangingSourceBeforeCopy(t: AwsTarget, sourceBucket: string, vanishing: string, changing: string): S3Client {
  const admin = new S3Client(clientConfig(t));
  const client = new S3Client(clientConfig(t));
  const struck = new Set<string>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key?.slice(target('').length);
      if (context.commandName === 'CopyObjectCommand' && key && !struck.has(key)) {
        struck.add(key);
        if (key === vanishing) await admin.send(new DeleteObjectCommand({ Bucket: sourceBucket, Key: vanishing }));
        if (key === changing) await admin.send(new PutObjectCommand({ Bucket: sourceBucket, Key: changing, Body: 'changed mid-run' }));
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
  const destroy = client.destroy.bind(client);
  client.destroy = () => {
    destroy();
    admin.destroy();
  };
  return client;
}

test.describe('backup core', () => {
  test('empty source: complete run, empty manifest, metrics published', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('one document: SSE-KMS copy with carried-over headers and backup metadata', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('500 nested documents: exact manifest, then a re-run copies nothing', async ({ s3, cloudwatch, target: t }) => {
    test.setTimeout(240_000);
    const box = await sandbox(s3, t);
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

  test('awkward keys: unicode, spaces, plus, percent and friends round-trip', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    const docs = docsOf({ count: AWKWARD_KEYS.length + 3, seed: 7, awkwardKeys: true });
    expect(docs.slice(0, AWKWARD_KEYS.length).map((d) => d.key)).toEqual([...AWKWARD_KEYS]);
    await seedDocuments(s3, box.sourceBucket, docs);
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result.counts).toEqual({ listed: docs.length, copied: docs.length, unchanged: 0, failed: 0 });
    await expectBackedUp(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
    await expectSameBytes(s3, box.backupBucket, docs);
    const rerun = await runCore({ s3, cloudwatch }, box.config());
    expect(rerun.counts).toEqual({ listed: docs.length, copied: 0, unchanged: docs.length, failed: 0 });
  });

  test('copy source encoding escapes everything outside RFC 3986 unreserved', () => {
    expect(encodeCopySource('b', 'a b/c+d%e/ü?x#y*(z)!\'')).toBe("b/a%20b/c%2Bd%25e/%C3%BC%3Fx%23y%2A%28z%29%21%27");
    expect(encodeCopySource('b', 'k', 'v1+/=')).toBe('b/k?versionId=v1%2B%2F%3D');
    expect(encodeCopySource('b', 'k', 'null')).toBe('b/k');
  });

  test('long keys: a 1005-byte key fits the 1024-byte backup key; a 1024-byte key fails loudly', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    // Multi-byte characters make byte length and character length differ.
    const fits = `long/${'é'.repeat(500)}`; // 5 + 1000 bytes
    const tooLong = `long/${'x'.repeat(1019)}`; // 1024 bytes: legal in the source, not under backups/<date>/
    expect(Buffer.byteLength(fits)).toBe(1005);
    expect(Buffer.byteLength(tooLong)).toBe(1024);
    const short = Buffer.from('short');
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: fits, Body: 'fits' }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: tooLong, Body: 'too long' }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'short.txt', Body: short }));
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result).toMatchObject({ status: 'failed', counts: { listed: 3, copied: 2, unchanged: 0, failed: 1 } });
    expect(Buffer.byteLength(target(fits))).toBe(1024);
    expect((await getBytes(s3, box.backupBucket, target(fits))).toString()).toBe('fits');
    const { manifest, entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(manifest.status).toBe('failed');
    expect(entries.find((e) => e.key === tooLong)).toMatchObject({ status: 'failed', error: { code: 'TargetKeyTooLong' } });
    const failedLines = result.logs.filter((l) => l.message === 'document failed');
    expect(failedLines).toHaveLength(1);
    expect(failedLines[0]).toMatchObject({ level: 'error', key: tooLong });
  });

  test('zero-byte and multi-MB documents copy in one request', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    const docs: GeneratedDocument[] = [
      { key: 'empty.txt', body: Buffer.alloc(0), sha256: sha256(Buffer.alloc(0)), contentType: 'text/plain' },
      { key: 'folder/', body: Buffer.alloc(0), sha256: sha256(Buffer.alloc(0)), contentType: 'application/x-directory' },
      ...[3, 12].map((mb) => {
        const body = documentBody(mb, mb * MiB + 123);
        return { key: `big/${mb}mb.bin`, body, sha256: sha256(body), contentType: 'application/octet-stream' };
      }),
    ];
    await seedDocuments(s3, box.sourceBucket, docs);
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result.counts).toEqual({ listed: 4, copied: 4, unchanged: 0, failed: 0 });
    const manifest = await expectBackedUp(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
    expect(manifest.entries!.every((e) => e.method === 'copy')).toBe(true);
    await expectSameBytes(s3, box.backupBucket, docs);
  });

  test('multipart copy above the threshold: composite checksum, metadata, no leftover uploads', async ({ s3, cloudwatch, target: t }) => {
    test.setTimeout(180_000);
    const box = await sandbox(s3, t);
    const partSize = 5 * MiB;
    const big = documentBody(99, 12 * MiB + 7); // three parts, the last one short
    const atThreshold = documentBody(98, 5 * MiB); // not above the threshold: single CopyObject
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'scans/big scan+1.tif', Body: big, ContentType: 'image/tiff', Metadata: { pages: '300' } }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'scans/exact.bin', Body: atThreshold }));
    const config = box.config({ MULTIPART_THRESHOLD_BYTES: String(5 * MiB), MULTIPART_PART_SIZE_BYTES: String(partSize), MULTIPART_PART_CONCURRENCY: '2' });
    const result = await runCore({ s3, cloudwatch }, config);
    expect(result).toMatchObject({ status: 'complete', counts: { listed: 2, copied: 2, unchanged: 0, failed: 0 }, bytesCopied: big.length + atThreshold.length });

    const { entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(entries.find((e) => e.key === 'scans/big scan+1.tif')).toMatchObject({
      method: 'multipart',
      size: big.length,
      checksum: { algorithm: 'SHA256', type: 'COMPOSITE', value: compositeSha256(big, partSize) },
    });
    expect(entries.find((e) => e.key === 'scans/exact.bin')).toMatchObject({
      method: 'copy',
      checksum: { algorithm: 'SHA256', type: 'FULL_OBJECT', value: sha256(atThreshold) },
    });
    expect(sha256(await getBytes(s3, box.backupBucket, target('scans/big scan+1.tif')))).toBe(sha256(big));
    const head = await s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: target('scans/big scan+1.tif') }));
    expect(head).toMatchObject({ ContentType: 'image/tiff', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: box.kmsKeyArn, ContentLength: big.length });
    expect(head.Metadata).toEqual({ pages: '300' });
    expect((await tagsOf(s3, box.backupBucket, target('scans/big scan+1.tif')))[BACKUP_TAGS.runId]).toBe(result.runId);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: box.backupBucket }));
    expect(uploads.Uploads ?? []).toEqual([]);

    const rerun = await runCore({ s3, cloudwatch }, config);
    expect(rerun.counts).toEqual({ listed: 2, copied: 0, unchanged: 2, failed: 0 });
    const again = await readManifest(s3, box.backupBucket, rerun.manifestKey!);
    expect(again.entries.find((e) => e.key === 'scans/big scan+1.tif')!.checksum!.value).toBe(compositeSha256(big, partSize));
  });

  test('part size grows to stay within 10,000 parts', () => {
    expect(choosePartSize(100 * MiB, 64 * MiB)).toBe(64 * MiB);
    // 5 TiB (S3's object limit) in 10,000 parts needs 524.3 MiB parts, rounded up to 525 MiB.
    const fiveTiB = 5 * 1024 * 1024 * MiB;
    expect(choosePartSize(fiveTiB, 64 * MiB)).toBe(525 * MiB);
    expect(Math.ceil(fiveTiB / choosePartSize(fiveTiB, 64 * MiB))).toBeLessThanOrEqual(10_000);
  });

  test('a changed document is copied again, the rest stay unchanged', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('dry run lists and decides but writes nothing', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('a manual prefix narrows the run', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 10, seed: 5, prefix: 'a/' }));
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 4, seed: 6, prefix: 'b/' }));
    const result = await runCore({ s3, cloudwatch }, box.config(), request({ prefix: 'b/' }));
    expect(result.counts).toEqual({ listed: 4, copied: 4, unchanged: 0, failed: 0 });
    expect((await listKeys(s3, box.backupBucket, 'backups/')).every((k) => k.startsWith(`backups/${RUN_DATE}/b/`))).toBe(true);
  });

  test('documents that vanish or change mid-run are recorded as failed, the rest go on', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    const docs = docsOf({ count: 12, seed: 9 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const [vanishing, changing] = [docs[2]!.key, docs[7]!.key];
    const faulty = clientChangingSourceBeforeCopy(t, box.sourceBucket, vanishing, changing);
    try {
      const result = await runCore({ s3: faulty, cloudwatch }, box.config());
      expect(result).toMatchObject({ status: 'failed', counts: { listed: 12, copied: 10, unchanged: 0, failed: 2 } });
      const { manifest, entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
      expect(manifest.status).toBe('failed');
      expect(entries).toHaveLength(12);
      expect(entries.find((e) => e.key === vanishing)).toMatchObject({ status: 'failed', error: { httpStatus: 404 } });
      expect(entries.find((e) => e.key === changing)).toMatchObject({ status: 'failed', error: { httpStatus: 412 } });
      expect(result.logs.filter((l) => l.message === 'document failed').map((l) => l.key).sort()).toEqual([vanishing, changing].sort());
      expect(await listKeys(s3, box.backupBucket, 'backups/')).toHaveLength(10);
    } finally {
      faulty.destroy();
    }
  });

  test('a versioned source: documents rewritten or deleted mid-run are backed up as listed, version recorded', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    await s3.send(new PutBucketVersioningCommand({ Bucket: box.sourceBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const docs = docsOf({ count: 6, seed: 19 });
    await seedDocuments(s3, box.sourceBucket, docs);
    // A noncurrent version and a deleted document: the listing must pick current versions only.
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: docs[0]!.key, Body: 'old bytes' }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: docs[0]!.key, Body: docs[0]!.body }));
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'gone.txt', Body: 'deleted before the run' }));
    await s3.send(new DeleteObjectCommand({ Bucket: box.sourceBucket, Key: 'gone.txt' }));
    const [vanishing, changing] = [docs[2]!.key, docs[4]!.key];
    const faulty = clientChangingSourceBeforeCopy(t, box.sourceBucket, vanishing, changing);
    try {
      const result = await runCore({ s3: faulty, cloudwatch }, box.config());
      expect(result).toMatchObject({ status: 'complete', counts: { listed: 6, copied: 6, unchanged: 0, failed: 0 } });
      await expectBackedUp(s3, box.backupBucket, result.manifestKey!, docs, 'copied');
      await expectSameBytes(s3, box.backupBucket, docs);
      const { entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
      for (const doc of docs) {
        const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: box.sourceBucket, Prefix: doc.key }));
        // The version the listing saw: the one whose bytes are the document's (later versions came mid-run).
        const listed = versions.Versions!.find((v) => v.Key === doc.key && v.ETag === `"${entries.find((e) => e.key === doc.key)!.sourceEtag}"`)!;
        expect(entries.find((e) => e.key === doc.key)!.sourceVersionId, doc.key).toBe(listed.VersionId);
        expect(await tagsOf(s3, box.backupBucket, target(doc.key)), doc.key).toEqual({
          [BACKUP_TAGS.sourceEtag]: listed.ETag!.replaceAll('"', ''),
          [BACKUP_TAGS.sourceVersionId]: listed.VersionId,
          [BACKUP_TAGS.runId]: result.runId,
        });
      }
    } finally {
      faulty.destroy();
    }
  });

  test('the copy window: exactly COPY_CONCURRENCY copies in flight at the most, and each document copied once', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    const docs = docsOf({ count: 40, seed: 23, maxSize: 2048 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const counting = new S3Client(clientConfig(t));
    let inFlight = 0;
    let most = 0;
    const copied: string[] = [];
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'CopyObjectCommand') return next(args);
        most = Math.max(most, ++inFlight);
        copied.push(String((args.input as { Key?: string }).Key));
        // Held a little, so a window that let more through would show it.
        await new Promise((resolve) => setTimeout(resolve, 20));
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'countInFlight' },
    );
    try {
      const result = await runCore({ s3: counting, cloudwatch }, box.config({ COPY_CONCURRENCY: '3' }));
      expect(result).toMatchObject({ status: 'complete', counts: { listed: 40, copied: 40, failed: 0 } });
      expect(most).toBe(3);
      expect(new Set(copied).size).toBe(40);
      expect(copied).toHaveLength(40);
    } finally {
      counting.destroy();
    }
  });

  test('the listing starts at once with a short page: it does not wait for the target check, and later pages are full', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    const docs = docsOf({ count: LIST_PAGE_KEYS.first + 30, seed: 29, maxSize: 512 });
    await seedDocuments(s3, box.sourceBucket, docs);
    const watching = new S3Client(clientConfig(t));
    const events: string[] = [];
    const pageSizes: (number | undefined)[] = [];
    watching.middlewareStack.add(
      (next, context) => async (args) => {
        const { commandName } = context;
        if (commandName === 'ListObjectVersionsCommand') pageSizes.push((args.input as { MaxKeys?: number }).MaxKeys);
        if (commandName !== 'ListObjectsV2Command' && commandName !== 'ListObjectVersionsCommand') return next(args);
        events.push(`${commandName} sent`);
        // The target check is held, so a listing that waited for its answer would be sent after it ends.
        if (commandName === 'ListObjectsV2Command') await new Promise((resolve) => setTimeout(resolve, 200));
        try {
          return await next(args);
        } finally {
          events.push(`${commandName} done`);
        }
      },
      { step: 'initialize', name: 'watchListing' },
    );
    try {
      const result = await runCore({ s3: watching, cloudwatch }, box.config());
      expect(result).toMatchObject({ status: 'complete', counts: { listed: docs.length, copied: docs.length, failed: 0 } });
      expect(events.indexOf('ListObjectVersionsCommand sent')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('ListObjectVersionsCommand sent')).toBeLessThan(events.indexOf('ListObjectsV2Command done'));
      expect(pageSizes).toEqual([LIST_PAGE_KEYS.first, LIST_PAGE_KEYS.rest]);
    } finally {
      watching.destroy();
    }
  });

  test('stopping for time: partial manifest, then the next run resumes', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('past MANIFEST_INLINE_LIMIT the entries stream to JSON Lines', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('the manifest is written conditionally: an existing one is never replaced', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    await seedDocuments(s3, box.sourceBucket, docsOf({ count: 3, seed: 19 }));
    const runId = 'fixed-run-id';
    const existing = `manifests/${RUN_DATE}/${runId}.json`;
    await s3.send(new PutObjectCommand({ Bucket: box.backupBucket, Key: existing, Body: '{"someone":"else"}' }));
    const result = await runCore({ s3, cloudwatch, newRunId: () => runId }, box.config());
    expect(result).toMatchObject({ status: 'failed', counts: { copied: 3 }, error: { code: 'ManifestWriteError' }, metricsPublished: true });
    expect(result.manifestKey).toBeUndefined();
    expect((await getBytes(s3, box.backupBucket, existing)).toString()).toBe('{"someone":"else"}');
  });

  test('a missing source bucket fails the run with a manifest saying why', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('one batch with every metric, visible through ListMetrics and GetMetricData', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
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

  test('BackupSucceeded is 0 when a document failed', async ({ s3, cloudwatch, target: t }) => {
    const box = await sandbox(s3, t);
    await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: `x/${'y'.repeat(1020)}`, Body: 'unbackupable' }));
    const started = new Date();
    const result = await runCore({ s3, cloudwatch }, box.config());
    expect(result.status).toBe('failed');
    const sums = await metricSums(cloudwatch, box.metricsNamespace, started);
    expect(sums).toMatchObject({ DocumentsFailed: 1, BackupSucceeded: 0 });
  });

  test('a metrics failure is reported, not fatal', async ({ s3, target: t }) => {
    const box = await sandbox(s3, t);
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
