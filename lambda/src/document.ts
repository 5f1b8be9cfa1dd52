// One document of a run: decide whether its backup is already there, copy it (one CopyObject, or a
// multipart copy for large ones) conditionally on what was seen, and say so as a manifest entry.
import { CopyObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { S3_LIMITS, type BackupConfig } from './config.ts';
import { BackupReadError, describeError } from './errors.ts';
import type { ListedObject } from './listing.ts';
import type { ManifestChecksum, ManifestEntry } from './manifest.ts';
import {
  checksumFrom,
  choosePartSize,
  contentHeaders,
  encodeCopySource,
  encodeTagging,
  headIfExists,
  httpStatusOf,
  isNotFound,
  multipartCopy,
  partRanges,
  realVersion,
} from './s3.ts';
import type { BackupLogger } from './backup.ts';

/**
 * Our bookkeeping on each backup object, as object tags written by the copy itself. Not user metadata:
 * restating metadata (MetadataDirective REPLACE) needs a HEAD of the source per document, twice the
 * requests of a plain copy (issue #7). With MetadataDirective COPY, S3 carries the source's content
 * headers and user metadata over unchanged, and the tags ride on the same CopyObject. The backup's
 * SHA-256 is S3's own checksum of the copied bytes (x-amz-checksum-sha256), recorded in the manifest.
 */
export const BACKUP_TAGS = {
  sourceEtag: 'source-etag',
  sourceVersionId: 'source-version-id',
  runId: 'run-id',
} as const;

export const targetPrefix = (runDate: string) => `backups/${runDate}/`;

/** What every document of a run shares. */
export interface RunContext {
  s3: S3Client;
  logger: BackupLogger;
  config: BackupConfig;
  runDate: string;
  dryRun: boolean;
  runId: string;
  /**
   * Performance (issue #7): true when backups/<run date>/ held no object when the run started. Then no
   * document can already be backed up for this date, and the per-document look at the target (HEAD and
   * GetObjectTagging) is skipped: one request per document, the copy. Only an object written after the check could be missed, i.e. by
   * an overlapping run for the same date; the conditional copy (writeCondition) turns that into a 412 and
   * the other run's backup is recorded, so not even a redundant version is written. Any doubt (the check
   * fails) means false: look at each target.
   */
  targetPrefixWasEmpty: boolean;
}

const bookkeepingTags = (ctx: RunContext, obj: ListedObject) =>
  encodeTagging({
    [BACKUP_TAGS.sourceEtag]: obj.etag,
    [BACKUP_TAGS.runId]: ctx.runId,
    ...(obj.versionId ? { [BACKUP_TAGS.sourceVersionId]: obj.versionId } : {}),
  });

const headTarget = (ctx: RunContext, targetKey: string) => headIfExists(ctx.s3, { Bucket: ctx.config.backupBucket, Key: targetKey });

/** A backup already at the key: its HEAD (ETag, version, checksum) and its bookkeeping tags. */
interface ExistingBackup {
  head: HeadObjectCommandOutput;
  tags: Partial<Record<(typeof BACKUP_TAGS)[keyof typeof BACKUP_TAGS], string>>;
}

/**
 * Two requests, only on a date that already holds backups (a re-run); a fresh daily run never calls it.
 * The HEAD and the tags must describe one version: a concurrent run can write a new version between the
 * two requests, so the tags' version is checked against the HEAD's and the pair is read again if they differ.
 */
async function readBackup(ctx: RunContext, targetKey: string): Promise<ExistingBackup | undefined> {
  for (let attempt = 1; ; attempt++) {
    const head = await headTarget(ctx, targetKey);
    if (!head) return undefined;
    let tagging;
    try {
      tagging = await ctx.s3.send(new GetObjectTaggingCommand({ Bucket: ctx.config.backupBucket, Key: targetKey }));
    } catch (err) {
      // Deleted between the two requests: as good as absent.
      if (isNotFound(err)) return undefined;
      throw err;
    }
    if (realVersion(tagging.VersionId) === realVersion(head.VersionId)) {
      return { head, tags: Object.fromEntries((tagging.TagSet ?? []).map((t) => [t.Key, t.Value])) };
    }
    if (attempt === 3) throw new BackupReadError(`backup ${targetKey} kept changing while its HEAD and tags were read`);
  }
}

/** What every manifest entry says about the document: its key, backup key, listed size and ETag (and version). */
const entryBase = (obj: ListedObject, targetKey: string, sourceVersionId?: string) => ({
  key: obj.key,
  targetKey,
  size: obj.size,
  sourceEtag: obj.etag,
  ...(sourceVersionId ? { sourceVersionId } : {}),
});

const optionalChecksum = (checksum: ManifestChecksum | undefined) => (checksum ? { checksum } : {});
/** The backup object's own version, recorded so a restore reads exactly what this run wrote. */
const targetVersion = (versionId: string | undefined) => {
  const version = realVersion(versionId);
  return version ? { targetVersionId: version } : {};
};

/** The manifest entry of a document whose backup is already there, as the backup records it. */
function entryOfExisting(obj: ListedObject, targetKey: string, existing: ExistingBackup, status: 'copied' | 'unchanged', method?: 'copy' | 'multipart'): ManifestEntry {
  return {
    ...entryBase(obj, targetKey, existing.tags[BACKUP_TAGS.sourceVersionId]),
    ...targetVersion(existing.head.VersionId),
    status,
    ...(method ? { method } : {}),
    ...optionalChecksum(checksumFrom(existing.head.ChecksumSHA256, existing.head.ChecksumType)),
  };
}

/**
 * What the run expects at the backup key when it copies: nothing there yet, or the stale backup (by its
 * ETag) that this copy replaces. The copy is conditional on it (see writeCondition).
 */
type Expected = { absent: true } | { etag: string };
type Decision = { entry: ManifestEntry } | { copy: true; expected: Expected };

async function decide(ctx: RunContext, obj: ListedObject, targetKey: string): Promise<Decision> {
  if (Buffer.byteLength(targetKey) > S3_LIMITS.maxKeyBytes) {
    // backups/<date>/ adds 19 bytes, so source keys over 1005 bytes have no legal backup key. Fail the
    // document loudly rather than truncate (which could collide) or skip it.
    return {
      entry: {
        ...entryBase(obj, targetKey),
        status: 'failed',
        error: { code: 'TargetKeyTooLong', message: `backup key would be ${Buffer.byteLength(targetKey)} bytes; S3 allows ${S3_LIMITS.maxKeyBytes}` },
      },
    };
  }
  if (ctx.targetPrefixWasEmpty) return { copy: true, expected: { absent: true } };
  const existing = await readBackup(ctx, targetKey);
  if (existing && existing.tags[BACKUP_TAGS.sourceEtag] === obj.etag) return { entry: entryOfExisting(obj, targetKey, existing, 'unchanged') };
  return { copy: true, expected: existing?.head.ETag ? { etag: existing.head.ETag } : { absent: true } };
}

/**
 * Reliability (issue #6): the backup write is conditional on what decide() saw. Two runs for the same
 * date at once (an async retry overlapping a manual run, say) both find a document's backup missing (or
 * skip the HEAD, see targetPrefixWasEmpty) and would both copy it: two versions of every document. With
 * If-None-Match: * (nothing there yet) or If-Match: <stale backup's ETag>, only the first write lands;
 * the other gets 412 (or 409 ConditionalRequestConflict when S3 sees the race mid-write) and records the
 * backup that won instead (backedUpMeanwhile). The same check makes an SDK retry after a lost response
 * safe: the retry finds this run's own copy rather than writing a second version.
 */
const writeCondition = (expected: Expected) => ('etag' in expected ? { IfMatch: expected.etag } : { IfNoneMatch: '*' });

const isWriteConflict = (err: unknown) => {
  const status = httpStatusOf(err);
  return status === 412 || status === 409;
};

async function copyDocument(ctx: RunContext, obj: ListedObject, targetKey: string, expected: Expected): Promise<ManifestEntry> {
  try {
    return await copyBytes(ctx, obj, targetKey, expected);
  } catch (err) {
    if (!isWriteConflict(err)) throw err;
    return backedUpMeanwhile(ctx, obj, targetKey, err);
  }
}

/**
 * After a 412/409: if the backup key now holds exactly the listed source version, the document is backed
 * up (by this run, when a retried request's first attempt landed, else by a concurrent run) and the entry
 * records that object. Anything else, e.g. the source changed since the listing (CopySourceIfMatch also
 * answers 412), stays the failure it was.
 */
async function backedUpMeanwhile(ctx: RunContext, obj: ListedObject, targetKey: string, conflict: unknown): Promise<ManifestEntry> {
  const existing = await readBackup(ctx, targetKey);
  if (!existing || existing.tags[BACKUP_TAGS.sourceEtag] !== obj.etag) throw conflict;
  const ours = existing.tags[BACKUP_TAGS.runId] === ctx.runId;
  ctx.logger.info('backup written meanwhile', { runId: ctx.runId, key: obj.key, targetKey, by: ours ? 'this run' : existing.tags[BACKUP_TAGS.runId] });
  return ours
    ? entryOfExisting(obj, targetKey, existing, 'copied', obj.size <= ctx.config.multipartThresholdBytes ? 'copy' : 'multipart')
    : entryOfExisting(obj, targetKey, existing, 'unchanged');
}

async function copyBytes(ctx: RunContext, obj: ListedObject, targetKey: string, expected: Expected): Promise<ManifestEntry> {
  const { s3, config } = ctx;
  const encryption = {
    ServerSideEncryption: 'aws:kms' as const,
    SSEKMSKeyId: config.kmsKeyArn,
    BucketKeyEnabled: true,
    ChecksumAlgorithm: 'SHA256' as const,
  };
  // The listed version, pinned: a document rewritten or deleted since the listing is still backed up as
  // listed. CopySourceIfMatch guards an unversioned source, where a rewrite replaces the listed bytes: the
  // copy fails with 412 (and is recorded) rather than mixing the listed size/ETag with newer bytes.
  const copySource = encodeCopySource(config.sourceBucket, obj.key, obj.versionId);
  const tagging = bookkeepingTags(ctx, obj);
  const base = entryBase(obj, targetKey, obj.versionId);

  if (obj.size <= config.multipartThresholdBytes) {
    // One request per document: MetadataDirective COPY keeps the source's content headers and user
    // metadata, and the bookkeeping tags replace (never copy) the source's tags, so the role needs
    // s3:PutObjectTagging on its own backups but no tag access to the source.
    const out = await s3.send(
      new CopyObjectCommand({
        Bucket: config.backupBucket,
        Key: targetKey,
        CopySource: copySource,
        CopySourceIfMatch: `"${obj.etag}"`,
        MetadataDirective: 'COPY',
        TaggingDirective: 'REPLACE',
        Tagging: tagging,
        ...encryption,
        ...writeCondition(expected),
      }),
    );
    let checksum = checksumFrom(out.CopyObjectResult?.ChecksumSHA256, out.CopyObjectResult?.ChecksumType);
    checksum ??= await checksumOfTarget(ctx, targetKey);
    return { ...base, ...targetVersion(out.VersionId), status: 'copied', method: 'copy', ...optionalChecksum(checksum) };
  }

  // A multipart upload has no metadata directive: the content headers and user metadata are restated from
  // a HEAD of the pinned version (one extra request for a document of at least MULTIPART_THRESHOLD_BYTES).
  const source = await s3.send(
    new HeadObjectCommand({ Bucket: config.sourceBucket, Key: obj.key, IfMatch: `"${obj.etag}"`, ...(obj.versionId ? { VersionId: obj.versionId } : {}) }),
  );
  const done = await multipartCopy(s3, {
    create: { Bucket: config.backupBucket, Key: targetKey, ...contentHeaders(source), Tagging: tagging, ...encryption },
    copySource,
    copySourceIfMatch: `"${obj.etag}"`,
    ranges: partRanges(obj.size, choosePartSize(obj.size, config.multipartPartSizeBytes)),
    partConcurrency: config.multipartPartConcurrency,
    completeConditions: writeCondition(expected),
    onAbortError: (abortErr, uploadId) =>
      ctx.logger.warn('abort multipart upload failed', { key: obj.key, targetKey, uploadId, error: describeError(abortErr) }),
  });
  let checksum = checksumFrom(done.ChecksumSHA256, done.ChecksumType);
  checksum ??= await checksumOfTarget(ctx, targetKey);
  return { ...base, ...targetVersion(done.VersionId), status: 'copied', method: 'multipart', ...optionalChecksum(checksum) };
}

async function checksumOfTarget(ctx: RunContext, targetKey: string): Promise<ManifestChecksum | undefined> {
  const head = await headTarget(ctx, targetKey);
  return checksumFrom(head?.ChecksumSHA256, head?.ChecksumType);
}

export type Outcome = { entry: ManifestEntry; wouldCopy?: false } | { entry?: undefined; wouldCopy: true; obj: ListedObject };

/** Never rejects: what reaches the catch is permanent for this run (retries are the SDK's job) and becomes a failed entry. */
export async function processDocument(ctx: RunContext, obj: ListedObject): Promise<Outcome> {
  const targetKey = targetPrefix(ctx.runDate) + obj.key;
  try {
    const decision = await decide(ctx, obj, targetKey);
    if ('entry' in decision) return { entry: decision.entry };
    if (ctx.dryRun) return { wouldCopy: true, obj };
    return { entry: await copyDocument(ctx, obj, targetKey, decision.expected) };
  } catch (err) {
    return { entry: { ...entryBase(obj, targetKey), status: 'failed', error: describeError(err) } };
  }
}
