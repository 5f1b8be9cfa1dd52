import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3_LIMITS, type BackupConfig } from './config.ts';
import type { BackupRequest } from './events.ts';
import { BackupReadError, describeError } from './errors.ts';
import { ManifestWriter, type ManifestChecksum, type ManifestEntry, type ManifestSummary, type RunCounts } from './manifest.ts';
import { buildMetricData, publishMetrics } from './metrics.ts';

/** The logging surface the core needs; Powertools' Logger satisfies it, and so does a test double. */
export interface BackupLogger {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export interface BackupDeps {
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  logger: BackupLogger;
  clock?: () => Date;
  /** Milliseconds left in the invocation (Lambda's context.getRemainingTimeInMillis); absent = unbounded. */
  remainingTimeMs?: () => number;
  newRunId?: (startedAt: Date) => string;
}

export type RunStatus = 'complete' | 'partial' | 'failed';

export interface BackupResult {
  runId: string;
  runDate: string;
  trigger: BackupRequest['trigger'];
  dryRun: boolean;
  status: RunStatus;
  stoppedForTime: boolean;
  /** In a dry run, `copied` stays 0 and `wouldCopy` counts what a real run would copy. */
  counts: RunCounts & { wouldCopy?: number };
  bytesCopied: number;
  bytesListed: number;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Absent in a dry run, which writes nothing. */
  manifestKey?: string;
  manifestUri?: string;
  entriesKey?: string;
  metricsPublished: boolean;
  metricsError?: string;
  /** Run-level failure (listing or manifest write), as opposed to per-document failures. */
  error?: { code: string; message: string };
}

interface ListedObject {
  key: string;
  size: number;
  etag: string;
  /** The listed (current) version; absent in an unversioned source, whose only version is "null". */
  versionId?: string;
}

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

/** x-amz-tagging: a URL-encoded query string. */
export const encodeTagging = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

const bookkeepingTags = (ctx: RunContext, obj: ListedObject) =>
  encodeTagging({
    [BACKUP_TAGS.sourceEtag]: obj.etag,
    [BACKUP_TAGS.runId]: ctx.runId,
    ...(obj.versionId ? { [BACKUP_TAGS.sourceVersionId]: obj.versionId } : {}),
  });

export const targetPrefix = (runDate: string) => `backups/${runDate}/`;

/** S3 reports an unversioned object's version as "null"; treat that as no version. */
const realVersion = (versionId: string | undefined) => (versionId && versionId !== 'null' ? versionId : undefined);

/** S3 reports ETags quoted; compare and store them bare. */
const bareEtag = (etag: string | undefined) => (etag ?? '').replace(/^"|"$/g, '');

/**
 * URL-encodes `bucket/key[?versionId=...]` for x-amz-copy-source. Every byte outside the RFC 3986
 * unreserved set is escaped (encodeURIComponent leaves !'()* alone), so unicode, spaces, "+" (which S3
 * would otherwise decode as a space) and "%" survive the round trip; "/" is kept as the separator.
 */
export function encodeCopySource(bucket: string, key: string, versionId?: string): string {
  const strict = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const path = `${bucket}/${key.split('/').map(strict).join('/')}`;
  const version = realVersion(versionId);
  return version ? `${path}?versionId=${strict(version)}` : path;
}

/** Part size that keeps a copy within S3's 10,000-part limit, rounded up to whole MiB. */
export function choosePartSize(size: number, configured: number): number {
  const MiB = 1024 * 1024;
  const needed = Math.ceil(size / S3_LIMITS.maxParts / MiB) * MiB;
  return Math.min(Math.max(configured, needed, S3_LIMITS.minPartBytes), S3_LIMITS.maxPartBytes);
}

export function newRunId(startedAt: Date): string {
  // Not the Lambda request id: async retries reuse it, and each attempt must write its own manifest.
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

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
function listObjects(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
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

async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface RunContext {
  deps: BackupDeps;
  config: BackupConfig;
  request: BackupRequest;
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

/** One ListObjectsV2 with MaxKeys 1: is backups/<run date>/ empty? Errors answer "no" (the safe side). */
async function prefixIsEmpty(s3: S3Client, bucket: string, prefix: string): Promise<boolean> {
  try {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }));
    return (out.KeyCount ?? out.Contents?.length ?? 0) === 0;
  } catch {
    return false;
  }
}

function checksumFrom(value: string | undefined, type: string | undefined): ManifestChecksum | undefined {
  if (!value) return undefined;
  // S3 reports the type on newer APIs; a "-<n>" suffix is the composite (per-part) form either way.
  const composite = type === 'COMPOSITE' || /-\d+$/.test(value);
  return { algorithm: 'SHA256', type: composite ? 'COMPOSITE' : 'FULL_OBJECT', value };
}

async function headTarget(ctx: RunContext, targetKey: string): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await ctx.deps.s3.send(new HeadObjectCommand({ Bucket: ctx.config.backupBucket, Key: targetKey, ChecksumMode: 'ENABLED' }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

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
      tagging = await ctx.deps.s3.send(new GetObjectTaggingCommand({ Bucket: ctx.config.backupBucket, Key: targetKey }));
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
  const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 412 || status === 409;
};

const optionalChecksum = (checksum: ManifestChecksum | undefined) => (checksum ? { checksum } : {});
/** The backup object's own version, recorded so a restore reads exactly what this run wrote. */
const targetVersion = (versionId: string | undefined) => {
  const version = realVersion(versionId);
  return version ? { targetVersionId: version } : {};
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
  ctx.deps.logger.info('backup written meanwhile', { runId: ctx.runId, key: obj.key, targetKey, by: ours ? 'this run' : existing.tags[BACKUP_TAGS.runId] });
  return ours
    ? entryOfExisting(obj, targetKey, existing, 'copied', obj.size <= ctx.config.multipartThresholdBytes ? 'copy' : 'multipart')
    : entryOfExisting(obj, targetKey, existing, 'unchanged');
}

async function copyBytes(ctx: RunContext, obj: ListedObject, targetKey: string, expected: Expected): Promise<ManifestEntry> {
  const { s3 } = ctx.deps;
  const { config } = ctx;
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
  const common = {
    Bucket: config.backupBucket,
    Key: targetKey,
    ContentType: source.ContentType,
    ContentEncoding: source.ContentEncoding,
    ContentDisposition: source.ContentDisposition,
    ContentLanguage: source.ContentLanguage,
    CacheControl: source.CacheControl,
    Expires: source.Expires,
    Metadata: source.Metadata,
    Tagging: tagging,
    ...encryption,
  };
  const partSize = choosePartSize(obj.size, config.multipartPartSizeBytes);
  const created = await s3.send(new CreateMultipartUploadCommand(common));
  const uploadId = created.UploadId!;
  try {
    const ranges: { part: number; start: number; end: number }[] = [];
    for (let start = 0, part = 1; start < obj.size; start += partSize, part++) {
      ranges.push({ part, start, end: Math.min(start + partSize, obj.size) - 1 });
    }
    const parts = await mapWithConcurrency(ranges, config.multipartPartConcurrency, async (r): Promise<CompletedPart> => {
      const out = await s3.send(
        new UploadPartCopyCommand({
          Bucket: config.backupBucket,
          Key: targetKey,
          UploadId: uploadId,
          PartNumber: r.part,
          CopySource: copySource,
          CopySourceIfMatch: `"${obj.etag}"`,
          CopySourceRange: `bytes=${r.start}-${r.end}`,
        }),
      );
      return { PartNumber: r.part, ETag: out.CopyPartResult?.ETag, ChecksumSHA256: out.CopyPartResult?.ChecksumSHA256 };
    });
    const done = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: config.backupBucket,
        Key: targetKey,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts },
        ...writeCondition(expected),
      }),
    );
    let checksum = checksumFrom(done.ChecksumSHA256, done.ChecksumType);
    checksum ??= await checksumOfTarget(ctx, targetKey);
    return { ...base, ...targetVersion(done.VersionId), status: 'copied', method: 'multipart', ...optionalChecksum(checksum) };
  } catch (err) {
    // Orphaned parts are billed until a lifecycle rule reaps them; abort now rather than rely on that.
    await s3.send(new AbortMultipartUploadCommand({ Bucket: config.backupBucket, Key: targetKey, UploadId: uploadId })).catch((abortErr: unknown) => {
      ctx.deps.logger.warn('abort multipart upload failed', { key: obj.key, targetKey, uploadId, error: describeError(abortErr) });
    });
    throw err;
  }
}

async function checksumOfTarget(ctx: RunContext, targetKey: string): Promise<ManifestChecksum | undefined> {
  const head = await headTarget(ctx, targetKey);
  return checksumFrom(head?.ChecksumSHA256, head?.ChecksumType);
}

type Outcome = { entry: ManifestEntry; wouldCopy?: false } | { entry?: undefined; wouldCopy: true; obj: ListedObject };

async function processDocument(ctx: RunContext, obj: ListedObject): Promise<Outcome> {
  const targetKey = targetPrefix(ctx.request.runDate) + obj.key;
  try {
    const decision = await decide(ctx, obj, targetKey);
    if ('entry' in decision) return { entry: decision.entry };
    if (ctx.request.dryRun) return { wouldCopy: true, obj };
    return { entry: await copyDocument(ctx, obj, targetKey, decision.expected) };
  } catch (err) {
    // Retries are the SDK's job (throttling, 5xx); what reaches here is permanent for this run.
    return { entry: { ...entryBase(obj, targetKey), status: 'failed', error: describeError(err) } };
  }
}

/**
 * One backup run: list the source page by page, back up each document with at most
 * COPY_CONCURRENCY in flight, write the manifest last, then publish metrics. Per-document failures are
 * recorded and the run goes on; the caller decides how to surface an incomplete run.
 * A dry run lists and decides (reads only) and writes nothing: no copy, no manifest, no metrics.
 */
export async function runBackup(deps: BackupDeps, config: BackupConfig, request: BackupRequest): Promise<BackupResult> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const runId = (deps.newRunId ?? newRunId)(started);
  // The target check and the first listing page go out together: neither needs the other's answer.
  const targetCheck = prefixIsEmpty(deps.s3, config.backupBucket, targetPrefix(request.runDate));
  const documents = listObjects(deps.s3, config.sourceBucket, request.prefix);
  const ctx: RunContext = { deps, config, request, runId, targetPrefixWasEmpty: await targetCheck };
  // A manual event may override the window for one run (load runs and benchmarks); see events.ts.
  const copyConcurrency = request.concurrency ?? config.copyConcurrency;
  const { logger } = deps;
  const manifest = new ManifestWriter(deps.s3, {
    bucket: config.backupBucket,
    runDate: request.runDate,
    runId,
    kmsKeyArn: config.kmsKeyArn,
    inlineLimit: config.manifestInlineLimit,
  });
  const counts = { listed: 0, copied: 0, unchanged: 0, failed: 0, wouldCopy: 0 };
  let bytesCopied = 0;
  let bytesListed = 0;
  let stoppedForTime = false;
  let runError: { code: string; message: string } | undefined;

  logger.info('backup run starting', {
    runId,
    runDate: request.runDate,
    trigger: request.trigger,
    dryRun: request.dryRun,
    copyConcurrency,
    targetPrefixWasEmpty: ctx.targetPrefixWasEmpty,
    source: `s3://${config.sourceBucket}/${request.prefix}`,
    target: `s3://${config.backupBucket}/${targetPrefix(request.runDate)}`,
  });

  const record = async (outcome: Outcome) => {
    if (outcome.wouldCopy) {
      counts.wouldCopy++;
      logger.debug('dry run: would copy', { key: outcome.obj.key, size: outcome.obj.size });
      return;
    }
    const { entry } = outcome;
    counts[entry.status]++;
    if (entry.status === 'copied') bytesCopied += entry.size;
    if (entry.status === 'failed') logger.error('document failed', { runId, key: entry.key, targetKey: entry.targetKey, size: entry.size, error: entry.error });
    if (!request.dryRun) await manifest.add(entry);
  };

  const inFlight = new Set<Promise<void>>();
  // Woken by each document that finishes. Not Promise.race(inFlight): that attaches a reaction to every
  // in-flight document per free slot, O(COPY_CONCURRENCY) work and garbage per document.
  let slotFreed: (() => void) | undefined;
  try {
    for await (const obj of documents) {
      if (runError) break;
      if (deps.remainingTimeMs && deps.remainingTimeMs() < config.timeSafetyMarginMs) {
        stoppedForTime = true;
        break;
      }
      // The window: never more than COPY_CONCURRENCY documents in flight, and the listing is only
      // pulled when a slot frees up, so memory does not grow with the document count.
      while (inFlight.size >= copyConcurrency) await new Promise<void>((resolve) => (slotFreed = resolve));
      counts.listed++;
      bytesListed += obj.size;
      const task: Promise<void> = processDocument(ctx, obj)
        .then(record)
        // processDocument never rejects; record only could (the manifest). No one awaits a finished task,
        // so its error must land here; it stops the run, whose manifest must list every document it backed up.
        .catch((err: unknown) => {
          runError ??= describeError(err);
          logger.error('recording a document failed', { runId, key: obj.key, error: describeError(err) });
        })
        .finally(() => {
          inFlight.delete(task);
          slotFreed?.();
          slotFreed = undefined;
        });
      inFlight.add(task);
    }
  } catch (err) {
    runError = describeError(err);
    logger.error('listing source failed', { runId, bucket: config.sourceBucket, prefix: request.prefix, error: runError });
  }
  await Promise.all(inFlight);

  const status: RunStatus = runError || counts.failed > 0 ? 'failed' : stoppedForTime ? 'partial' : 'complete';
  if (stoppedForTime) {
    logger.warn('stopped taking documents: remaining time below TIME_SAFETY_MARGIN_MS', { runId, listed: counts.listed, marginMs: config.timeSafetyMarginMs });
  }
  const finished = clock();
  const durationMs = finished.getTime() - started.getTime();
  const { wouldCopy, ...runCounts } = counts;
  const result: BackupResult = {
    runId,
    runDate: request.runDate,
    trigger: request.trigger,
    dryRun: request.dryRun,
    status,
    stoppedForTime,
    counts: request.dryRun ? { ...runCounts, wouldCopy } : runCounts,
    bytesCopied,
    bytesListed,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs,
    metricsPublished: false,
    ...(runError ? { error: runError } : {}),
  };

  if (request.dryRun) {
    logger.info('backup run summary', { ...result });
    return result;
  }

  const summary: ManifestSummary = {
    schemaVersion: 1,
    runId,
    runDate: request.runDate,
    environment: config.environment,
    trigger: request.trigger,
    source: { bucket: config.sourceBucket, prefix: request.prefix },
    target: { bucket: config.backupBucket, prefix: targetPrefix(request.runDate) },
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    durationMs,
    status,
    stoppedForTime,
    counts: runCounts,
    bytesCopied,
    bytesListed,
    ...(runError ? { error: runError } : {}),
  };
  try {
    await manifest.finish(summary);
    result.manifestKey = manifest.key;
    result.manifestUri = `s3://${config.backupBucket}/${manifest.key}`;
    const spilled = manifest.entriesKey;
    if (spilled) result.entriesKey = spilled;
  } catch (err) {
    // Not rethrown: the copies are done and metrics must still go out; the caller sees status "failed"
    // with this error and no manifestKey.
    await manifest.abort();
    result.status = 'failed';
    result.error = describeError(err);
    logger.error('manifest write failed', { runId, error: result.error });
  }

  const metrics = await publishMetrics(
    deps.cloudwatch,
    config.metricsNamespace,
    buildMetricData(
      { copied: counts.copied, unchanged: counts.unchanged, failed: counts.failed, bytesCopied, durationMs, succeeded: result.status === 'complete' },
      config.environment,
      finished,
    ),
  );
  Object.assign(result, metrics);
  if (!metrics.metricsPublished) logger.warn('metrics publish failed', { runId, error: metrics.metricsError });

  logger.info('backup run summary', { ...result });
  return result;
}
