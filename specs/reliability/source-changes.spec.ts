// Source documents that change or disappear while a run is under way, at the exact request where it
// hurts (the proxy's hooks act just before the request is forwarded): each is reported, none is backed
// up as a mix of old and new, and the next run backs up what is there now. The source here is
// unversioned, so nothing keeps the listed bytes; a versioned source is backed up as listed instead
// (specs/lambda/backup.spec.ts).
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { getBytes, listKeys, MiB, readManifest, RUN_DATE, runCore, sha256 } from '../lambda/helpers.ts';
import { test, expect } from '../fixtures.ts';

test('documents rewritten or deleted mid-run are reported failed, never half-copied; the next run catches up', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
  const docs = [...generateDocuments({ count: 30, seed: 651 })];
  await seedDocuments(s3, box.sourceBucket, docs);
  // One document above the multipart threshold: its copy restates headers from a HEAD of the source first.
  const big = 'scans/big.bin';
  await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: big, Body: Buffer.alloc(6 * MiB, 7) }));
  const config = box.config({ MULTIPART_THRESHOLD_BYTES: String(5 * MiB), MULTIPART_PART_SIZE_BYTES: String(5 * MiB) });
  const [deleted, rewrittenBeforeCopy] = [docs[11]!.key, docs[20]!.key];
  const newBody = (key: string) => Buffer.from(`rewritten during the run: ${key}`);
  const rewrite = (key: string) => async () => void (await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: key, Body: newBody(key) })));
  faults.setRules([
    // Listed, then deleted before the copy (404).
    { match: { operation: 'CopyObject', key: deleted }, fault: { kind: 'hook', run: async () => void (await s3.send(new DeleteObjectCommand({ Bucket: box.sourceBucket, Key: deleted }))) }, limit: 1 },
    // Listed, then rewritten before the copy (CopySourceIfMatch answers 412).
    { match: { operation: 'CopyObject', key: rewrittenBeforeCopy }, fault: { kind: 'hook', run: rewrite(rewrittenBeforeCopy) }, limit: 1 },
    // Listed, then rewritten before the multipart copy reads its headers (HeadObject If-Match answers 412).
    { match: { bucket: box.sourceBucket, operation: 'HeadObject', key: big }, fault: { kind: 'hook', run: rewrite(big) }, limit: 1 },
  ]);
  const faulty = lambdaClients(config);
  const first = await runCore({ s3: faulty.s3, cloudwatch }, config);
  expect(faults.stats.injected.hook).toBe(3);
  expect(first).toMatchObject({ status: 'failed', counts: { listed: 31, copied: 28, failed: 3 } });
  const { entries } = await readManifest(s3, box.backupBucket, first.manifestKey!);
  const failed = Object.fromEntries(entries.filter((e) => e.status === 'failed').map((e) => [e.key, e.error]));
  expect(failed).toEqual({
    [deleted]: expect.objectContaining({ httpStatus: 404 }),
    [rewrittenBeforeCopy]: expect.objectContaining({ httpStatus: 412 }),
    [big]: expect.objectContaining({ httpStatus: 412 }),
  });
  // No backup object at all for them: neither the old bytes under the new ETag nor a mix.
  const backedUp = await listKeys(s3, box.backupBucket, `backups/${RUN_DATE}/`);
  for (const key of [deleted, rewrittenBeforeCopy, big]) expect(backedUp).not.toContain(`backups/${RUN_DATE}/${key}`);
  expect(backedUp).toHaveLength(28);

  faults.setRules([]);
  const second = await runCore({ s3: faulty.s3, cloudwatch }, config);
  expect(second).toMatchObject({ status: 'complete', counts: { listed: 30, copied: 2, unchanged: 28, failed: 0 } });
  for (const key of [rewrittenBeforeCopy, big]) {
    const copy = await getBytes(s3, box.backupBucket, `backups/${RUN_DATE}/${key}`);
    expect(sha256(copy), key).toBe(sha256(newBody(key)));
  }
  await expect(s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key: `backups/${RUN_DATE}/${deleted}` }))).rejects.toMatchObject({ name: 'NotFound' });
});
