// One measured backup: invoke the deployed function through the Lambda API while watching the handler's
// memory, read its platform report, and verify every document. The figures come from summarizeInvocation
// and verifyDocuments (pure); this module only gathers their inputs.
import { ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { ManifestReader } from '../../../lambda/src/manifest-reader.ts';
import { targetPrefix } from '../../../lambda/src/backup.ts';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { invokeBackup } from '../invoke.ts';
import { watchHandlerMemory, type MemoryResult } from '../bench/memory.ts';
import { readPlatformReport } from './platform-report.ts';
import { throughputSeries, verifyDocuments, type ListedBackup, type Verification } from './verify.ts';
import type { ExpectedDocument } from './documents.ts';
import type { LoadStack } from './stack.ts';

const MiB = 1024 * 1024;

export interface BackupRun {
  runDate: string;
  prefix: string;
  /** The window used: the manual event's override, or the template's COPY_CONCURRENCY. */
  concurrency: number;
  concurrencySource: 'event override' | 'template';
  status?: string;
  counts?: { listed: number; copied: number; unchanged: number; failed: number };
  bytesCopied: number;
  /** The core's own run time (listing to metrics), from the invocation result. */
  lambdaDurationMs?: number;
  /** Invoke round trip seen by the caller (includes a cold start, if any). */
  invokeMs: number;
  documentsPerSecond: number;
  mibPerSecond: number;
  memory: MemoryResult & { reportMaxMemoryUsedMB?: number; reportDurationMs?: number };
  functionError?: string;
  errorMessage?: string;
  verification?: Verification;
  series: { second: number; documents: number; mib: number }[];
  manifestKey?: string;
}

/**
 * The invocation's payload: the run result, or for a function error (an incomplete run) { errorType,
 * errorMessage }, whose message names the manifest (see incompleteMessage in lambda/src/adapter.ts).
 */
export interface InvocationPayload {
  status?: string;
  durationMs?: number;
  bytesCopied?: number;
  manifestKey?: string;
  startedAt?: string;
  counts?: BackupRun['counts'];
  errorMessage?: string;
}

/** Pure: the run's figures from one invocation (rates over the core's own run time, else the round trip). */
export function summarizeInvocation(input: {
  runDate: string;
  prefix: string;
  /** The manual event's override, if one was sent. */
  concurrency?: number;
  templateConcurrency: number;
  payload: InvocationPayload;
  rawPayload?: unknown;
  elapsedMs: number;
  functionError?: string;
  memory: BackupRun['memory'];
}): BackupRun {
  const p = input.payload;
  const durationMs = p.durationMs ?? input.elapsedMs;
  const done = (p.counts?.copied ?? 0) + (p.counts?.unchanged ?? 0);
  const run: BackupRun = {
    runDate: input.runDate,
    prefix: input.prefix,
    concurrency: input.concurrency ?? input.templateConcurrency,
    concurrencySource: input.concurrency !== undefined ? 'event override' : 'template',
    bytesCopied: p.bytesCopied ?? 0,
    invokeMs: Math.round(input.elapsedMs),
    documentsPerSecond: +(done / (durationMs / 1000)).toFixed(1),
    mibPerSecond: +((p.bytesCopied ?? 0) / MiB / (durationMs / 1000)).toFixed(3),
    memory: input.memory,
    series: [],
    ...(p.status ? { status: p.status } : {}),
    ...(p.counts ? { counts: p.counts } : {}),
    ...(p.durationMs !== undefined ? { lambdaDurationMs: p.durationMs } : {}),
    ...(p.manifestKey ? { manifestKey: p.manifestKey } : {}),
    ...(input.functionError ? { functionError: input.functionError, errorMessage: String(p.errorMessage ?? JSON.stringify(input.rawPayload ?? p)).slice(0, 500) } : {}),
  };
  const manifestKey = manifestKeyOf(p);
  if (manifestKey && !run.manifestKey) run.manifestKey = manifestKey;
  return run;
}

/** Pure: the manifest a run wrote, from its result or from the message of an incomplete run's function error. */
export const manifestKeyOf = (p: InvocationPayload): string | undefined => p.manifestKey ?? /manifest s3:\/\/[^/]+\/(\S+\.json)/.exec(String(p.errorMessage ?? ''))?.[1];

export async function measureBackup(
  stack: LoadStack,
  opts: { runDate: string; prefix: string; concurrency?: number; expected?: Map<string, ExpectedDocument>; verify?: boolean },
): Promise<BackupRun> {
  const event: Record<string, unknown> = { date: opts.runDate, prefix: opts.prefix };
  if (opts.concurrency !== undefined) event.concurrency = opts.concurrency;
  const watch = watchHandlerMemory(stack.functionName);
  const since = Date.now();
  const outcome = await invokeBackup(stack.target, stack.functionName, event);
  const memory: BackupRun['memory'] = watch.stop();
  const report = outcome.requestId ? await readPlatformReport(stack.target, stack.logGroupName, outcome.requestId, since, 2000) : undefined;
  if (report?.maxMemoryUsedMB !== undefined) memory.reportMaxMemoryUsedMB = report.maxMemoryUsedMB;
  if (report?.durationMs !== undefined) memory.reportDurationMs = report.durationMs;

  const payload = outcome.payload as InvocationPayload;
  const run = summarizeInvocation({
    runDate: opts.runDate,
    prefix: opts.prefix,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    templateConcurrency: stack.copyConcurrency,
    payload,
    rawPayload: outcome.payload,
    elapsedMs: outcome.elapsedMs,
    ...(outcome.functionError ? { functionError: outcome.functionError } : {}),
    memory,
  });
  if (opts.verify !== false && opts.expected && run.manifestKey) {
    const { verification, backups } = await verifyRun(stack.target, stack.backupBucket, run.manifestKey, opts.runDate, opts.expected);
    run.verification = verification;
    run.series = throughputSeries(backups, payload.startedAt ? Date.parse(payload.startedAt) : since);
  }
  return run;
}

async function* listAll(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<_Object> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    yield* page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Reads the run's manifest (inline or JSON Lines) and the backups of the date, and checks every expected document against both. */
export async function verifyRun(
  target: AwsTarget,
  backupBucket: string,
  manifestKey: string,
  runDate: string,
  expected: Map<string, ExpectedDocument>,
): Promise<{ verification: Verification; backups: ListedBackup[] }> {
  const s3 = new S3Client(clientConfig(target));
  try {
    const { entries } = await new ManifestReader(s3, backupBucket).readWithEntries(manifestKey);
    const backups: ListedBackup[] = [];
    const inBucket = new Map<string, number>();
    for await (const o of listAll(s3, backupBucket, targetPrefix(runDate))) {
      inBucket.set(o.Key!, o.Size ?? 0);
      backups.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    return { verification: verifyDocuments({ runDate, expected, entries, inBucket }), backups };
  } finally {
    s3.destroy();
  }
}
