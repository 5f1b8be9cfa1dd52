// Restore and verify: read a date's manifest, copy every document back (server side, the exact backup
// version the manifest recorded), and check each against the manifest's checksum. Collaborators (S3 and
// CloudFormation clients) come in as parameters so the specs drive this directly; scripts/restore.ts is
// only argument parsing and printing.
import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import pLimit from 'p-limit';
import { ManifestEntrySchema, ManifestSchema, type Manifest, type ManifestEntry } from '../../lambda/src/manifest.ts';
import { encodeCopySource } from '../../lambda/src/backup.ts';
import { S3_LIMITS } from '../../lambda/src/config.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';

/** Bad input: nothing was restored or verified (CLI exit 2). */
export class RestoreInputError extends Error {
  override readonly name: string = 'RestoreInputError';
}

/** The date has no manifest at all in the backup bucket. */
export class NoManifestError extends RestoreInputError {
  override readonly name = 'NoManifestError';
}

export const DEFAULT_CONCURRENCY = 16;

export function assertRunDate(date: string): void {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || !new Date(`${date}T00:00:00Z`).toISOString().startsWith(date)) {
    throw new RestoreInputError(`--date must be a calendar date as YYYY-MM-DD (got "${date}")`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Where the backup lives

export interface BackupLocation {
  backupBucket: string;
  /** The stack's key; verify checks every backup object is encrypted with it. */
  kmsKeyArn?: string;
  stackName?: string;
}

const httpStatus = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const errName = (err: unknown) => (err as { name?: string })?.name ?? '';
const isNotFound = (err: unknown) => httpStatus(err) === 404 || ['NotFound', 'NoSuchKey', 'NoSuchVersion', 'NoSuchBucket'].includes(errName(err));
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Reads BackupBucketName and KMSKeyArn from the stack's outputs. */
export async function locateFromStack(cfn: CloudFormationClient, stackName: string): Promise<BackupLocation> {
  let outputs: Record<string, string>;
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    if (!stack) throw new RestoreInputError(`stack "${stackName}" does not exist; check --stack-name and --region`);
    outputs = Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
  } catch (err) {
    if (err instanceof RestoreInputError) throw err;
    if (errName(err) === 'ValidationError' && /does not exist/.test(message(err))) {
      throw new RestoreInputError(`stack "${stackName}" does not exist; check --stack-name and --region`, { cause: err });
    }
    throw err;
  }
  const backupBucket = outputs['BackupBucketName'];
  if (!backupBucket) throw new RestoreInputError(`stack "${stackName}" has no BackupBucketName output; is it a document-backup stack?`);
  return { backupBucket, stackName, ...(outputs['KMSKeyArn'] ? { kmsKeyArn: outputs['KMSKeyArn'] } : {}) };
}

/** Without a stack: the bucket's default encryption key stands in for the stack's key. */
export async function locateFromBucket(s3: S3Client, backupBucket: string): Promise<BackupLocation> {
  try {
    const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: backupBucket }));
    const key = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
    return { backupBucket, ...(key?.startsWith('arn:') ? { kmsKeyArn: key } : {}) };
  } catch (err) {
    if (errName(err) === 'NoSuchBucket') throw new RestoreInputError(`backup bucket "${backupBucket}" does not exist; check --backup-bucket`, { cause: err });
    // No default encryption, or no permission to read it: verify then checks only that objects are SSE-KMS.
    if (httpStatus(err) === 404 || httpStatus(err) === 403) return { backupBucket };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// Manifests

export interface ManifestChoice {
  key: string;
  manifest: Manifest;
  /** Every manifest of the date, newest first, with its status (what was passed over and why). */
  candidates: { key: string; status: Manifest['status'] | 'unreadable'; finishedAt?: string }[];
}

async function readJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse(await out.Body!.transformToString());
}

/** The date's latest complete manifest; when the date has only partial or failed runs, the latest of those. */
export async function findManifest(s3: S3Client, backupBucket: string, date: string): Promise<ManifestChoice> {
  assertRunDate(date);
  const prefix = `manifests/${date}/`;
  const keys: string[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: backupBucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    if (errName(err) === 'NoSuchBucket') throw new RestoreInputError(`backup bucket "${backupBucket}" does not exist`, { cause: err });
    throw err;
  }
  if (keys.length === 0) {
    throw new NoManifestError(`no backup manifest for ${date} in s3://${backupBucket}/${prefix}; pick a date that has a backup run`);
  }
  const read: { key: string; manifest?: Manifest }[] = await Promise.all(
    keys.map(async (key) => {
      try {
        const parsed = ManifestSchema.safeParse(await readJson(s3, backupBucket, key));
        return parsed.success ? { key, manifest: parsed.data } : { key };
      } catch {
        return { key };
      }
    }),
  );
  // Run ids start with the run's timestamp, so key order is run order; finishedAt breaks same-second ties.
  const order = (m: { key: string; manifest?: Manifest }) => `${m.manifest?.finishedAt ?? ''}|${m.key}`;
  read.sort((a, b) => (order(a) < order(b) ? 1 : order(a) > order(b) ? -1 : 0));
  const candidates = read.map((r) => ({ key: r.key, status: r.manifest?.status ?? ('unreadable' as const), ...(r.manifest ? { finishedAt: r.manifest.finishedAt } : {}) }));
  const chosen = read.find((r) => r.manifest?.status === 'complete') ?? read.find((r) => r.manifest);
  if (!chosen?.manifest) throw new NoManifestError(`no readable backup manifest for ${date} in s3://${backupBucket}/${prefix} (${keys.length} unreadable)`);
  return { key: chosen.key, manifest: chosen.manifest, candidates };
}

/** Entries inline, or streamed as JSON Lines from `entriesObject` for large runs. */
export async function readEntries(s3: S3Client, manifest: Manifest): Promise<ManifestEntry[]> {
  if (manifest.entries) return manifest.entries;
  if (!manifest.entriesObject) return [];
  const out = await s3.send(new GetObjectCommand({ Bucket: manifest.entriesObject.bucket, Key: manifest.entriesObject.key }));
  const entries: ManifestEntry[] = [];
  let rest = '';
  const decoder = new TextDecoder();
  const take = (line: string) => {
    if (line.trim()) entries.push(ManifestEntrySchema.parse(JSON.parse(line)));
  };
  for await (const chunk of out.Body as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(rest + decoder.decode());
  return entries;
}

// ---------------------------------------------------------------------------------------------------
// One document

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

interface DocumentContext {
  s3: S3Client;
  backupBucket: string;
  verifyOnly: boolean;
  toBucket?: string;
  toPrefix: string;
  kmsKeyArn?: string;
}

async function head(s3: S3Client, bucket: string, key: string, versionId?: string, partNumber?: number): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId ? { VersionId: versionId } : {}), ...(partNumber ? { PartNumber: partNumber } : {}) }),
    );
  } catch (err) {
    // A version id S3 does not know can come back as 400 (malformed) as well as 404.
    if (isNotFound(err) || (versionId && httpStatus(err) === 400)) return undefined;
    throw err;
  }
}

/** The backup object the manifest recorded: that exact version, else (recorded version gone) the current one. */
async function locateBackupObject(ctx: DocumentContext, entry: ManifestEntry) {
  if (entry.targetVersionId) {
    const recorded = await head(ctx.s3, ctx.backupBucket, entry.targetKey, entry.targetVersionId);
    if (recorded) return { head: recorded, versionId: entry.targetVersionId, note: undefined };
  }
  const current = await head(ctx.s3, ctx.backupBucket, entry.targetKey);
  if (!current) return undefined;
  const versionId = current.VersionId && current.VersionId !== 'null' ? current.VersionId : undefined;
  return { head: current, versionId, note: entry.targetVersionId ? `recorded version ${entry.targetVersionId} is gone; checked the current version` : undefined };
}

const withNote = (reason: string, note: string | undefined) => (note ? `${reason} (${note})` : reason);

async function processEntry(ctx: DocumentContext, entry: ManifestEntry): Promise<DocumentResult> {
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
    return { ...base, outcome: 'error', reason: `${errName(err) || 'Error'}: ${message(err)}` };
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
  const headers = {
    Bucket: toBucket,
    Key: restoredKey,
    ContentType: backup.ContentType,
    ContentEncoding: backup.ContentEncoding,
    ContentDisposition: backup.ContentDisposition,
    ContentLanguage: backup.ContentLanguage,
    CacheControl: backup.CacheControl,
    Expires: backup.Expires,
    // The backup carries the document's own user metadata unchanged (its bookkeeping is in tags).
    Metadata: backup.Metadata,
    ChecksumAlgorithm: 'SHA256' as const,
  };
  const composite = entry.checksum?.type === 'COMPOSITE' || (backup.PartsCount ?? 0) > 1;
  if (!composite && entry.size <= S3_LIMITS.maxSingleCopyBytes) {
    // TaggingDirective REPLACE (no tags): the backup's bookkeeping tags describe the backup, not the document,
    // and copying them would need s3:GetObjectTagging on the backup and s3:PutObjectTagging on the target.
    const out = await s3.send(new CopyObjectCommand({ ...headers, CopySource: copySource, MetadataDirective: 'REPLACE', TaggingDirective: 'REPLACE' }));
    return out.CopyObjectResult?.ChecksumSHA256 ?? (await head(s3, toBucket, restoredKey))?.ChecksumSHA256;
  }
  // Part sizes of the backup object, read one HEAD per part (PartNumber=n reports that part's length).
  const first = await head(s3, ctx.backupBucket, entry.targetKey, versionId, 1);
  const partsCount = first?.PartsCount ?? 1;
  const sizes = [first?.ContentLength ?? entry.size];
  for (let n = 2; n <= partsCount; n++) sizes.push((await head(s3, ctx.backupBucket, entry.targetKey, versionId, n))?.ContentLength ?? 0);
  const created = await s3.send(new CreateMultipartUploadCommand(headers));
  const uploadId = created.UploadId!;
  try {
    let start = 0;
    const ranges = sizes.map((size, i) => {
      const r = { part: i + 1, start, end: start + size - 1 };
      start += size;
      return r;
    });
    const limit = pLimit(8);
    const parts = await Promise.all(
      ranges.map((r) =>
        limit(async (): Promise<CompletedPart> => {
          const out = await s3.send(
            new UploadPartCopyCommand({ Bucket: toBucket, Key: restoredKey, UploadId: uploadId, PartNumber: r.part, CopySource: copySource, CopySourceRange: `bytes=${r.start}-${r.end}` }),
          );
          return { PartNumber: r.part, ETag: out.CopyPartResult?.ETag, ChecksumSHA256: out.CopyPartResult?.ChecksumSHA256 };
        }),
      ),
    );
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: toBucket, Key: restoredKey, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return done.ChecksumSHA256 ?? (await head(s3, toBucket, restoredKey))?.ChecksumSHA256;
  } catch (err) {
    await s3.send(new AbortMultipartUploadCommand({ Bucket: toBucket, Key: restoredKey, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------
// A whole restore or verify

export interface RestoreOptions {
  backupBucket: string;
  date: string;
  /** Only documents whose source key starts with this. */
  prefix?: string;
  /** Required unless verifyOnly. */
  toBucket?: string;
  toPrefix?: string;
  verifyOnly?: boolean;
  /** Expected SSE-KMS key of every backup object (verify). */
  kmsKeyArn?: string;
  concurrency?: number;
  /** Restore only this many documents, spread evenly over the manifest (a drill). */
  sample?: number;
  onProgress?: (progress: { completed: number; total: number; problems: number }) => void;
}

export interface IncompleteBackup {
  status: Manifest['status'];
  stoppedForTime: boolean;
  listed: number;
  failed: number;
  /** The run lists in key order; when it stopped for time, source documents after this key were never listed. */
  notListedAfter?: string;
  runError?: { code: string; message: string };
  summary: string;
}

export interface RestoreReport {
  mode: 'restore' | 'verify';
  date: string;
  backupBucket: string;
  manifestKey: string;
  runId: string;
  manifestStatus: Manifest['status'];
  /** Present when the chosen manifest is not complete: what the backup lacks. */
  incomplete?: IncompleteBackup;
  /** Other manifests of the date that were passed over, newest first. */
  otherManifests: ManifestChoice['candidates'];
  toBucket?: string;
  toPrefix?: string;
  prefix: string;
  /** Manifest entries in scope (after --prefix), and how many of them were processed (sample). */
  entries: number;
  processed: number;
  restored: number;
  verified: number;
  mismatched: number;
  missing: number;
  errors: number;
  bytes: number;
  durationMs: number;
  /** Every document that is mismatched, missing or errored, in key order. */
  problems: DocumentResult[];
  ok: boolean;
}

function describeIncomplete(m: Manifest, entries: ManifestEntry[]): IncompleteBackup {
  const failed = entries.filter((e) => e.status === 'failed').length;
  const lastKey = entries.reduce<string | undefined>((max, e) => (max === undefined || e.key > max ? e.key : max), undefined);
  const parts = [`the ${m.status} run ${m.runId} listed ${m.counts.listed} document(s)`];
  if (failed) parts.push(`${failed} of them failed to back up`);
  if (m.stoppedForTime) parts.push(`it stopped for time, so source documents after "${lastKey ?? ''}" were never listed`);
  if (m.error) parts.push(`the run failed: ${m.error.code}: ${m.error.message}`);
  return {
    status: m.status,
    stoppedForTime: m.stoppedForTime,
    listed: m.counts.listed,
    failed,
    ...(m.stoppedForTime && lastKey !== undefined ? { notListedAfter: lastKey } : {}),
    ...(m.error ? { runError: { code: m.error.code, message: m.error.message } } : {}),
    summary: parts.join('; '),
  };
}

/** Every k-th entry, so a drill touches the whole key range deterministically. */
export function sampleEntries<T>(items: T[], sample: number): T[] {
  if (sample >= items.length) return items;
  if (sample <= 0) return [];
  const step = items.length / sample;
  return Array.from({ length: sample }, (_, i) => items[Math.floor(i * step)]!);
}

export async function runRestore(s3: S3Client, options: RestoreOptions): Promise<RestoreReport> {
  const started = performance.now();
  assertRunDate(options.date);
  const verifyOnly = !!options.verifyOnly;
  const toPrefix = options.toPrefix ?? '';
  const prefix = options.prefix ?? '';
  if (!verifyOnly) {
    if (!options.toBucket) throw new RestoreInputError('--to-bucket is required (or pass --verify-only)');
    if (options.toBucket === options.backupBucket) {
      throw new RestoreInputError(`--to-bucket must not be the backup bucket "${options.backupBucket}"; restore into another bucket`);
    }
    try {
      await s3.send(new HeadBucketCommand({ Bucket: options.toBucket }));
    } catch (err) {
      if (httpStatus(err) === 404) throw new RestoreInputError(`target bucket "${options.toBucket}" does not exist; create it first`, { cause: err });
      if (httpStatus(err) === 403) throw new RestoreInputError(`no access to target bucket "${options.toBucket}" (403)`, { cause: err });
      throw err;
    }
  }

  const choice = await findManifest(s3, options.backupBucket, options.date);
  const { manifest } = choice;
  const all = await readEntries(s3, manifest);
  const inScope = all.filter((e) => e.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const selected = options.sample !== undefined ? sampleEntries(inScope.filter((e) => e.status !== 'failed'), options.sample) : inScope;

  const ctx: DocumentContext = {
    s3,
    backupBucket: options.backupBucket,
    verifyOnly,
    toPrefix,
    ...(options.toBucket ? { toBucket: options.toBucket } : {}),
    ...(options.kmsKeyArn ? { kmsKeyArn: options.kmsKeyArn } : {}),
  };
  const limit = pLimit(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
  let completed = 0;
  let problemCount = 0;
  options.onProgress?.({ completed, total: selected.length, problems: 0 });
  const results = await Promise.all(
    selected.map((entry) =>
      limit(async () => {
        const result = await processEntry(ctx, entry);
        completed++;
        if (result.outcome !== 'restored' && result.outcome !== 'verified') problemCount++;
        options.onProgress?.({ completed, total: selected.length, problems: problemCount });
        return result;
      }),
    ),
  );

  const count = (o: DocumentOutcome) => results.filter((r) => r.outcome === o).length;
  const problems = results.filter((r) => r.outcome !== 'restored' && r.outcome !== 'verified');
  const report: RestoreReport = {
    mode: verifyOnly ? 'verify' : 'restore',
    date: options.date,
    backupBucket: options.backupBucket,
    manifestKey: choice.key,
    runId: manifest.runId,
    manifestStatus: manifest.status,
    ...(manifest.status !== 'complete' ? { incomplete: describeIncomplete(manifest, all) } : {}),
    otherManifests: choice.candidates.filter((c) => c.key !== choice.key),
    ...(verifyOnly ? {} : { toBucket: options.toBucket!, toPrefix }),
    prefix,
    entries: inScope.length,
    processed: selected.length,
    restored: count('restored'),
    verified: count('verified'),
    mismatched: count('mismatched'),
    missing: count('missing'),
    errors: count('error'),
    bytes: results.filter((r) => r.outcome === 'restored' || r.outcome === 'verified').reduce((n, r) => n + r.size, 0),
    durationMs: Math.round(performance.now() - started),
    problems,
    ok: problems.length === 0 && manifest.status === 'complete',
  };
  return report;
}

/** One-paragraph human summary (the CLI prints it; the JSON report has the same facts). */
export function formatReport(report: RestoreReport, maxProblems = 20): string {
  const lines: string[] = [];
  const scope = report.prefix ? ` (prefix "${report.prefix}")` : '';
  lines.push(`${report.mode} ${report.date} from s3://${report.backupBucket}${scope}: manifest ${report.manifestKey} (${report.manifestStatus}, ${report.entries} document(s))`);
  if (report.incomplete) lines.push(`backup is incomplete: ${report.incomplete.summary}`);
  const done = report.mode === 'restore' ? `restored ${report.restored}` : `verified ${report.verified}`;
  const into = report.mode === 'restore' ? ` into s3://${report.toBucket}/${report.toPrefix ?? ''}` : '';
  lines.push(`${done}, mismatched ${report.mismatched}, missing ${report.missing}, errors ${report.errors} of ${report.processed}${into} in ${(report.durationMs / 1000).toFixed(1)}s`);
  for (const p of report.problems.slice(0, maxProblems)) lines.push(`  ${p.outcome.padEnd(10)} ${p.key}: ${p.reason ?? ''}`);
  if (report.problems.length > maxProblems) lines.push(`  ... and ${report.problems.length - maxProblems} more (--json lists all)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Restore drill (npm start ends its report with one)

export interface RestoreDrillOptions {
  backupBucket: string;
  date: string;
  sample: number;
  /** Restore into this bucket; default: a scratch bucket created for the drill and removed after it. */
  toBucket?: string;
  toPrefix?: string;
  concurrency?: number;
  keep?: boolean;
}

export interface RestoreDrillResult {
  restored: number;
  mismatched: number;
  missing: number;
  errors: number;
  sampled: number;
  entries: number;
  manifestKey: string;
  manifestStatus: Manifest['status'];
  toBucket: string;
  durationMs: number;
  ok: boolean;
  problems: DocumentResult[];
}

/** Restores an evenly spread sample of a date's backup into a scratch bucket and checks every checksum. */
export async function restoreDrill(target: AwsTarget, options: RestoreDrillOptions): Promise<RestoreDrillResult> {
  const s3 = new S3Client(clientConfig(target));
  const scratch = options.toBucket ? undefined : `restore-drill-${randomBytes(6).toString('hex')}`;
  const toBucket = options.toBucket ?? scratch!;
  try {
    if (scratch) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: scratch,
          ...(target.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: target.region as never } }),
        }),
      );
    }
    const report = await runRestore(s3, {
      backupBucket: options.backupBucket,
      date: options.date,
      toBucket,
      sample: options.sample,
      ...(options.toPrefix ? { toPrefix: options.toPrefix } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    return {
      restored: report.restored,
      mismatched: report.mismatched,
      missing: report.missing,
      errors: report.errors,
      sampled: report.processed,
      entries: report.entries,
      manifestKey: report.manifestKey,
      manifestStatus: report.manifestStatus,
      toBucket,
      durationMs: report.durationMs,
      ok: report.ok,
      problems: report.problems,
    };
  } finally {
    if (scratch && !options.keep) await emptyAndDeleteBucket(s3, scratch).catch(() => undefined);
    s3.destroy();
  }
}

async function emptyAndDeleteBucket(s3: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const objects = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (objects.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}
