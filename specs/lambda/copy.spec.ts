// One document's copy against real S3 in LocalStack: key encodings and lengths, sizes up to multipart,
// documents that vanish or change between the listing and the copy (real faults, through a second client),
// versioned sources, the copy window and the listing's pages.
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { clientConfig, type AwsTarget } from '../../scripts/lib/aws/clients.ts';
import { seedDocuments, AWKWARD_KEYS, documentBody, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import { BACKUP_TAGS } from '../../lambda/src/backup.ts';
import { LIST_PAGE_KEYS } from '../../lambda/src/listing.ts';
import { choosePartSize, encodeCopySource } from '../../lambda/src/s3.ts';
import {
  MiB,
  backupKeyOf as target,
  compositeSha256,
  docsOf,
  expectBackedUp,
  expectSameBytes,
  getBytes,
  listKeys,
  readManifest,
  runCore,
  sha256,
  tagsOf,
} from './helpers.ts';

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

test.describe('document copies', () => {
  test('awkward keys: unicode, spaces, plus, percent and friends round-trip', async ({ s3, cloudwatch, backupSandbox: box }) => {
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

  test('long keys: a 1005-byte key fits the 1024-byte backup key; a 1024-byte key fails loudly', async ({ s3, cloudwatch, backupSandbox: box }) => {
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

  test('zero-byte and multi-MB documents copy in one request', async ({ s3, cloudwatch, backupSandbox: box }) => {
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

  test('multipart copy above the threshold: composite checksum, metadata, no leftover uploads', async ({ s3, cloudwatch, backupSandbox: box }) => {
    test.setTimeout(180_000);
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

  test('documents that vanish or change mid-run are recorded as failed, the rest go on', async ({ s3, cloudwatch, target: t, backupSandbox: box }) => {
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

  test('a versioned source: documents rewritten or deleted mid-run are backed up as listed, version recorded', async ({ s3, cloudwatch, target: t, backupSandbox: box }) => {
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

  test('the copy window: exactly COPY_CONCURRENCY copies in flight at the most, and each document copied once', async ({ s3, cloudwatch, target: t, backupSandbox: box }) => {
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

  test('the listing starts at once with a short page: it does not wait for the target check, and later pages are full', async ({ s3, cloudwatch, target: t, backupSandbox: box }) => {
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
});
