// S3 ListObjectVersions in a bucket that has never been versioned: LocalStack 4.14 ignores MaxKeys there
// and returns the whole bucket in one untruncated response. Fails without scripts/localstack-ext's
// s3_list_versions patch (LOCALSTACK_EXT_DISABLE=s3_list_versions).
import { ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { test, expect } from '../../fixtures.ts';

async function put(s3: S3Client, bucket: string, keys: string[]): Promise<void> {
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
}

/** Every page of the listing, following NextKeyMarker/NextVersionIdMarker as a client does. */
async function pages(s3: S3Client, bucket: string, maxKeys: number, prefix?: string) {
  const all = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: maxKeys, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    all.push(page);
    if (!page.IsTruncated) return all;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
    expect(all.length, 'the listing ends').toBeLessThan(50);
  }
}

test('a never-versioned bucket pages by MaxKeys: each key once, as its only (null, latest) version', async ({ s3, sandboxBucket: bucket }) => {
  const keys = ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'c'];
  await put(s3, bucket, keys);
  const listed = await pages(s3, bucket, 2);
  expect(listed.map((p) => p.Versions?.length)).toEqual([2, 2, 2]);
  expect(listed.map((p) => p.IsTruncated)).toEqual([true, true, false]);
  const versions = listed.flatMap((p) => p.Versions ?? []);
  expect(versions.map((v) => v.Key)).toEqual(keys);
  for (const v of versions) expect(v).toMatchObject({ VersionId: 'null', IsLatest: true, Size: v.Key!.length, ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
  // With a prefix, too.
  const underA = (await pages(s3, bucket, 2, 'a/')).flatMap((p) => p.Versions ?? []);
  expect(underA.map((v) => v.Key)).toEqual(['a/1', 'a/2', 'a/3']);
});

test('a versioned bucket keeps LocalStack\'s own listing: noncurrent versions and real version ids', async ({ s3, sandboxBucket: bucket }) => {
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  for (const body of ['one', 'two']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: body }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other', Body: 'x' }));
  const versions = (await pages(s3, bucket, 1)).flatMap((p) => p.Versions ?? []);
  expect(versions.map((v) => [v.Key, v.IsLatest])).toEqual([['doc', true], ['doc', false], ['other', true]]);
  for (const v of versions) expect(v.VersionId).not.toBe('null');
});
