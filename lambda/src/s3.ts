// The S3 primitives the backup core and the restore share: how S3 reports versions, ETags, checksums and
// a missing object; the copy source and tagging encodings; a HEAD that answers "not there"; the content
// headers a copy restates; part ranges and the multipart copy itself.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompleteMultipartUploadCommandInput,
  type CompleteMultipartUploadCommandOutput,
  type CompletedPart,
  type CreateMultipartUploadCommandInput,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { S3_LIMITS } from './config.ts';
import { mapWithConcurrency } from './concurrency.ts';
import type { ManifestChecksum } from './manifest.ts';

const MiB = 1024 * 1024;

/** The HTTP status of an SDK error, if it has one. */
export const httpStatusOf = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;

const NOT_FOUND = new Set(['NotFound', 'NoSuchKey', 'NoSuchVersion', 'NoSuchBucket']);

/** 404, or one of S3's not-found error names (HEAD answers a bare NotFound). */
export const isNotFound = (err: unknown): boolean => httpStatusOf(err) === 404 || NOT_FOUND.has((err as { name?: string })?.name ?? '');

/** S3 reports an unversioned object's version as "null"; treat that as no version. */
export const realVersion = (versionId: string | undefined): string | undefined => (versionId && versionId !== 'null' ? versionId : undefined);

/** S3 reports ETags quoted; compare and store them bare. */
export const bareEtag = (etag: string | undefined): string => (etag ?? '').replace(/^"|"$/g, '');

/** RFC 3986 escaping of one path segment: every byte outside the unreserved set (encodeURIComponent leaves !'()* alone). */
export const uriEscape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * URL-encodes `bucket/key[?versionId=...]` for x-amz-copy-source. Every byte outside the RFC 3986
 * unreserved set is escaped (encodeURIComponent leaves !'()* alone), so unicode, spaces, "+" (which S3
 * would otherwise decode as a space) and "%" survive the round trip; "/" is kept as the separator.
 */
export function encodeCopySource(bucket: string, key: string, versionId?: string): string {
  const path = `${bucket}/${key.split('/').map(uriEscape).join('/')}`;
  const version = realVersion(versionId);
  return version ? `${path}?versionId=${uriEscape(version)}` : path;
}

/** x-amz-tagging: a URL-encoded query string. */
export const encodeTagging = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

/** S3's SHA-256 as the manifest records it. */
export function checksumFrom(value: string | undefined, type: string | undefined): ManifestChecksum | undefined {
  if (!value) return undefined;
  // S3 reports the type on newer APIs; a "-<n>" suffix is the composite (per-part) form either way.
  const composite = type === 'COMPOSITE' || /-\d+$/.test(value);
  return { algorithm: 'SHA256', type: composite ? 'COMPOSITE' : 'FULL_OBJECT', value };
}

/**
 * HEAD with the stored checksum; undefined when the object (or the asked version) is not there. A version
 * id S3 does not know can come back as 400 (malformed) as well as 404.
 */
export async function headIfExists(
  s3: S3Client,
  params: { Bucket: string; Key: string; VersionId?: string; PartNumber?: number },
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3.send(
      new HeadObjectCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        ChecksumMode: 'ENABLED',
        ...(params.VersionId ? { VersionId: params.VersionId } : {}),
        ...(params.PartNumber ? { PartNumber: params.PartNumber } : {}),
      }),
    );
  } catch (err) {
    if (isNotFound(err) || (params.VersionId && httpStatusOf(err) === 400)) return undefined;
    throw err;
  }
}

/** The headers and user metadata a copy restates when it cannot copy them (multipart, or MetadataDirective REPLACE). */
export function contentHeaders(head: HeadObjectCommandOutput) {
  return {
    ContentType: head.ContentType,
    ContentEncoding: head.ContentEncoding,
    ContentDisposition: head.ContentDisposition,
    ContentLanguage: head.ContentLanguage,
    CacheControl: head.CacheControl,
    Expires: head.Expires,
    Metadata: head.Metadata,
  };
}

/** One part of a multipart copy: its number and its inclusive byte range in the source. */
export interface PartRange {
  part: number;
  start: number;
  end: number;
}

/** Part size that keeps a copy within S3's 10,000-part limit, rounded up to whole MiB. */
export function choosePartSize(size: number, configured: number): number {
  const needed = Math.ceil(size / S3_LIMITS.maxParts / MiB) * MiB;
  return Math.min(Math.max(configured, needed, S3_LIMITS.minPartBytes), S3_LIMITS.maxPartBytes);
}

/** `size` bytes cut into parts of `partSize` (the last one shorter). */
export function partRanges(size: number, partSize: number): PartRange[] {
  const ranges: PartRange[] = [];
  for (let start = 0, part = 1; start < size; start += partSize, part++) ranges.push({ part, start, end: Math.min(start + partSize, size) - 1 });
  return ranges;
}

/** Ranges along given part lengths (an existing multipart object's own boundaries). */
export function rangesOfParts(sizes: readonly number[]): PartRange[] {
  let start = 0;
  return sizes.map((size, i) => {
    const range = { part: i + 1, start, end: start + size - 1 };
    start += size;
    return range;
  });
}

export interface MultipartCopyOptions {
  /** CreateMultipartUpload's input: the target's bucket and key, headers, metadata, encryption, checksum, tags. */
  create: CreateMultipartUploadCommandInput & { Bucket: string; Key: string };
  /** x-amz-copy-source, from encodeCopySource. */
  copySource: string;
  /** CopySourceIfMatch on every part: the source must still be the listed one. */
  copySourceIfMatch?: string;
  ranges: readonly PartRange[];
  /** UploadPartCopy requests in flight. */
  partConcurrency: number;
  /** Conditions on the completion (If-None-Match / If-Match), so the write lands only on what was expected. */
  completeConditions?: Pick<CompleteMultipartUploadCommandInput, 'IfMatch' | 'IfNoneMatch'>;
  /** Told when aborting a failed upload fails too (the original error is still the one thrown). */
  onAbortError?: (err: unknown, uploadId: string) => void;
}

/**
 * Server-side multipart copy: create, UploadPartCopy every range with bounded concurrency, complete. A
 * failure aborts the upload (orphaned parts are billed until a lifecycle rule reaps them) and is rethrown.
 */
export async function multipartCopy(s3: S3Client, opts: MultipartCopyOptions): Promise<CompleteMultipartUploadCommandOutput> {
  const { Bucket, Key } = opts.create;
  const created = await s3.send(new CreateMultipartUploadCommand(opts.create));
  const uploadId = created.UploadId!;
  try {
    const parts = await mapWithConcurrency(opts.ranges, opts.partConcurrency, async (r): Promise<CompletedPart> => {
      const out = await s3.send(
        new UploadPartCopyCommand({
          Bucket,
          Key,
          UploadId: uploadId,
          PartNumber: r.part,
          CopySource: opts.copySource,
          ...(opts.copySourceIfMatch ? { CopySourceIfMatch: opts.copySourceIfMatch } : {}),
          CopySourceRange: `bytes=${r.start}-${r.end}`,
        }),
      );
      return { PartNumber: r.part, ETag: out.CopyPartResult?.ETag, ChecksumSHA256: out.CopyPartResult?.ChecksumSHA256 };
    });
    return await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId: uploadId, MultipartUpload: { Parts: parts }, ...opts.completeConditions }));
  } catch (err) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch((abortErr: unknown) => opts.onAbortError?.(abortErr, uploadId));
    throw err;
  }
}
