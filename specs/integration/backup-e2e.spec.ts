// End to end through the deployed stack: 500 deterministic documents seeded, the backup invoked through
// the Lambda API with a scheduled event, then every copy, the manifest and the metrics checked.
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { invokeBackup, readBackupMetrics, readJsonObject, scheduledEvent } from '../../scripts/lib/invoke.ts';
import { ManifestSchema, type Manifest } from '../../lambda/src/manifest.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { mapWithConcurrency } from '../../lambda/src/concurrency.ts';

const COUNT = 500;
const SEED = 500;

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

test.describe.configure({ mode: 'serial' });

test.describe('500-document backup through the deployed stack', () => {
  const runTime = new Date('2026-11-27T02:00:00Z');
  const runDate = '2026-11-27';
  const documents = [...generateDocuments({ count: COUNT, seed: SEED })];
  let firstManifestKey = '';

  test.beforeAll(async ({ stack, target }) => {
    const s3 = new S3Client(clientConfig(target));
    await seedDocuments(s3, stack.sourceBucket, documents, { concurrency: 32 });
    s3.destroy();
  });

  test('a scheduled invocation backs up all 500 documents byte-identical and SSE-KMS with the stack key', async ({ stack, target, s3 }) => {
    const started = new Date(Date.now() - 60_000);
    const outcome = await invokeBackup(target, stack.outputs['BackupLambdaName']!, scheduledEvent(runTime));
    expect(outcome.functionError, JSON.stringify(outcome.payload)).toBeUndefined();
    expect(outcome.payload).toMatchObject({ runDate, status: 'complete', counts: { listed: COUNT, copied: COUNT, unchanged: 0, failed: 0 } });
    firstManifestKey = String(outcome.payload['manifestKey']);

    const keys = await listAll(s3, stack.backupBucket, `backups/${runDate}/`);
    expect(keys.sort()).toEqual(documents.map((d) => `backups/${runDate}/${d.key}`).sort());

    await mapWithConcurrency(documents, 16, async (doc) => {
      const Key = `backups/${runDate}/${doc.key}`;
      const object = await s3.send(new GetObjectCommand({ Bucket: stack.backupBucket, Key }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      expect(createHash('sha256').update(body).digest('base64'), Key).toBe(doc.sha256);
      expect(object.ServerSideEncryption, Key).toBe('aws:kms');
      expect(object.SSEKMSKeyId, Key).toBe(stack.outputs['KMSKeyArn']);
    });

    const metrics = await readBackupMetrics(target, 'dev', started, new Date(Date.now() + 60_000));
    expect(metrics).toMatchObject({
      DocumentsCopied: COUNT,
      DocumentsUnchanged: 0,
      DocumentsFailed: 0,
      BytesCopied: documents.reduce((n, d) => n + d.body.length, 0),
      BackupSucceeded: 1,
    });
    expect(metrics.RunDuration).toBeGreaterThan(0);
  });

  test('the manifest lists every document exactly, with size, checksum and status', async ({ stack, target }) => {
    expect(firstManifestKey).toMatch(new RegExp(`^manifests/${runDate}/.+\\.json$`));
    const manifest: Manifest = ManifestSchema.parse(await readJsonObject(target, stack.backupBucket, firstManifestKey));
    expect(manifest.status).toBe('complete');
    expect(manifest.counts).toEqual({ listed: COUNT, copied: COUNT, unchanged: 0, failed: 0 });
    expect(manifest.entries).toHaveLength(COUNT);
    const byKey = new Map(manifest.entries!.map((e) => [e.key, e]));
    for (const doc of documents) {
      const entry = byKey.get(doc.key);
      expect(entry, doc.key).toBeDefined();
      expect(entry!.status).toBe('copied');
      expect(entry!.size).toBe(doc.body.length);
      expect(entry!.checksum).toEqual({ algorithm: 'SHA256', type: 'FULL_OBJECT', value: doc.sha256 });
    }
    expect(manifest.bytesCopied).toBe(documents.reduce((n, d) => n + d.body.length, 0));
  });

  test('invoking again for the same date copies nothing', async ({ stack, target, s3 }) => {
    const before = await s3.send(new HeadObjectCommand({ Bucket: stack.backupBucket, Key: `backups/${runDate}/${documents[0]!.key}` }));
    const outcome = await invokeBackup(target, stack.outputs['BackupLambdaName']!, scheduledEvent(runTime));
    expect(outcome.functionError).toBeUndefined();
    expect(outcome.payload).toMatchObject({ status: 'complete', counts: { listed: COUNT, copied: 0, unchanged: COUNT, failed: 0 } });
    const after = await s3.send(new HeadObjectCommand({ Bucket: stack.backupBucket, Key: `backups/${runDate}/${documents[0]!.key}` }));
    expect(after.VersionId).toBe(before.VersionId);
    expect(outcome.payload['manifestKey']).not.toBe(firstManifestKey);
  });
});
