// Load runs (`npm run load`) and the pieces the benchmark (`npm run bench`) shares with them: deploy the
// stack, seed deterministic documents, invoke the backup through the Lambda Invoke API, verify every
// document against the manifest (key, size, SHA-256), and measure throughput, duration and the handler's
// peak memory.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client, type _Object } from '@aws-sdk/client-s3';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { invokeBackup } from './invoke.ts';
import { clientConfig, type AwsTarget } from './aws/clients.ts';
import { createBucket, uniqueName } from './aws/resources.ts';
import { generateDocuments, seedDocuments, type GeneratedDocument } from '../../fixtures/documents/generate.ts';
import { ManifestEntrySchema, ManifestSchema, type ManifestEntry } from '../../lambda/src/manifest.ts';
import { deployStack, requireOutput, ROOT, type EnvironmentName, type DeployOptions } from './deploy.ts';
import { watchHandlerMemory, type MemoryResult } from './bench/memory.ts';
import { renderReport } from './bench/html.ts';

export const REPORTS_DIR = join(ROOT, 'reports');
const MiB = 1024 * 1024;

// ---------------------------------------------------------------- stack

export interface LoadStack {
  target: AwsTarget;
  environment: EnvironmentName;
  stackName: string;
  functionName: string;
  logGroupName: string;
  sourceBucket: string;
  backupBucket: string;
  kmsKeyArn: string;
  /** What the template configured for this environment (read back from the function, never changed). */
  copyConcurrency: number;
  timeoutSeconds: number;
  memorySizeMB: number;
  /** NODE_OPTIONS the template gives the function (its V8 heap limits), read back from the deployed function. */
  nodeOptions?: string;
  deployMs: number;
}

export async function deployLoadStack(
  target: AwsTarget,
  opts: { environment: EnvironmentName; sourceBucket?: string; stackName?: string; onProgress?: DeployOptions['onProgress'] },
): Promise<LoadStack> {
  const started = performance.now();
  const sourceBucket = opts.sourceBucket ?? uniqueName('load-source');
  if (!opts.sourceBucket) await createBucket(target, sourceBucket);
  const backupBucket = uniqueName('load-backup');
  const deployed = await deployStack({
    target,
    environment: opts.environment,
    bucketName: backupBucket,
    sourceBucket,
    stackName: opts.stackName ?? uniqueName(`load-${opts.environment}`),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  const functionName = requireOutput(deployed, 'BackupLambdaName');
  const lambda = new LambdaClient(clientConfig(target));
  try {
    // Read-only: what CloudFormation configured; the load run never changes the function behind its back.
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    return {
      target,
      environment: opts.environment,
      stackName: deployed.stackName,
      functionName,
      logGroupName: requireOutput(deployed, 'BackupLogGroupName'),
      sourceBucket,
      backupBucket: deployed.outputs['BackupBucketName'] ?? backupBucket,
      kmsKeyArn: requireOutput(deployed, 'KMSKeyArn'),
      copyConcurrency: Number(fn.Environment?.Variables?.['COPY_CONCURRENCY'] ?? 16),
      timeoutSeconds: fn.Timeout ?? 0,
      memorySizeMB: fn.MemorySize ?? 0,
      ...(fn.Environment?.Variables?.['NODE_OPTIONS'] !== undefined ? { nodeOptions: fn.Environment.Variables['NODE_OPTIONS'] } : {}),
      deployMs: performance.now() - started,
    };
  } finally {
    lambda.destroy();
  }
}

// ---------------------------------------------------------------- documents

export interface DocumentSetSpec {
  count: number;
  seed: number;
  minSize: number;
  maxSize: number;
  /** Key prefix, e.g. "load/"; the generator nests folders below it. */
  prefix: string;
}

export interface ExpectedDocument {
  size: number;
  sha256: string;
}

export interface SeededSet {
  spec: DocumentSetSpec;
  /** Source key -> size and base64 SHA-256, regenerated from the seed (never read back from S3). */
  expected: Map<string, ExpectedDocument>;
  bytes: number;
  seedMs: number;
}

/** Seeds the documents (PutObject with a SHA-256 checksum each) and remembers what each must be. */
export async function seedDocumentSet(
  target: AwsTarget,
  bucket: string,
  spec: DocumentSetSpec,
  onProgress?: (done: number, total: number) => void,
): Promise<SeededSet> {
  const expected = new Map<string, ExpectedDocument>();
  function* recorded(): Generator<GeneratedDocument> {
    for (const doc of generateDocuments(spec)) {
      expected.set(doc.key, { size: doc.body.length, sha256: doc.sha256 });
      yield doc;
    }
  }
  const s3 = new S3Client({ ...clientConfig(target), requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: 64, keepAlive: true } }) });
  const started = performance.now();
  try {
    const seeded = await seedDocuments(s3, bucket, recorded(), {
      concurrency: 32,
      onProgress: (done) => onProgress?.(done, spec.count),
    });
    return { spec, expected, bytes: seeded.bytes, seedMs: performance.now() - started };
  } finally {
    s3.destroy();
  }
}

// ---------------------------------------------------------------- invoke

export interface PlatformReport {
  durationMs?: number;
  maxMemoryUsedMB?: number;
}

/**
 * The invocation's platform report from the function's log group: a text `REPORT RequestId: ...` line or,
 * with LogFormat JSON, a `platform.report` record. The template sets SystemLogLevel WARN, under which
 * (as in AWS) a successful invocation writes no report at all: then this returns undefined.
 */
export async function readPlatformReport(target: AwsTarget, logGroupName: string, requestId: string, since: number, waitMs = 4000): Promise<PlatformReport | undefined> {
  const logs = new CloudWatchLogsClient(clientConfig(target));
  const deadline = Date.now() + waitMs;
  try {
    do {
      let token: string | undefined;
      do {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName, startTime: since - 5000, nextToken: token }));
        for (const e of page.events ?? []) {
          const m = e.message ?? '';
          if (!m.includes(requestId)) continue;
          const text = /REPORT RequestId: \S+\s+Duration: ([\d.]+) ms.*?Max Memory Used: (\d+) MB/s.exec(m);
          if (text) return { durationMs: Number(text[1]), maxMemoryUsedMB: Number(text[2]) };
          if (m.includes('platform.report')) {
            try {
              const rec = JSON.parse(m) as { record?: { metrics?: { durationMs?: number; maxMemoryUsedMB?: number } } };
              const metrics = rec.record?.metrics;
              if (metrics) return { ...(metrics.durationMs !== undefined ? { durationMs: metrics.durationMs } : {}), ...(metrics.maxMemoryUsedMB !== undefined ? { maxMemoryUsedMB: metrics.maxMemoryUsedMB } : {}) };
            } catch {
              // not JSON after all
            }
          }
        }
        token = page.nextToken;
      } while (token);
      await new Promise((r) => setTimeout(r, 500));
    } while (Date.now() < deadline);
  } catch {
    return undefined;
  } finally {
    logs.destroy();
  }
  return undefined;
}

// ---------------------------------------------------------------- verify

export interface Verification {
  expected: number;
  verified: number;
  /** Entries whose key, size or checksum disagree with the generated document, or that are missing. */
  mismatched: number;
  missingFromManifest: number;
  missingFromBucket: number;
  unexpectedInManifest: number;
  problems: string[];
}

async function* listAll(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<_Object> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    yield* page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

export interface ListedBackup {
  key: string;
  size: number;
  lastModified: number;
}

/** Reads the run's manifest (inline or JSON Lines) and checks every expected document against it and the bucket. */
export async function verifyRun(
  target: AwsTarget,
  backupBucket: string,
  manifestKey: string,
  runDate: string,
  expected: Map<string, ExpectedDocument>,
): Promise<{ verification: Verification; backups: ListedBackup[] }> {
  const s3 = new S3Client(clientConfig(target));
  const problems: string[] = [];
  const note = (p: string) => {
    if (problems.length < 20) problems.push(p);
  };
  try {
    const text = await (await s3.send(new GetObjectCommand({ Bucket: backupBucket, Key: manifestKey }))).Body!.transformToString();
    const manifest = ManifestSchema.parse(JSON.parse(text));
    let entries: ManifestEntry[] = manifest.entries ?? [];
    if (manifest.entriesObject) {
      const jsonl = await (await s3.send(new GetObjectCommand({ Bucket: manifest.entriesObject.bucket, Key: manifest.entriesObject.key }))).Body!.transformToString();
      entries = jsonl.split('\n').filter(Boolean).map((l) => ManifestEntrySchema.parse(JSON.parse(l)));
    }
    const prefix = `backups/${runDate}/`;
    const backups: ListedBackup[] = [];
    const inBucket = new Map<string, number>();
    for await (const o of listAll(s3, backupBucket, prefix)) {
      inBucket.set(o.Key!, o.Size ?? 0);
      backups.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified?.getTime() ?? 0 });
    }
    const byKey = new Map(entries.map((e) => [e.key, e]));
    let verified = 0;
    let mismatched = 0;
    let missingFromManifest = 0;
    let missingFromBucket = 0;
    for (const [key, doc] of expected) {
      const entry = byKey.get(key);
      if (!entry) {
        missingFromManifest++;
        note(`${key}: not in the manifest`);
        continue;
      }
      const targetKey = prefix + key;
      const ok =
        (entry.status === 'copied' || entry.status === 'unchanged') &&
        entry.targetKey === targetKey &&
        entry.size === doc.size &&
        entry.checksum?.type === 'FULL_OBJECT' &&
        entry.checksum.value === doc.sha256;
      if (!ok) {
        mismatched++;
        note(`${key}: manifest says ${JSON.stringify({ status: entry.status, size: entry.size, checksum: entry.checksum?.value, error: entry.error })}, expected size ${doc.size} sha256 ${doc.sha256}`);
        continue;
      }
      if (inBucket.get(targetKey) !== doc.size) {
        missingFromBucket++;
        note(`${targetKey}: ${inBucket.has(targetKey) ? `size ${inBucket.get(targetKey)} in the bucket` : 'not in the backup bucket'}`);
        continue;
      }
      verified++;
    }
    const unexpectedInManifest = entries.filter((e) => !expected.has(e.key)).length;
    if (unexpectedInManifest) note(`${unexpectedInManifest} manifest entries are not generated documents`);
    return {
      verification: { expected: expected.size, verified, mismatched, missingFromManifest, missingFromBucket, unexpectedInManifest, problems },
      backups,
    };
  } finally {
    s3.destroy();
  }
}

/** Documents and bytes that landed in each second of the run, from the backups' LastModified. */
export function throughputSeries(backups: ListedBackup[], startedAtMs: number): { second: number; documents: number; mib: number }[] {
  const bins = new Map<number, { documents: number; bytes: number }>();
  for (const b of backups) {
    const s = Math.max(0, Math.floor((b.lastModified - startedAtMs) / 1000));
    const bin = bins.get(s) ?? { documents: 0, bytes: 0 };
    bin.documents++;
    bin.bytes += b.size;
    bins.set(s, bin);
  }
  const last = Math.max(-1, ...bins.keys());
  return Array.from({ length: last + 1 }, (_, s) => ({ second: s, documents: bins.get(s)?.documents ?? 0, mib: +((bins.get(s)?.bytes ?? 0) / MiB).toFixed(3) }));
}

// ---------------------------------------------------------------- one measured backup

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

  // A function error (an incomplete run) has the payload { errorType, errorMessage }; the message names the
  // manifest (see incompleteMessage in lambda/src/adapter.ts), so the documents can still be verified.
  const p = outcome.payload as {
    status?: string; durationMs?: number; bytesCopied?: number; manifestKey?: string; startedAt?: string;
    counts?: BackupRun['counts']; errorMessage?: string;
  };
  const durationMs = p.durationMs ?? outcome.elapsedMs;
  const done = (p.counts?.copied ?? 0) + (p.counts?.unchanged ?? 0);
  const run: BackupRun = {
    runDate: opts.runDate,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? stack.copyConcurrency,
    concurrencySource: opts.concurrency !== undefined ? 'event override' : 'template',
    bytesCopied: p.bytesCopied ?? 0,
    invokeMs: Math.round(outcome.elapsedMs),
    documentsPerSecond: +(done / (durationMs / 1000)).toFixed(1),
    mibPerSecond: +((p.bytesCopied ?? 0) / MiB / (durationMs / 1000)).toFixed(3),
    memory,
    series: [],
    ...(p.status ? { status: p.status } : {}),
    ...(p.counts ? { counts: p.counts } : {}),
    ...(p.durationMs !== undefined ? { lambdaDurationMs: p.durationMs } : {}),
    ...(p.manifestKey ? { manifestKey: p.manifestKey } : {}),
    ...(outcome.functionError ? { functionError: outcome.functionError, errorMessage: String(p.errorMessage ?? JSON.stringify(outcome.payload)).slice(0, 500) } : {}),
  };
  const manifestKey = p.manifestKey ?? /manifest s3:\/\/[^/]+\/(\S+\.json)/.exec(String(p.errorMessage ?? ''))?.[1];
  if (manifestKey && !run.manifestKey) run.manifestKey = manifestKey;
  if (opts.verify !== false && opts.expected && manifestKey) {
    const { verification, backups } = await verifyRun(stack.target, stack.backupBucket, manifestKey, opts.runDate, opts.expected);
    run.verification = verification;
    run.series = throughputSeries(backups, p.startedAt ? Date.parse(p.startedAt) : since);
  }
  return run;
}

// ---------------------------------------------------------------- report

export interface LoadReport {
  kind: 'load';
  generatedAt: string;
  machine: MachineInfo;
  localstack: { endpoint: string; mode: string };
  stack: Omit<LoadStack, 'target'>;
  documents: DocumentSetSpec & { bytes: number; seedMs: number; seedDocumentsPerSecond: number };
  run: BackupRun;
  errors: number;
  ok: boolean;
}

export interface MachineInfo {
  cpus: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  node: string;
}

export function machineInfo(): MachineInfo {
  return { cpus: os.cpus().length, loadAverageAtStart: loadAverage(), node: process.version };
}

export function loadAverage(): number[] {
  return os.loadavg().map((n) => +n.toFixed(2));
}

/** Errors a load run counts: failed documents, a function error, and anything verification did not confirm. */
export function countErrors(run: BackupRun): number {
  const v = run.verification;
  const unverified = v ? v.expected - v.verified : (run.counts?.listed ?? 0);
  return Math.max(run.counts?.failed ?? 0, unverified) + (run.functionError ? 1 : 0);
}

export function writeLoadReport(report: LoadReport, name = `load-${report.generatedAt.replace(/[:.]/g, '-')}`): { json: string; html: string } {
  mkdirSync(REPORTS_DIR, { recursive: true });
  const json = join(REPORTS_DIR, `${name}.json`);
  const html = join(REPORTS_DIR, `${name}.html`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const r = report.run;
  const summary: [string, string][] = [
    ['documents', `${report.documents.count} (seed ${report.documents.seed}, ${report.documents.minSize}..${report.documents.maxSize} bytes, ${(report.documents.bytes / MiB).toFixed(1)} MiB)`],
    ['stack', `${report.stack.stackName} (${report.stack.environment}), LocalStack ${report.localstack.mode} ${report.localstack.endpoint}`],
    ['concurrency', `${r.concurrency} (${r.concurrencySource}; template COPY_CONCURRENCY ${report.stack.copyConcurrency})`],
    ['status', `${r.status ?? r.functionError ?? '?'}; copied ${r.counts?.copied ?? '?'}, unchanged ${r.counts?.unchanged ?? '?'}, failed ${r.counts?.failed ?? '?'}`],
    ['verified', r.verification ? `${r.verification.verified} of ${r.verification.expected} (key, size, SHA-256)` : 'not verified'],
    ['throughput', `${r.documentsPerSecond} documents/s, ${r.mibPerSecond} MiB/s`],
    ['Lambda duration', `${((r.lambdaDurationMs ?? 0) / 1000).toFixed(2)} s (invoke round trip ${(r.invokeMs / 1000).toFixed(2)} s)`],
    ['handler peak memory', memoryLine(r.memory, report.stack.nodeOptions)],
    ['errors', String(report.errors)],
    ['machine', `${report.machine.cpus} CPUs, load average ${report.machine.loadAverageAtStart.join(' ')} at start, ${report.machine.loadAverageAtEnd?.join(' ') ?? '?'} at end`],
  ];
  const secs = r.series.map((s) => s.second);
  writeFileSync(
    html,
    renderReport({
      title: `Backup load run: ${report.documents.count} documents`,
      summary,
      charts: [
        {
          title: 'Throughput over the run (backups landed per second, from their LastModified)',
          config: {
            type: 'line',
            data: {
              labels: secs,
              datasets: [
                { label: 'documents/s', data: r.series.map((s) => s.documents), yAxisID: 'docs', borderColor: '#2563eb', tension: 0.2 },
                { label: 'MiB/s', data: r.series.map((s) => s.mib), yAxisID: 'mib', borderColor: '#16a34a', tension: 0.2 },
              ],
            },
            options: {
              maintainAspectRatio: false,
              scales: {
                x: { title: { display: true, text: 'second of the run' } },
                docs: { type: 'linear', position: 'left', title: { display: true, text: 'documents/s' } },
                mib: { type: 'linear', position: 'right', title: { display: true, text: 'MiB/s' }, grid: { drawOnChartArea: false } },
              },
            },
          },
        },
        ...(r.memory.samples.length
          ? [
              {
                title: 'Handler process resident memory (sampled from /proc)',
                config: {
                  type: 'line',
                  data: { labels: r.memory.samples.map((s) => Math.round(s.t / 1000)), datasets: [{ label: 'RSS MiB', data: r.memory.samples.map((s) => s.rssMB), borderColor: '#dc2626' }] },
                  options: { maintainAspectRatio: false, scales: { x: { title: { display: true, text: 's' } }, y: { beginAtZero: true } } },
                },
              },
            ]
          : []),
      ],
      raw: report,
    }),
  );
  return { json, html };
}

const HEAP_FLAG = /^--(max-old-space-size|max-semi-space-size|max-young-generation-size|max-heap-size)(=|$)/;

/** The V8 heap flags in a NODE_OPTIONS value (`--flag=N` or `--flag N`), as written. */
export function heapFlagsOf(nodeOptions: string | undefined): string[] {
  const words = (nodeOptions ?? '').split(/\s+/).filter(Boolean);
  const flags: string[] = [];
  words.forEach((word, i) => {
    const m = HEAP_FLAG.exec(word);
    if (!m) return;
    flags.push(m[2] === '=' ? word : `${word}=${words[i + 1] ?? ''}`);
  });
  return flags;
}

/**
 * The heap limits the handler process really runs with: the flags on its command line (what the runtime's
 * bootstrap derives from MemorySize) and those in the function's NODE_OPTIONS (set by the template; when they set
 * a limit the bootstrap passes none, so the command line alone would read "no heap flags").
 */
export function heapLabel(nodeFlags: string[] | undefined, nodeOptions: string | undefined): string | undefined {
  const fromEnvironment = heapFlagsOf(nodeOptions);
  if (nodeFlags === undefined && fromEnvironment.length === 0) return undefined;
  const parts = [...(nodeFlags ?? [])];
  if (fromEnvironment.length) parts.push(`${fromEnvironment.join(' ')} (NODE_OPTIONS)`);
  return `node ${parts.length ? parts.join(' ') : '(no heap flags)'}`;
}

export function memoryLine(m: BackupRun['memory'], nodeOptions?: string): string {
  const parts = [];
  if (m.peakRssMB !== undefined) parts.push(`${m.peakRssMB} MiB peak RSS sampled during the invocation (VmHWM ${m.hwmMB ?? '?'} MiB)`);
  else parts.push('handler process not visible from here (not host mode?)');
  const heap = heapLabel(m.nodeFlags, nodeOptions);
  if (heap) parts.push(heap);
  parts.push(m.reportMaxMemoryUsedMB !== undefined ? `REPORT Max Memory Used ${m.reportMaxMemoryUsedMB} MB` : 'no REPORT line in the log group');
  return parts.join('; ');
}
