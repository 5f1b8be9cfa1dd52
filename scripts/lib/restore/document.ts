// One manifest entry: find the backup version it recorded, check it against the manifest, and copy it back
// (server side, over the S3 primitives the backup uses) or, with --verify-only, check its encryption.
import { CopyObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ManifestEntry } from '../../../lambda/src/manifest.ts';
import { S3_LIMITS } from '../../../lambda/src/config.ts';
import { contentHeaders, encodeCopySource, headIfExists, multipartCopy, rangesOfParts, realVersion } from '../../../lambda/src/s3.ts';
import { errorMessage, errorName } from './errors.ts';

/** UploadPartCopy requests in flight per restored multipart document. */
const PART_CONCURRENCY = 8;

export type DocumentOutcome = 'restored' | 'verified' | 'mismatched' | 'missing' | 'error';

export interface DocumentResult {
  key: string;
  targetKey: string;
  outcome: DocumentOutcome;
  /** The backup version read; differs from the recorded one only when that version is gone. */
  versionId?: string;
  restoredKey?: string;
  size: number;
  reason?: string;
}

export interface DocumentContext {
  s3: S3Client;
  backupBucket: string;
  verifyOnly: boolean;
  toBucket?: string;
  toPrefix: string;
  kmsKeyArn?: string;
}

/** The backup object the manifest recorded: that exact version, else (recorded version gone) the current one. */
async function locateBackupObject(ctx: DocumentContext, entry: ManifestEntry) {
  if (entry.targetVersionId) {
    const recorded = await headIfExists(ctx.s3, { Bucket: ctx.backupBucket, Key: entry.targetKey, VersionId: entry.targetVersionId });
    if (recorded) return { head: recorded, versionId: entry.targetVersionId, note: undefined };
  }
  const current = await headIfExists(ctx.s3, { Bucket: ctx.backupBucket, Key: entry.targetKey });
  if (!current) return undefined;
  return { head: current, versionId: realVersion(current.VersionId), note: entry.targetVersionId ? `recorded version ${entry.targetVersionId} is gone; checked the current version` : undefined };
}

const withNote = (reason: string, note: string | undefined) => (note ? `${reason} (${note})` : reason);

/** Never rejects: an unexpected error is the document's outcome 'error'. */
export async function processEntry(ctx: DocumentContext, entry: ManifestEntry): Promise<DocumentResult> {
  const base = { key: entry.key, targetKey: entry.targetKey, size: entry.size };
  if (entry.status === 'failed') {
    return { ...base, outcome: 'missing', reason: `never backed up: ${entry.error ? `${entry.error.code}: ${entry.error.message}` : 'the run recorded it as failed'}` };
  }
  try {
    const found = await locateBackupObject(ctx, entry);
    if (!found) return { ...base, outcome: 'missing', reason: `backup object s3://${ctx.backupBucket}/${entry.targetKey} is gone${entry.targetVersionId ? ` (version ${entry.targetVersionId} too)` : ''}` };
    const { head: backup, versionId, note } = found;
    const at = { ...base, ...(versionId ? { versionId } : {}) };
    if (!entry.checksum) return { ...at, outcome: 'mismatched', reason: withNote('the manifest records no checksum, so the backup cannot be verified', note) };
    if (backup.ChecksumSHA256 !== entry.checksum.value) {
      return { ...at, outcome: 'mismatched', reason: withNote(`backup checksum ${backup.ChecksumSHA256 ?? '(none)'} != manifest ${entry.checksum.value}`, note) };
    }
    if (backup.ContentLength !== undefined && backup.ContentLength !== entry.size) {
      return { ...at, outcome: 'mismatched', reason: withNote(`backup size ${backup.ContentLength} != manifest ${entry.size}`, note) };
    }
    if (ctx.verifyOnly) {
      if (backup.ServerSideEncryption !== 'aws:kms') return { ...at, outcome: 'mismatched', reason: `not SSE-KMS encrypted (${backup.ServerSideEncryption ?? 'none'})` };
      if (ctx.kmsKeyArn && backup.SSEKMSKeyId !== ctx.kmsKeyArn) {
        return { ...at, outcome: 'mismatched', reason: `encrypted with ${backup.SSEKMSKeyId ?? '(unknown key)'}, not the stack's key ${ctx.kmsKeyArn}` };
      }
      return { ...at, outcome: 'verified', ...(note ? { reason: note } : {}) };
    }
    const restoredKey = ctx.toPrefix + entry.key;
    const restoredChecksum = await copyBack(ctx, entry, backup, versionId, restoredKey);
    if (restoredChecksum !== entry.checksum.value) {
      return { ...at, restoredKey, outcome: 'mismatched', reason: `restored checksum ${restoredChecksum ?? '(none)'} != manifest ${entry.checksum.value}` };
    }
    return { ...at, restoredKey, outcome: 'restored', ...(note ? { reason: note } : {}) };
  } catch (err) {
    return { ...base, outcome: 'error', reason: `${errorName(err) || 'Error'}: ${errorMessage(err)}` };
  }
}

/**
 * Server-side copy of one backup version to the target with the document's original metadata and
 * headers. A FULL_OBJECT checksum restores with one CopyObject; a COMPOSITE one (a multipart backup)
 * restores part for part along the backup's own part boundaries, so the composite S3 computes for the
 * restored object is comparable with the manifest's. Returns the restored object's SHA-256 checksum.
 */
async function copyBack(ctx: DocumentContext, entry: ManifestEntry, backup: HeadObjectCommandOutput, versionId: string | undefined, restoredKey: string) {
  const { s3 } = ctx;
  const toBucket = ctx.toBucket!;
  const copySource = encodeCopySource(ctx.backupBucket, entry.targetKey, versionId);
  // The backup carries the document's own headers and user metadata unchanged (its bookkeeping is in tags).
  const headers = { Bucket: toBucket, Key: restoredKey, ...contentHeaders(backup), ChecksumAlgorithm: 'SHA256' as const };
  const restoredChecksum = async () => (await headIfExists(s3, { Bucket: toBucket, Key: restoredKey }))?.ChecksumSHA256;
  const composite = entry.checksum?.type === 'COMPOSITE' || (backup.PartsCount ?? 0) > 1;
  if (!composite && entry.size <= S3_LIMITS.maxSingleCopyBytes) {
    // TaggingDirective REPLACE (no tags): the backup's bookkeeping tags describe the backup, not the document,
    // and copying them would need s3:GetObjectTagging on the backup and s3:PutObjectTagging on the target.
    const out = await s3.send(new CopyObjectCommand({ ...headers, CopySource: copySource, MetadataDirective: 'REPLACE', TaggingDirective: 'REPLACE' }));
    return out.CopyObjectResult?.ChecksumSHA256 ?? (await restoredChecksum());
  }
  // Part sizes of the backup object, read one HEAD per part (PartNumber=n reports that part's length).
  const part = (n: number) => headIfExists(s3, { Bucket: ctx.backupBucket, Key: entry.targetKey, ...(versionId ? { VersionId: versionId } : {}), PartNumber: n });
  const first = await part(1);
  const partsCount = first?.PartsCount ?? 1;
  const sizes = [first?.ContentLength ?? entry.size];
  for (let n = 2; n <= partsCount; n++) sizes.push((await part(n))?.ContentLength ?? 0);
  const done = await multipartCopy(s3, { create: headers, copySource, ranges: rangesOfParts(sizes), partConcurrency: PART_CONCURRENCY });
  return done.ChecksumSHA256 ?? (await restoredChecksum());
}
