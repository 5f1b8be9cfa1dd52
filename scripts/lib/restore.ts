// Restore and verify: read a date's manifest, copy every document back (server side, the exact backup
// version the manifest recorded), and check each against the manifest's checksum. Collaborators (S3 and
// CloudFormation clients) come in as parameters so the specs drive this directly; scripts/restore.ts is
// only argument parsing and printing. The parts: restore/location.ts finds the backup, restore/document.ts
// restores or verifies one document over the S3 primitives in lambda/src/s3.ts, and manifests are read
// with the backup's own ManifestReader.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { manifestPrefix, type Manifest, type ManifestEntry } from '../../lambda/src/manifest.ts';
import { ManifestReader } from '../../lambda/src/manifest-reader.ts';
import { mapWithConcurrency } from '../../lambda/src/concurrency.ts';
import { httpStatusOf } from '../../lambda/src/s3.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';
import { NoManifestError, RestoreInputError, assertRunDate, errorName } from './restore/errors.ts';
import { processEntry, type DocumentContext, type DocumentOutcome, type DocumentResult } from './restore/document.ts';

export { NoManifestError, RestoreInputError, assertRunDate } from './restore/errors.ts';
export { locateFromBucket, locateFromStack, type BackupLocation } from './restore/location.ts';
export type { DocumentOutcome, DocumentResult } from './restore/document.ts';

export const DEFAULT_CONCURRENCY = 16;

// ---------------------------------------------------------------------------------------------------
// Manifests

export interface ManifestChoice {
  key: string;
  manifest: Manifest;
  /** Every manifest of the date, newest first, with its status (what was passed over and why). */
  candidates: { key: string; status: Manifest['status'] | 'unreadable'; finishedAt?: string }[];
}

/** The date's latest complete manifest; when the date has only partial or failed runs, the latest of those. */
export async function findManifest(s3: S3Client, backupBucket: string, date: string): Promise<ManifestChoice> {
  assertRunDate(date);
  const prefix = manifestPrefix(date);
  const reader = new ManifestReader(s3, backupBucket);
  let keys: string[];
  try {
    keys = await reader.keysOf(date);
  } catch (err) {
    if (errorName(err) === 'NoSuchBucket') throw new RestoreInputError(`backup bucket "${backupBucket}" does not exist`, { cause: err });
    throw err;
  }
  if (keys.length === 0) {
    throw new NoManifestError(`no backup manifest for ${date} in s3://${backupBucket}/${prefix}; pick a date that has a backup run`);
  }
  const read: { key: string; manifest?: Manifest }[] = await Promise.all(
    keys.map(async (key) => {
      try {
        return { key, manifest: await reader.read(key) };
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
      if (httpStatusOf(err) === 404) throw new RestoreInputError(`target bucket "${options.toBucket}" does not exist; create it first`, { cause: err });
      if (httpStatusOf(err) === 403) throw new RestoreInputError(`no access to target bucket "${options.toBucket}" (403)`, { cause: err });
      throw err;
    }
  }

  const choice = await findManifest(s3, options.backupBucket, options.date);
  const { manifest } = choice;
  const all = await new ManifestReader(s3, options.backupBucket).readEntries(manifest);
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
  let completed = 0;
  let problemCount = 0;
  options.onProgress?.({ completed, total: selected.length, problems: 0 });
  const results = await mapWithConcurrency(selected, Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY), async (entry) => {
    const result = await processEntry(ctx, entry);
    completed++;
    if (result.outcome !== 'restored' && result.outcome !== 'verified') problemCount++;
    options.onProgress?.({ completed, total: selected.length, problems: problemCount });
    return result;
  });

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
