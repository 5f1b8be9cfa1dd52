// The scheduled restore verification (issue #20): read the newest manifest, check every entry (or a sample)
// against the backup object S3 holds now, using the checksum S3 stored (HEAD with checksum mode, no
// download), and leave evidence and metrics. Like the backup core it takes its clients, so the specs drive
// it directly; verify-handler.ts is the thin Lambda entry.
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import type { VerifyConfig } from './config.ts';
import { utcDate, type VerifyRequest } from './events.ts';
import { describeError } from './errors.ts';
import { EntryErrorSchema, type Manifest, type ManifestEntry } from './manifest.ts';
import { ManifestReader } from './manifest-reader.ts';
import { buildVerifyMetricData, publishMetrics } from './metrics.ts';
import { mapWithConcurrency } from './concurrency.ts';
import { headIfExists, realVersion } from './s3.ts';
import { newRunId, RUN_ID_PATTERN, type BackupLogger } from './backup.ts';

export const EVIDENCE_SCHEMA_VERSION = 1;

/** Stop starting checks when the invocation has less than this left, so the evidence still gets written. */
export const VERIFY_TIME_MARGIN_MS = 30_000;

/** Where a day's evidence lives: one object per verification run. */
export const verificationPrefix = (date: string) => `verifications/${date}/`;
export const verificationKey = (date: string, runId: string) => `${verificationPrefix(date)}${runId}.json`;

export const PROBLEMS = ['missing', 'other-version', 'checksum-mismatch', 'size-mismatch', 'no-checksum', 'error'] as const;

export const VerificationFailureSchema = z.object({
  key: z.string(),
  targetKey: z.string(),
  problem: z.enum(PROBLEMS),
  message: z.string(),
  /** The backup version the manifest recorded. */
  expectedVersionId: z.string().optional(),
  /** The current version S3 holds, when it is another one. */
  actualVersionId: z.string().optional(),
  /** For other-version: whether the recorded version is still there (a point-in-time restore can still read it). */
  recordedVersion: z.enum(['retained', 'gone']).optional(),
});

export const EvidenceSchema = z.object({
  schemaVersion: z.literal(EVIDENCE_SCHEMA_VERSION),
  runId: z.string(),
  environment: z.string(),
  trigger: z.enum(['scheduled', 'manual']),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  /** passed: every checked entry matched its backup object. */
  result: z.enum(['passed', 'failed']),
  /** The manifest verified; absent when none could be read (then `error` says why). */
  manifest: z
    .object({ bucket: z.string(), key: z.string(), runId: z.string(), runDate: z.string(), status: z.enum(['complete', 'partial', 'failed']), entries: z.number() })
    .optional(),
  /** A run-level failure: no manifest, an unreadable one. */
  error: EntryErrorSchema.optional(),
  scope: z.object({
    mode: z.enum(['all', 'sample']),
    /** 0 for mode all. */
    sampleSize: z.number(),
    /** Entries that recorded a backup (copied or unchanged): what can be verified. */
    eligible: z.number(),
    checked: z.number(),
    /** Selected but not checked: the run stopped for time (a failure). */
    unchecked: z.number(),
  }),
  counts: z.object({ verified: z.number(), failed: z.number(), notBackedUp: z.number() }),
  failures: z.array(VerificationFailureSchema),
  /** Entries the backup run itself recorded as failed: nothing to verify, listed so none is skipped in silence. */
  notBackedUp: z.array(z.string()),
  /** The keys checked, when a sample was drawn (with mode all, the manifest is the list). */
  sample: z.array(z.string()).optional(),
});

export type VerificationFailure = z.infer<typeof VerificationFailureSchema>;
export type Evidence = z.infer<typeof EvidenceSchema>;

export interface VerifyDeps {
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  logger: BackupLogger;
  clock?: () => Date;
  newRunId?: (startedAt: Date) => string;
  /** Sampling's random source (tests pin it). */
  random?: () => number;
  /** Milliseconds left in the invocation (Lambda's context); absent = unbounded. */
  remainingTimeMs?: () => number;
}

export interface VerifyResult {
  runId: string;
  result: Evidence['result'];
  evidenceKey: string;
  /** False when the evidence could not be written; the run then counts as failed. */
  evidenceWritten: boolean;
  evidenceError?: string;
  manifestKey?: string;
  checked: number;
  verified: number;
  failed: number;
  notBackedUp: number;
  failures: VerificationFailure[];
  error?: Evidence['error'];
  metricsPublished: boolean;
  metricsError?: string;
}

/** Summary keys of a date that name a run (run ids start with the run's time), newest first. */
async function runKeysOf(reader: ManifestReader, date: string): Promise<string[]> {
  return (await reader.keysOf(date)).filter((k) => RUN_ID_PATTERN.test(k.slice(k.lastIndexOf('/') + 1, -'.json'.length))).reverse();
}

/**
 * The newest scheduled backup of `runDate`: its last run whose manifest says trigger scheduled (a run resumed by
 * Lambda's retry writes a newer one). Manual runs, which may cover only part of the source, never stand in.
 */
export async function scheduledManifestKey(s3: S3Client, bucket: string, runDate: string): Promise<string | undefined> {
  const reader = new ManifestReader(s3, bucket);
  for (const key of await runKeysOf(reader, runDate)) if ((await reader.read(key)).trigger === 'scheduled') return key;
  return undefined;
}

/** The newest summary manifest of the bucket: the latest date's last run (names that are not run ids are not runs). */
export async function newestManifestKey(s3: S3Client, bucket: string): Promise<string | undefined> {
  const dates: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'manifests/', Delimiter: '/', ContinuationToken: token }));
    for (const p of page.CommonPrefixes ?? []) {
      const date = /^manifests\/(\d{4}-\d{2}-\d{2})\/$/.exec(p.Prefix ?? '')?.[1];
      if (date) dates.push(date);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const reader = new ManifestReader(s3, bucket);
  for (const date of dates.sort().reverse()) {
    const [newest] = await runKeysOf(reader, date);
    if (newest) return newest;
  }
  return undefined;
}

/** Uniform random sample of `size` items in one pass (reservoir sampling), in their original order. */
export function sampleOf<T>(items: readonly T[], size: number, random: () => number): T[] {
  if (size <= 0 || size >= items.length) return [...items];
  const picked: number[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i < size) picked.push(i);
    else {
      const j = Math.floor(random() * (i + 1));
      if (j < size) picked[j] = i;
    }
  }
  return picked.sort((a, b) => a - b).map((i) => items[i]!);
}

/** One entry against the backup object S3 holds now; undefined when they match. Never rejects. */
export async function checkEntry(s3: S3Client, bucket: string, entry: ManifestEntry): Promise<VerificationFailure | undefined> {
  const base = { key: entry.key, targetKey: entry.targetKey, ...(entry.targetVersionId ? { expectedVersionId: entry.targetVersionId } : {}) };
  const fail = (problem: VerificationFailure['problem'], message: string, extra: Partial<VerificationFailure> = {}): VerificationFailure => ({ ...base, problem, message, ...extra });
  try {
    const head = await headIfExists(s3, { Bucket: bucket, Key: entry.targetKey });
    if (!head) return fail('missing', `backup object s3://${bucket}/${entry.targetKey} has no current version`);
    const current = realVersion(head.VersionId);
    if (entry.targetVersionId && current !== entry.targetVersionId) {
      // Written later by someone allowed to write: a restore of "the latest" would not return what was backed up.
      const recorded = await headIfExists(s3, { Bucket: bucket, Key: entry.targetKey, VersionId: entry.targetVersionId });
      return fail('other-version', `current version ${current ?? '(none)'} is not the recorded ${entry.targetVersionId}`, {
        ...(current ? { actualVersionId: current } : {}),
        recordedVersion: recorded ? 'retained' : 'gone',
      });
    }
    if (!entry.checksum) return fail('no-checksum', 'the manifest records no checksum, so the backup cannot be verified');
    if (head.ChecksumSHA256 !== entry.checksum.value) {
      return fail('checksum-mismatch', `S3's SHA-256 ${head.ChecksumSHA256 ?? '(none)'} is not the manifest's ${entry.checksum.value}`);
    }
    if (head.ContentLength !== entry.size) return fail('size-mismatch', `size ${head.ContentLength ?? '(unknown)'} is not the manifest's ${entry.size}`);
    return undefined;
  } catch (err) {
    const { code, message } = describeError(err);
    return fail('error', `${code}: ${message}`);
  }
}


type ManifestRead = { key?: string; manifest?: Manifest; entries?: ManifestEntry[]; error?: Evidence['error'] };

/** Reads the manifest to verify; a run-level error (none, unreadable) instead of a throw. */
async function readManifest(s3: S3Client, bucket: string, request: VerifyRequest): Promise<ManifestRead> {
  let key = request.manifestKey;
  try {
    if (!key && request.runDate) {
      key = await scheduledManifestKey(s3, bucket, request.runDate);
      if (!key) {
        const message = `no scheduled backup manifest under s3://${bucket}/manifests/${request.runDate}/: the daily backup of ${request.runDate} did not run, or has not finished`;
        return { error: { code: 'MissingDailyBackup', message } };
      }
    }
    key ??= await newestManifestKey(s3, bucket);
    if (!key) return { error: { code: 'NoManifest', message: `no manifest under s3://${bucket}/manifests/: nothing has been backed up to verify` } };
    const reader = new ManifestReader(s3, bucket);
    const { manifest, entries } = await reader.readWithEntries(key);
    return { key, manifest, entries };
  } catch (err) {
    const { code, message } = describeError(err);
    return { ...(key ? { key } : {}), error: { code: code === 'ZodError' || code === 'SyntaxError' ? 'ManifestUnreadable' : code, message: `${key ?? 'the newest manifest'}: ${message}` } };
  }
}

/**
 * What makes a readable manifest unverifiable as a whole, in the order it is reported: entries missing from it,
 * nothing backed up, a run that did not complete, checks left for time.
 */
function manifestProblem(read: ManifestRead, manifest: Manifest | undefined, unchecked: number): Evidence['error'] {
  if (!manifest || !read.entries) return undefined;
  const where = read.key ?? 'the manifest';
  const expected = manifest.entriesObject?.count ?? manifest.counts.listed;
  if (read.entries.length !== expected || read.entries.length !== manifest.counts.listed) {
    return { code: 'ManifestIncomplete', message: `${where} holds ${read.entries.length} entries but counts ${manifest.counts.listed} listed documents` };
  }
  if (!read.entries.some((e) => e.status !== 'failed')) return { code: 'NothingToVerify', message: `${where} records no backed-up document` };
  if (manifest.status !== 'complete') {
    return { code: 'ManifestNotComplete', message: `${where} is ${manifest.status}: not every document of ${manifest.runDate} was backed up, so its restore cannot be complete` };
  }
  if (unchecked > 0) return { code: 'StoppedForTime', message: `${unchecked} selected entries left unchecked when the invocation ran out of time; set a VERIFY_SAMPLE_SIZE` };
  return undefined;
}

/**
 * One verification run. Never throws for what it finds: the evidence says it, the metrics count it, and the
 * handler turns a failed result into a function error. Any doubt is a failure: no manifest, an unreadable one,
 * an entry without a checksum, a request that errs, evidence that cannot be written.
 */
export async function runVerification(deps: VerifyDeps, config: VerifyConfig, request: VerifyRequest): Promise<VerifyResult> {
  const clock = deps.clock ?? (() => new Date());
  const started = clock();
  const runId = (deps.newRunId ?? newRunId)(started);
  const bucket = config.backupBucket;
  const sampleSize = request.sample ?? config.sampleSize;

  const read = await readManifest(deps.s3, bucket, request);
  let manifest: Manifest | undefined;
  let eligible: ManifestEntry[] = [];
  let notBackedUp: string[] = [];
  let failures: VerificationFailure[] = [];
  let selected: ManifestEntry[] = [];
  let checked = 0;
  if (read.manifest && read.entries) {
    manifest = read.manifest;
    eligible = read.entries.filter((e) => e.status !== 'failed');
    notBackedUp = read.entries.filter((e) => e.status === 'failed').map((e) => e.key);
    selected = sampleOf(eligible, sampleSize, deps.random ?? Math.random);
    deps.logger.info('verifying', { manifestKey: read.key, entries: read.entries.length, checking: selected.length });
    const outcomes = await mapWithConcurrency(selected, config.concurrency, async (entry) => {
      // Out of time: the rest stays unchecked (and says so), so the evidence is still written before the timeout.
      if (deps.remainingTimeMs && deps.remainingTimeMs() < VERIFY_TIME_MARGIN_MS) return 'unchecked' as const;
      checked++;
      return checkEntry(deps.s3, bucket, entry);
    });
    failures = outcomes.filter((f): f is VerificationFailure => typeof f === 'object');
  }
  const unchecked = selected.length - checked;
  const runError = read.error ?? manifestProblem(read, manifest, unchecked);
  const finished = clock();
  const evidence: Evidence = {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    runId,
    environment: config.environment,
    trigger: request.trigger,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    result: failures.length === 0 && !runError ? 'passed' : 'failed',
    ...(manifest && read.key
      ? { manifest: { bucket, key: read.key, runId: manifest.runId, runDate: manifest.runDate, status: manifest.status, entries: eligible.length + notBackedUp.length } }
      : {}),
    ...(runError ? { error: runError } : {}),
    scope: { mode: sampleSize > 0 && sampleSize < eligible.length ? 'sample' : 'all', sampleSize, eligible: eligible.length, checked, unchecked },
    counts: { verified: checked - failures.length, failed: failures.length, notBackedUp: notBackedUp.length },
    failures,
    notBackedUp,
    ...(sampleSize > 0 && sampleSize < eligible.length ? { sample: selected.map((e) => e.key) } : {}),
  };

  const evidenceKey = verificationKey(utcDate(started), runId);
  let evidenceError: string | undefined;
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: evidenceKey,
        Body: JSON.stringify(evidence, null, 2),
        ContentType: 'application/json',
        // A run id is unique per run: an object already there was written by something else; keep it.
        IfNoneMatch: '*',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: config.kmsKeyArn,
        BucketKeyEnabled: true,
      }),
    );
  } catch (err) {
    const { code, message } = describeError(err);
    evidenceError = `writing evidence s3://${bucket}/${evidenceKey} failed: ${code}: ${message}`;
  }
  // Unwritten evidence proves nothing: the run fails, and counts as one failure more.
  const passed = evidence.result === 'passed' && !evidenceError;
  const failureCount = failures.length + (runError ? 1 : 0) + (evidenceError ? 1 : 0);
  const metrics = await publishMetrics(deps.cloudwatch, config.metricsNamespace, buildVerifyMetricData({ verified: passed, failures: failureCount, matched: evidence.counts.verified }, config.environment, finished));
  return {
    runId,
    result: passed ? 'passed' : 'failed',
    evidenceKey,
    evidenceWritten: !evidenceError,
    ...(evidenceError ? { evidenceError } : {}),
    ...(read.key ? { manifestKey: read.key } : {}),
    checked,
    verified: evidence.counts.verified,
    failed: failures.length,
    notBackedUp: notBackedUp.length,
    failures,
    ...(runError ? { error: runError } : {}),
    ...metrics,
  };
}

/** One line for the invocation error: what failed and where the evidence is. */
export function verificationMessage(result: VerifyResult): string {
  const parts: string[] = [];
  if (result.error) parts.push(`${result.error.code}: ${result.error.message}`);
  if (result.failed > 0) {
    const byProblem = new Map<string, number>();
    for (const f of result.failures) byProblem.set(f.problem, (byProblem.get(f.problem) ?? 0) + 1);
    parts.push(`${result.failed} of ${result.checked} backups failed verification (${[...byProblem].map(([p, n]) => `${n} ${p}`).join(', ')})`);
  }
  if (result.evidenceError) parts.push(result.evidenceError);
  else parts.push(`evidence ${result.evidenceKey}`);
  return parts.join('; ');
}
