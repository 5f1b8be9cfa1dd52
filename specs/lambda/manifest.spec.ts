// The manifest writer on its own, against LocalStack's S3: runs whose JSON Lines outgrow one 5 MiB part
// (issue #7: the entries are coalesced into large chunks and streamed in 5 MiB parts), and a part that cannot be written.
// Entries are synthetic, so no documents need seeding to reach several parts.
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { test, expect } from '../fixtures.ts';
import { ENTRIES_PART_BYTES, ManifestWriter, type ManifestEntry, type ManifestSummary } from '../../lambda/src/manifest.ts';
import { RUN_DATE, listKeys, readManifest } from './helpers.ts';

/** ~1.1 KiB per JSON line: a failed entry with a long error message. */
const entry = (i: number): ManifestEntry => ({
  key: `docs/${String(i).padStart(6, '0')}.pdf`,
  targetKey: `backups/${RUN_DATE}/docs/${String(i).padStart(6, '0')}.pdf`,
  size: i,
  sourceEtag: 'd41d8cd98f00b204e9800998ecf8427e',
  status: 'failed',
  error: { code: 'SlowDown', message: `entry ${i} `.padEnd(1000, 'x') },
});

const summary = (runId: string, count: number): ManifestSummary => ({
  schemaVersion: 1,
  runId,
  runDate: RUN_DATE,
  environment: 'dev',
  trigger: 'manual',
  source: { bucket: 'src', prefix: '' },
  target: { bucket: 'bak', prefix: `backups/${RUN_DATE}/` },
  startedAt: '2026-11-27T02:00:00.000Z',
  finishedAt: '2026-11-27T02:01:00.000Z',
  durationMs: 60_000,
  status: 'failed',
  stoppedForTime: false,
  counts: { listed: count, copied: 0, unchanged: 0, failed: count },
  bytesCopied: 0,
  bytesListed: 0,
});

/** Adds entries the way the run does: many at once (the copy window), each awaited by its own task. */
async function addAll(writer: ManifestWriter, count: number, window = 64): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) await writer.add(entry(next++));
    }),
  );
}

test.describe('manifest writer', () => {
  test('entries beyond one part go out as a multipart object of 5 MiB parts, every line intact', async ({ s3, backupSandbox: box }) => {
    const count = 12_000; // ~13 MiB of JSON Lines: two full parts and a last one
    const writer = new ManifestWriter(s3, { bucket: box.backupBucket, runDate: RUN_DATE, runId: 'multipart-run', kmsKeyArn: box.kmsKeyArn, inlineLimit: 100 });
    await addAll(writer, count);
    const written = await writer.finish(summary('multipart-run', count));
    expect(written.entriesObject).toEqual({ bucket: box.backupBucket, key: writer.entriesKey, format: 'jsonl', count });

    const { entries } = await readManifest(s3, box.backupBucket, writer.key);
    expect(entries).toHaveLength(count);
    expect(new Set(entries.map((e) => e.key)).size).toBe(count);
    // The 100 entries held inline before the spill began come first, in order.
    expect(entries.slice(0, 100).map((e) => e.size)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(entries.find((e) => e.size === 7_777)).toEqual(entry(7_777));

    const head = await s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: writer.entriesKey!, PartNumber: 1 }));
    expect(head.ContentLength).toBe(ENTRIES_PART_BYTES);
    expect(head.PartsCount).toBe(3);
    expect(head.ServerSideEncryption).toBe('aws:kms');
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: box.backupBucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  test('a part that cannot be written: adds keep resolving, finish fails, no summary and no leftover upload', async ({ s3, target, backupSandbox: box }) => {
    // The second part is refused (after the SDK's own retries, say); everything else reaches S3.
    const refusing = new S3Client(clientConfig(target));
    refusing.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand' && (args.input as { PartNumber?: number }).PartNumber === 2) {
          throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'refusePartTwo' },
    );
    const count = 12_000;
    const writer = new ManifestWriter(refusing, { bucket: box.backupBucket, runDate: RUN_DATE, runId: 'refused-run', kmsKeyArn: box.kmsKeyArn, inlineLimit: 0 });
    // A rejected add would surface in the run loop as a listing failure; the writer must swallow it until finish().
    await expect(addAll(writer, count)).resolves.toBeUndefined();
    await expect(writer.finish(summary('refused-run', count))).rejects.toMatchObject({ name: 'ManifestWriteError', message: expect.stringContaining('Access Denied') });
    expect(await listKeys(s3, box.backupBucket, 'manifests/')).toEqual([]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: box.backupBucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    refusing.destroy();
  });
});
