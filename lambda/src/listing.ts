// Reading the source and the target prefix: the source's current versions page by page, and whether
// backups/<run date>/ holds anything yet.
import { ListObjectVersionsCommand, ListObjectsV2Command, type ListObjectVersionsCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { bareEtag, realVersion } from './s3.ts';

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  /** The listed (current) version; absent in an unversioned source, whose only version is "null". */
  versionId?: string;
}

/**
 * Versions per ListObjectVersions request. The first page is short so the first copies start after a
 * short listing rather than a full one (LocalStack spends ~0.1 s on a 1,000-version page); after that the
 * prefetch hides the listing behind the copies, and S3's maximum keeps the request count down.
 */
export const LIST_PAGE_KEYS = { first: 100, rest: 1000 } as const;

/**
 * The current version of every document under the prefix. ListObjectVersions rather than ListObjectsV2:
 * the version id comes with the listing, so each copy pins exactly the listed version (and tags the backup
 * with it) without a HEAD. Noncurrent versions and delete markers cost listing pages only.
 * The first page is requested on the call, not on the first iteration, so it overlaps whatever the caller
 * does before it starts taking documents.
 */
export function listObjects(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
  const fetchPage = (maxKeys: number, keyMarker?: string, versionIdMarker?: string) => {
    const page = s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker, MaxKeys: maxKeys }));
    // Keep a page from surfacing as an unhandled rejection if we stop before awaiting it.
    page.catch(() => undefined);
    return page;
  };
  const first = fetchPage(LIST_PAGE_KEYS.first);
  return (async function* () {
    // One page is fetched ahead while the current one is consumed, so listing latency overlaps copying;
    // at most two pages are ever held.
    let next: Promise<ListObjectVersionsCommandOutput> | undefined = first;
    while (next) {
      const page: ListObjectVersionsCommandOutput = await next;
      next = page.IsTruncated ? fetchPage(LIST_PAGE_KEYS.rest, page.NextKeyMarker, page.NextVersionIdMarker) : undefined;
      for (const v of page.Versions ?? []) {
        // A key whose latest entry is a delete marker has no IsLatest version: deleted documents are not listed.
        if (v.Key === undefined || !v.IsLatest) continue;
        const versionId = realVersion(v.VersionId);
        yield { key: v.Key, size: v.Size ?? 0, etag: bareEtag(v.ETag), ...(versionId ? { versionId } : {}) };
      }
    }
  })();
}

/** One ListObjectsV2 with MaxKeys 1: is backups/<run date>/ empty? Errors answer "no" (the safe side). */
export async function prefixIsEmpty(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  try {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) === 0;
  } catch {
    return false;
  }
}
