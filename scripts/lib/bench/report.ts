// The benchmark's result: the JSON object (headline ratios, targets, raw figures; its field names are an
// interface), the HTML page's summary and charts (pure), and writing both under reports/ (writeBenchReport).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupRun } from '../load/run.ts';
import type { SeededSet } from '../load/documents.ts';
import type { LoadStack } from '../load/stack.ts';
import { REPORTS_DIR, type MachineInfo } from '../load/report.ts';
import { renderReport, type ChartSpec, type TableSpec } from './html.ts';
import { profileDiff } from './profile.ts';
import type { BenchFigures, BenchRuns, RoundRatios } from './figures.ts';
import { CPU_CONTENDERS, cpuFigures, idealRate, type CpuContender, type ProfileRun, type Spread } from './cpu-figures.ts';

/** A Lambda run in the JSON: its memory samples counted, not listed. */
const strip = (r: BackupRun) => ({ ...r, memory: { ...r.memory, samples: r.memory.samples.length } });

export function benchResult(input: {
  runs: BenchRuns;
  figures: BenchFigures;
  generatedAt: string;
  wallClockSeconds: number;
  machine: MachineInfo & { loadAverageAtEnd: number[] };
  /** Absent when only the check comparison ran (it needs no LocalStack). */
  localstack: { mode: string; endpoint: string } | undefined;
  stack: Pick<LoadStack, 'stackName' | 'environment' | 'copyConcurrency' | 'timeoutSeconds' | 'memorySizeMB'> | undefined;
  docs: SeededSet | undefined;
}) {
  const { runs, figures, stack, docs } = input;
  const { rates } = figures;
  const raw = {
    generatedAt: input.generatedAt,
    wallClockSeconds: input.wallClockSeconds,
    machine: input.machine,
    localstack: input.localstack ? { mode: input.localstack.mode, endpoint: input.localstack.endpoint } : null,
    stack: stack
      ? { stackName: stack.stackName, environment: stack.environment, templateCopyConcurrency: stack.copyConcurrency, timeoutSeconds: stack.timeoutSeconds, memorySizeMB: stack.memorySizeMB }
      : null,
    documents: docs ? { count: docs.spec.count, bytes: docs.bytes, minSize: docs.spec.minSize, maxSize: docs.spec.maxSize, seed: docs.spec.seed } : null,
    rates: { ...rates, limit: rates.limit ?? null, lambda: rates.lambda ?? null, bestPeer: rates.bestPeer ?? null, limitWithBackupRequest: rates.limitWithBackupRequest ?? null },
    headToHead: runs.headToHead,
    limit: { best: figures.bestLimit ?? null, sweep: runs.limit, plainCopy: runs.limitExtras.plainCopy ?? null, backupCopy: runs.limitExtras.backupCopy ?? null },
    lambda: { best: figures.bestLambda ? strip(figures.bestLambda) : null, templateConcurrency: figures.lambdaTemplate ? strip(figures.lambdaTemplate) : null, sweep: figures.lambdaSweep.map(strip) },
    peers: { best: figures.bestPeer ?? null, bestAwsS3Sync: figures.bestAws ?? null, bestS5cmd: figures.bestS5 ?? null, runs: runs.peers },
    check: runs.check ?? null,
    cpu: runs.cpu ?? [],
    latency: runs.latency ?? [],
    profile: runs.profile ?? null,
    memory: runs.memory.map(({ run, ...p }) => ({
      ...p,
      ...(run
        ? { sampledPeakRssMB: run.memory.peakRssMB ?? null, reportMaxMemoryUsedMB: run.memory.reportMaxMemoryUsedMB ?? null, documentsPerSecond: run.documentsPerSecond, lambdaDurationMs: run.lambdaDurationMs ?? null, status: run.status ?? run.functionError ?? null, verified: run.verification?.verified ?? 0 }
        : {}),
    })),
  };
  return { ...figures.summary, targets: figures.targets, raw };
}

export type BenchResult = ReturnType<typeof benchResult>;

const fmt = (v: number | null) => (v === null ? 'n/a' : String(v));

/** "Lambda / limit median 0.69, 0.65 to 1.02 over 5 rounds", or "... n/a" without rounds. */
export const spread = (label: string, r: RoundRatios) => (r ? `${label} median ${r.median}, ${r.min} to ${r.max} over ${r.rounds.length} rounds` : `${label} n/a`);

/** The targets as the log line names them: met, MISSED or n/a. */
export const targetsLine = (targets: BenchResult['targets']) => Object.entries(targets).map(([k, v]) => `${k}=${v === null ? 'n/a' : v ? 'met' : 'MISSED'}`).join(', ');

/** "3.1x over 100 templates (generated), one process each: check 2400 ms (24 ms/template) vs cfn-lint ..." */
export function corpusLine(c: BenchResult['checkCorpus']): string {
  if (!c) return 'n/a';
  return (
    `${fmt(c.speedupVsCfnLint)}x over ${c.templates} templates (${c.source}), one process each, median of ${c.runs}: ` +
    `check ${c.checkMs} ms (${c.checkPerTemplateMs} ms/template) vs cfn-lint ${c.cfnLintMs} ms (${c.cfnLintPerTemplateMs} ms/template)`
  );
}

/** Pure: the HTML page's summary table. */
export function benchSummaryRows(result: BenchResult): [string, string][] {
  const { rates, check, machine, localstack } = result.raw;
  return [
    ['rates', rates.method],
    ['Lambda / limit', `${fmt(result.lambdaToLimit)} (target >= 0.9; ${rates.lambda ?? '?'} vs ${rates.limit ?? '?'} documents/s)`],
    ['Lambda / best peer', `${fmt(result.lambdaToBestPeer)} (target >= 1; best peer ${rates.bestPeerTool ?? 'n/a'}, ${rates.bestPeer ?? '?'} documents/s)`],
    ['per round', spread('Lambda / limit', result.perRound.lambdaToLimit) + '; ' + spread('Lambda / best peer', result.perRound.lambdaToBestPeer)],
    ['memory 100k / 1k', `${fmt(result.memoryGrowth100kTo1k)}${result.memoryGrowth100kTo1kExtrapolated ? ' (100k EXTRAPOLATED)' : ''} (target <= 1.2)`],
    ['check vs cfn-lint', `${fmt(result.checkSpeedupVsCfnLint)}x (target >= 3; medians ${check?.check.medianMs ?? '?'} ms vs ${check?.cfnLint.medianMs ?? '?'} ms)`],
    ['check vs cfn-lint, many templates', corpusLine(result.checkCorpus)],
    ...cpuSummaryRows(result),
    ['100k documents', `${result.estimated100kSeconds ?? '?'} s estimated at the Lambda's rate (limit 900 s)`],
    ['machine', `${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd.join(' ')} at end; LocalStack ${localstack?.mode ?? 'not started'}`],
  ];
}

const CONTENDER_LABELS: Record<CpuContender, string> = { lambda: 'Lambda', requestLoop: 'request loop', sdkLoop: 'SDK loop', s5cmd: 's5cmd', awsCli: 'aws CLI' };
const metOrMissed = (v: boolean | null) => (v === null ? 'n/a' : v ? 'met' : 'MISSED');
const range = (s: Spread | null) => (s ? `${s.median} (${s.min} to ${s.max})` : 'n/a');

/** Pure: the summary rows of the CPU, latency and profile sections (issue #18), targets as met/MISSED. */
export function cpuSummaryRows(result: BenchResult): [string, string][] {
  const { cpuSpread, targets } = result;
  const rounds = new Set(result.raw.cpu.map((r) => r.round)).size;
  const lat = result.raw.latency;
  const profile = result.raw.profile;
  const rows: [string, string][] = [];
  if (result.raw.cpu.length) {
    const perContender = (t: Record<CpuContender, Spread | null>) => CPU_CONTENDERS.map((c) => `${CONTENDER_LABELS[c]} ${range(t[c])}`).join('; ');
    rows.push(
      ['CPU per document (ms)', `${perContender(cpuSpread.client)}: median (range) of ${rounds} interleaved rounds, ${result.raw.cpu[0]!.window} copies in flight each`],
      ['Lambda CPU / s5cmd', `${fmt(result.lambdaCpuToS5cmd)}: target <= 1.0 ${metOrMissed(targets.lambdaCpuAtMostS5cmd)} (per round ${range(cpuSpread.perRound.lambdaCpuToS5cmd)})`],
      ['Lambda CPU / SDK loop', `${fmt(result.lambdaCpuToSdkLoop)}: target <= 1.1 ${metOrMissed(targets.lambdaCpuWithin1_1OfSdkLoop)} (per round ${range(cpuSpread.perRound.lambdaCpuToSdkLoop)})`],
      ['Lambda CPU / request loop', `${fmt(result.lambdaCpuToRequestLoop)}: the backup's own logic beyond its requests, sent as it sends them (per round ${range(cpuSpread.perRound.lambdaCpuToRequestLoop)})`],
      ['LocalStack CPU per document (ms)', perContender(cpuSpread.server)],
    );
  }
  const l = lat.find((r) => r.latencyMs > 0);
  if (l) {
    const of = (c: 'lambda' | 's5cmd') => lat.find((r) => r.contender === c && r.latencyMs > 0);
    rows.push([
      'latency tolerance',
      `Lambda ${fmt(result.latencyEfficiency)} of ideal (${of('lambda')?.documentsPerSecond ?? '?'} documents/s): target >= 0.9 ${metOrMissed(targets.latencyEfficiencyAtLeast0_9)}; ` +
        `s5cmd ${fmt(result.s5cmdLatencyEfficiency)} (${of('s5cmd')?.documentsPerSecond ?? '?'} documents/s); ${l.latencyMs} ms added to every S3 request, window ${l.window}, ideal ${idealRate(l.window, l.latencyMs)} documents/s`,
    ]);
    const svc = result.latencyServiceMs;
    const given = result.latencyEfficiencyGivenServiceTime;
    rows.push([
      'latency, given LocalStack\'s own time',
      `LocalStack takes ${svc.lambda ?? '?'} ms (Lambda) / ${svc.s5cmd ?? '?'} ms (s5cmd) per request at window ${l.window} without added latency; ` +
        `against window / (latency + that): Lambda ${fmt(given.lambda)}, s5cmd ${fmt(given.s5cmd)}`,
    ]);
  }
  if (profile) {
    // Samples are wall-clock intervals: on a loaded machine a runnable thread waiting for a core is sampled too,
    // so the profile gives shares; the process's CPU comes from the kernel, as for the other figures.
    rows.push([
      'handler profile',
      `${profile.cpuMs} ms CPU (${profile.cpuMsPerDocument ?? '?'} ms/document, profiled) over ${profile.documents} documents at window ${profile.window}; ` +
        `${profile.summary.busyMs} ms sampled busy, ${profile.summary.idleMs} ms idle; top entries (shares of the busy samples) below`,
    ]);
  }
  return rows;
}

/** Pure: the CPU-per-document chart: each contender's own CPU and LocalStack's, medians of the rounds. */
export function cpuChart(runs: Pick<BenchRuns, 'cpu'>): ChartSpec | undefined {
  if (!runs.cpu?.length) return undefined;
  const f = cpuFigures(runs.cpu);
  return {
    title: 'CPU per copied document (ms): each contender\'s own process and LocalStack\'s, medians of the CPU rounds',
    config: {
      type: 'bar',
      data: {
        labels: CPU_CONTENDERS.map((c) => CONTENDER_LABELS[c]),
        datasets: [
          { label: 'client CPU ms/document', data: CPU_CONTENDERS.map((c) => f.cpuMsPerDocument[c]), backgroundColor: '#2563eb' },
          { label: 'LocalStack CPU ms/document', data: CPU_CONTENDERS.map((c) => f.serverCpuMsPerDocument[c]), backgroundColor: '#9ca3af' },
        ],
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    },
  };
}

/** Pure: the profile's top entries, by function and by file, as report tables. */
export function profileTables(profile: ProfileRun | undefined): TableSpec[] {
  if (!profile) return [];
  const rows = (es: ProfileRun['summary']['byFunction']) => es.map((e) => [e.name, String(e.selfMs), `${(e.share * 100).toFixed(1)}%`]);
  const note = `handler process, ${profile.documents} documents, window ${profile.window}`;
  const loop = profile.sdkLoop;
  return [
    { title: `Handler CPU profile: top functions by self time (${note})`, head: ['function', 'self ms', 'share of CPU'], rows: rows(profile.summary.byFunction) },
    { title: `Handler CPU profile: self time by file or package (${note})`, head: ['file', 'self ms', 'share of CPU'], rows: rows(profile.summary.byFile) },
    ...(loop
      ? [{
          title: `Beyond the requests: sampled self time per document (µs), handler against the bare loop over its own client (${loop.documents} documents), largest difference first`,
          head: ['file', 'handler', 'request loop', 'difference'],
          rows: profileDiff(profile, loop).map((r) => [r.name, String(r.handlerUs), String(r.sdkLoopUs), String(r.differenceUs)]),
        }]
      : []),
  ];
}

/** Pure: the bars of the throughput chart, every sweep point and head-to-head run in the order they ran. */
export function throughputBars(runs: Pick<BenchRuns, 'limit' | 'lambda' | 'peers' | 'headToHead'>): { label: string; v: number; color: string }[] {
  return [
    ...runs.limit.map((r) => ({ label: `limit c=${r.concurrency}`, v: r.documentsPerSecond, color: '#6b7280' })),
    ...runs.lambda.map((r) => ({ label: `Lambda c=${r.concurrency}${r.concurrencySource === 'template' ? ' (template)' : ''}`, v: r.documentsPerSecond, color: '#2563eb' })),
    ...runs.peers.map((p) => ({ label: `${p.tool} ${p.setting}`, v: p.documentsPerSecond, color: p.tool === 's5cmd cp' ? '#16a34a' : '#f59e0b' })),
    ...runs.headToHead.map((r) => ({ label: `round ${r.round}: ${r.contender}${r.complete ? '' : ' (incomplete)'}`, v: r.documentsPerSecond, color: '#111827' })),
  ];
}

/** Pure: the HTML page's charts. */
export function benchCharts(runs: BenchRuns, bestLambda: BackupRun | undefined): ChartSpec[] {
  const bars = throughputBars(runs);
  const { memory } = runs;
  const cpu = cpuChart(runs);
  return [
    {
      title: 'Copy throughput (documents/s), every sweep point and head-to-head run',
      config: {
        type: 'bar',
        data: { labels: bars.map((b) => b.label), datasets: [{ label: 'documents/s', data: bars.map((b) => b.v), backgroundColor: bars.map((b) => b.color) }] },
        options: { maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } } },
      },
    },
    ...(cpu ? [cpu] : []),
    ...(memory.length
      ? [{
          title: 'Handler peak memory (MiB) by document count',
          config: {
            type: 'bar',
            data: { labels: memory.map((m) => `${m.documents}${m.extrapolated ? ' (extrapolated)' : ''}`), datasets: [{ label: 'peak MiB', data: memory.map((m) => m.peakMB), backgroundColor: memory.map((m) => (m.extrapolated ? '#fca5a5' : '#dc2626')) }] },
            options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
          },
        }]
      : []),
    ...(bestLambda?.series.length
      ? [{
          title: `Best Lambda run over time (c=${bestLambda.concurrency}): backups landed per second`,
          config: {
            type: 'line',
            data: { labels: bestLambda.series.map((s) => s.second), datasets: [{ label: 'documents/s', data: bestLambda.series.map((s) => s.documents), borderColor: '#2563eb' }] },
            options: { maintainAspectRatio: false },
          },
        }]
      : []),
  ];
}

/** Writes reports/bench-<time>.json and .html; returns their paths. */
export function writeBenchReport(result: BenchResult, runs: BenchRuns, bestLambda: BackupRun | undefined): { json: string; html: string } {
  mkdirSync(REPORTS_DIR, { recursive: true });
  const name = `bench-${result.raw.generatedAt.replace(/[:.]/g, '-')}`;
  const json = join(REPORTS_DIR, `${name}.json`);
  const html = join(REPORTS_DIR, `${name}.html`);
  writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(html, renderReport({ title: 'Document backup benchmark', summary: benchSummaryRows(result), charts: benchCharts(runs, bestLambda), tables: profileTables(runs.profile), raw: result }));
  return { json, html };
}
