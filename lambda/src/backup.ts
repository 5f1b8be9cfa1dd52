import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { BackupConfig } from './config.ts';
import type { BackupRequest } from './events.ts';
import { describeError } from './errors.ts';
import { listObjects, prefixIsEmpty } from './listing.ts';
import { ManifestWriter, type ManifestSummary, type RunCounts } from './manifest.ts';
import { buildMetricData, publishMetrics } from './metrics.ts';
import { processDocument, targetPrefix, type Outcome, type RunContext } from './document.ts';

// The core's parts: listing.ts reads the source, document.ts backs up one document (over the S3 primitives
// in s3.ts), manifest.ts writes the manifest; this module runs them as one windowed run.
export { BACKUP_TAGS, targetPrefix } from './document.ts';

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

/** What newRunId makes: the run's UTC time to the second, then 8 random hex digits. */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

export function newRunId(startedAt: Date): string {
  // Not the Lambda request id: async retries reuse it, and each attempt must write its own manifest.
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
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
  const ctx: RunContext = {
    s3: deps.s3,
    logger: deps.logger,
    config,
    runDate: request.runDate,
    dryRun: request.dryRun,
    runId,
    targetPrefixWasEmpty: await targetCheck,
  };
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
