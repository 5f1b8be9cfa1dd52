// The load run's report: its data (LoadReport), the figures derived from it (errors, the heap limits the
// handler ran under), the text the CLI prints and the HTML page's summary and charts are pure; writing the
// files is writeLoadReport.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../deploy.ts';
import { renderReport, type ChartSpec } from '../bench/html.ts';
import type { DocumentSetSpec } from './documents.ts';
import type { BackupRun } from './run.ts';
import type { LoadStack } from './stack.ts';

export const REPORTS_DIR = join(ROOT, 'reports');
const MiB = 1024 * 1024;

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

/** Pure: the report of a finished run; ok only when every generated document verified and nothing failed. */
export function buildLoadReport(input: Omit<LoadReport, 'kind' | 'errors' | 'ok'>): LoadReport {
  const errors = countErrors(input.run);
  return {
    kind: 'load',
    generatedAt: input.generatedAt,
    machine: input.machine,
    localstack: input.localstack,
    stack: input.stack,
    documents: input.documents,
    run: input.run,
    errors,
    ok: errors === 0 && input.run.verification?.verified === input.documents.count,
  };
}

/** Pure: the text report the CLI prints, `files` being the written reports as the user should see their paths. */
export function formatLoadReport(report: LoadReport, files: { json: string; html: string }): string[] {
  const { documents: spec, run, machine } = report;
  const v = run.verification;
  return [
    '',
    'Backup load report',
    '==================',
    `documents          ${spec.count} (${(spec.bytes / 1024 / 1024).toFixed(1)} MiB, ${spec.minSize}..${spec.maxSize} bytes, seed ${spec.seed})`,
    `run                ${run.status ?? run.functionError ?? '?'}: copied ${run.counts?.copied ?? '?'}, unchanged ${run.counts?.unchanged ?? '?'}, failed ${run.counts?.failed ?? '?'}`,
    `verified           ${v ? `${v.verified} of ${v.expected} against the manifest and the bucket (key, size, SHA-256)` : 'no manifest to verify against'}`,
    `concurrency        ${run.concurrency} (${run.concurrencySource})`,
    `throughput         ${run.documentsPerSecond} documents/s, ${run.mibPerSecond} MiB/s`,
    `Lambda duration    ${((run.lambdaDurationMs ?? 0) / 1000).toFixed(2)} s (invoke round trip ${(run.invokeMs / 1000).toFixed(2)} s)`,
    `peak memory        ${memoryLine(run.memory, report.stack.nodeOptions)}`,
    `errors             ${report.errors}${v?.problems.length ? `\n  ${v.problems.join('\n  ')}` : ''}${run.errorMessage ? `\n  ${run.errorMessage}` : ''}`,
    `machine            ${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(' ')} at start, ${machine.loadAverageAtEnd?.join(' ') ?? '?'} at end`,
    `report             ${files.json}, ${files.html}`,
  ];
}

/** Pure: the summary table of the HTML report. */
export function loadReportSummary(report: LoadReport): [string, string][] {
  const r = report.run;
  return [
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
}

/** Pure: the HTML report's charts (throughput over the run, and the handler's sampled memory). */
export function loadReportCharts(r: BackupRun): ChartSpec[] {
  const secs = r.series.map((s) => s.second);
  return [
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
  ];
}

export function writeLoadReport(report: LoadReport, name = `load-${report.generatedAt.replace(/[:.]/g, '-')}`): { json: string; html: string } {
  mkdirSync(REPORTS_DIR, { recursive: true });
  const json = join(REPORTS_DIR, `${name}.json`);
  const html = join(REPORTS_DIR, `${name}.html`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(
    html,
    renderReport({
      title: `Backup load run: ${report.documents.count} documents`,
      summary: loadReportSummary(report),
      charts: loadReportCharts(report.run),
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
