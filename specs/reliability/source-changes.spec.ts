// Source documents that change or disappear while a run is under way, at the exact request where it
// hurts (the proxy's hooks act just before the request is forwarded): each is reported, none is backed
// up as a mix of old and new, and the next run backs up what is there now.
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { getBytes, listKeys, readManifest, RUN_DATE, runCore, sandbox, sha256 } from '../lambda/helpers.ts';
import { expect, lambdaLikeClients, test } from './helpers.ts';

test('documents rewritten or deleted mid-run are reported failed, never half-copied; the next run catches up', async ({ s3, cloudwatch, target, faults }) => {
  const box = await sandbox(s3, target);
  const docs = [...generateDocuments({ count: 30, seed: 651 })];
  await seedDocuments(s3, box.sourceBucket, docs);
  const [rewrittenBeforeHead, deleted, rewrittenBeforeCopy] = [docs[3]!.key, docs[11]!.key, docs[20]!.key];
  const newBody = (key: string) => Buffer.from(`rewritten during the run: ${key}`);
  const inSource = { bucket: box.sourceBucket };
  faults.setRules([
    // Listed, then rewritten before the run reads its metadata (HeadObject If-Match answers 412).
    { match: { ...inSource, operation: 'HeadObject', key: rewrittenBeforeHead }, fault: { kind: 'hook', run: async () => void (await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: rewrittenBeforeHead, Body: newBody(rewrittenBeforeHead) }))) }, limit: 1 },
    // Listed, then deleted (HeadObject answers 404).
    { match: { ...inSource, operation: 'HeadObject', key: deleted }, fault: { kind: 'hook', run: async () => void (await s3.send(new DeleteObjectCommand({ Bucket: box.sourceBucket, Key: deleted }))) }, limit: 1 },
    // Rewritten between the metadata read and the copy (CopySourceIfMatch answers 412).
    { match: { operation: 'CopyObject', key: rewrittenBeforeCopy }, fault: { kind: 'hook', run: async () => void (await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: rewrittenBeforeCopy, Body: newBody(rewrittenBeforeCopy) }))) }, limit: 1 },
  ]);
  const faulty = lambdaLikeClients(faults.endpoint);
  const first = await runCore({ s3: faulty.s3, cloudwatch }, box.config());
  expect(faults.stats.injected.hook).toBe(3);
  expect(first).toMatchObject({ status: 'failed', counts: { listed: 30, copied: 27, failed: 3 } });
  const { entries } = await readManifest(s3, box.backupBucket, first.manifestKey!);
  const failed = Object.fromEntries(entries.filter((e) => e.status === 'failed').map((e) => [e.key, e.error]));
  expect(failed).toEqual({
    [rewrittenBeforeHead]: expect.objectContaining({ httpStatus: 412 }),
    [deleted]: expect.objectContaining({ httpStatus: 404 }),
    [rewrittenBeforeCopy]: expect.objectContaining({ httpStatus: 412 }),
  });
  // No backup object at all for them: neither the old bytes under the new ETag nor a mix.
  const backedUp = await listKeys(s3, box.backupBucket, `backups/${RUN_DATE}/`);
  for (const key of [rewrittenBeforeHead, deleted, rewrittenBeforeCopy]) expect(backedUp).not.toContain(`backups/${RUN_DATE}/${key}`);
  expect(backedUp).toHaveLength(27);

  faults.setRules([]);
  const second = await runCore({ s3: faulty.s3, cloudwatch }, box.config());
  faulty.destroy();
  expect(second).toMatchObject({ status: 'complete', counts: { listed: 29, copied: 2, unchanged: 27, failed: 0 } });
  for (const key of [rewrittenBeforeHead, rewrittenBeforeCopy]) {
    const copy = await getBytes(s3, box.backupBucket, `backups/${RUN_DATE}/${key}`);
    expect(sha256(copy), key).toBe(sha256(newBody(key)));
  }
  await expect(s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: `backups/${RUN_DATE}/${deleted}` }))).rejects.toMatchObject({ name: 'NotFound' });
});
