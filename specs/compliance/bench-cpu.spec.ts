// The pure parts of the bench's CPU, latency and profile sections (issue #18): reading the kernel's CPU figures
// (/proc/<pid>/stat, bash's `times`), LocalStack's tree without the handler processes, CPU per document and its
// ratios, latency efficiency, the profile summary, the fault proxy's latency-only rules, and the report's rows,
// chart and tables. No LocalStack, no timing.
import { test, expect } from '@playwright/test';
import { parseBashTimes, parseProcStat, treeTicks } from '../../scripts/lib/bench/cpu.ts';
import { cpuFigures, idealRate, latencyFigures, type CpuRun, type LatencyRun, type ProfileRun } from '../../scripts/lib/bench/cpu-figures.ts';
import { fileLabel, profileDiff, summarizeProfile, type CpuProfile } from '../../scripts/lib/bench/profile.ts';
import { benchFigures, type BenchRuns } from '../../scripts/lib/bench/figures.ts';
import { benchResult, cpuChart, cpuSummaryRows, profileTables } from '../../scripts/lib/bench/report.ts';
import { renderReport } from '../../scripts/lib/bench/html.ts';
import { classify, latencyOnlyRules, matches } from '../../scripts/lib/fault-proxy.ts';

test.describe('kernel CPU figures', () => {
  test('/proc/<pid>/stat: utime + stime after the command name, even one holding spaces and ")"', () => {
    // Fields after the name: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const line = '4242 (node (x) y) S 17 4242 4242 0 -1 4194304 100 0 0 0 1234 56 7 8 20 0 11 0\n';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 17, ticks: 1290 });
    expect(parseProcStat('not a stat line')).toBeUndefined();
  });

  test("LocalStack's tree: the root and its descendants, without the handler process and what hangs under it", () => {
    const procs = [
      { pid: 1, ppid: 0, ticks: 1000 },
      { pid: 10, ppid: 1, ticks: 500 }, // LocalStack
      { pid: 11, ppid: 10, ticks: 30 }, // a helper it spawned
      { pid: 12, ppid: 10, ticks: 400 }, // node_runner.mjs (the handler)
      { pid: 13, ppid: 12, ticks: 9 }, // a child of the handler
      { pid: 20, ppid: 1, ticks: 777 }, // someone else's process
    ];
    expect(treeTicks(procs, 10, new Set([12]))).toBe(530);
    expect(treeTicks(procs, 10, new Set())).toBe(939);
    expect(treeTicks(procs, 99, new Set())).toBe(0);
  });

  test("bash's `times`: the second line is the children's user and system time", () => {
    expect(parseBashTimes('0m0.003s 0m0.001s\n0m1.234s 1m0.456s\n')).toBe(1234 + 60_456);
    expect(parseBashTimes('0m0.003s 0m0.001s\n')).toBeUndefined();
  });
});

const cpuRun = (round: number, contender: CpuRun['contender'], cpuMs: number, serverCpuMs: number, complete = true): CpuRun => ({
  round, position: 1, contender, window: 64, setting: 's', documents: 1000, expected: 1000, ms: 5000, cpuMs, serverCpuMs, complete,
});

// Three rounds; round 1 holds the hand measurement (1.38 ms vs 0.42 ms per document).
const CPU_RUNS: CpuRun[] = [
  cpuRun(1, 'lambda', 1380, 5000), cpuRun(1, 'requestLoop', 1000, 4700), cpuRun(1, 'sdkLoop', 1200, 4800), cpuRun(1, 's5cmd', 420, 6000), cpuRun(1, 'awsCli', 4800, 4400),
  cpuRun(2, 'lambda', 1500, 5200), cpuRun(2, 'requestLoop', 1200, 4900), cpuRun(2, 'sdkLoop', 1250, 5000), cpuRun(2, 's5cmd', 400, 6100), cpuRun(2, 'awsCli', 5000, 4500),
  cpuRun(3, 'lambda', 1300, 5100), cpuRun(3, 'requestLoop', 1300, 4800), cpuRun(3, 'sdkLoop', 1100, 4900), cpuRun(3, 's5cmd', 450, 6200), cpuRun(3, 'awsCli', 4900, 4300),
  // Incomplete: not counted, however cheap it looks.
  cpuRun(4, 'lambda', 100, 100, false),
];

test.describe('CPU per document and latency figures', () => {
  test('medians of the complete rounds per contender, the ratios of the medians, each round\'s own ratio', () => {
    const f = cpuFigures(CPU_RUNS);
    expect(f.cpuMsPerDocument).toEqual({ lambda: 1.38, requestLoop: 1.2, sdkLoop: 1.2, s5cmd: 0.42, awsCli: 4.9 });
    expect(f.serverCpuMsPerDocument).toEqual({ lambda: 5.1, requestLoop: 4.8, sdkLoop: 4.9, s5cmd: 6.1, awsCli: 4.4 });
    expect(f.lambdaCpuToS5cmd).toBe(3.286);
    expect(f.lambdaCpuToSdkLoop).toBe(1.15);
    expect(f.lambdaCpuToRequestLoop).toBe(1.15);
    expect(f.cpuSpread.perRound.lambdaCpuToRequestLoop).toEqual({ median: 1.25, min: 1, max: 1.38, rounds: [1.38, 1.25, 1] });
    expect(f.cpuSpread.client.lambda).toEqual({ median: 1.38, min: 1.3, max: 1.5, rounds: [1.38, 1.5, 1.3] });
    expect(f.cpuSpread.perRound.lambdaCpuToS5cmd).toEqual({ median: 3.286, min: 2.889, max: 3.75, rounds: [3.286, 3.75, 2.889] });
  });

  test('a contender whose CPU could not be read gives null, not 0', () => {
    const f = cpuFigures([{ ...cpuRun(1, 'lambda', 0, 0), cpuMs: undefined }, cpuRun(1, 's5cmd', 420, 6000)]);
    expect(f.cpuMsPerDocument.lambda).toBeNull();
    expect(f.lambdaCpuToS5cmd).toBeNull();
  });

  test('latency efficiency: achieved over window / latency, only for complete runs', () => {
    expect(idealRate(8, 100)).toBe(80);
    const runs: LatencyRun[] = [
      { contender: 'lambda', latencyMs: 100, window: 8, documents: 1000, ms: 13_000, documentsPerSecond: 76.9, complete: true },
      { contender: 's5cmd', latencyMs: 100, window: 8, documents: 990, ms: 13_000, documentsPerSecond: 76.2, complete: false },
    ];
    expect(latencyFigures(runs)).toMatchObject({ latencyEfficiency: 0.961, s5cmdLatencyEfficiency: null });
  });

  test("LocalStack's own time per request, from the run without added latency, and the efficiency given it", () => {
    const runs: LatencyRun[] = [
      // Baseline: 8 in flight at 200/s is 40 ms per request; with 100 ms more the most possible is 8 / 0.14 s = 57.1/s.
      { contender: 'lambda', latencyMs: 0, window: 8, documents: 1000, ms: 5000, documentsPerSecond: 200, complete: true },
      { contender: 'lambda', latencyMs: 100, window: 8, documents: 1000, ms: 18_000, documentsPerSecond: 55, complete: true },
      { contender: 's5cmd', latencyMs: 0, window: 8, documents: 1000, ms: 4000, documentsPerSecond: 250, complete: true },
    ];
    const f = latencyFigures(runs);
    expect(f.latencyEfficiency).toBe(0.688);
    expect(f.latencyServiceMs).toEqual({ lambda: 40, s5cmd: 32 });
    expect(f.latencyEfficiencyGivenServiceTime).toEqual({ lambda: 0.962, s5cmd: null });
    // The baseline alone is no efficiency figure.
    expect(f.s5cmdLatencyEfficiency).toBeNull();
  });

  test('the targets: Lambda CPU <= s5cmd, <= 1.1x the SDK loop, latency efficiency >= 0.9', () => {
    const base: BenchRuns = { limit: [], limitExtras: {}, lambda: [], peers: [], headToHead: [], memory: [], rounds: 0, timeoutSeconds: 900 };
    const latency: LatencyRun[] = [{ contender: 'lambda', latencyMs: 100, window: 8, documents: 1000, ms: 13_000, documentsPerSecond: 76.9, complete: true }];
    const f = benchFigures({ ...base, cpu: CPU_RUNS, latency });
    expect(f.targets).toMatchObject({ lambdaCpuAtMostS5cmd: false, lambdaCpuWithin1_1OfSdkLoop: false, latencyEfficiencyAtLeast0_9: true });
    const cheap = benchFigures({ ...base, cpu: [cpuRun(1, 'lambda', 400, 1), cpuRun(1, 'sdkLoop', 380, 1), cpuRun(1, 's5cmd', 420, 1)] });
    expect(cheap.targets).toMatchObject({ lambdaCpuAtMostS5cmd: true, lambdaCpuWithin1_1OfSdkLoop: true, latencyEfficiencyAtLeast0_9: null });
  });
});

// Four nodes: idle, the root program, a project function, an SDK function; GC without a url.
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
    { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
    { id: 3, callFrame: { functionName: 'processDocument', url: 'file:///repo/lambda/src/document.ts', lineNumber: 240 } },
    { id: 4, callFrame: { functionName: 'signRequest', url: 'file:///repo/node_modules/@smithy/signature-v4/dist-cjs/index.js', lineNumber: 519 } },
    { id: 5, callFrame: { functionName: '(garbage collector)', url: '', lineNumber: -1 } },
  ],
  // Each sample stands for the interval to the next: 2 -> 1000 us idle, 3 -> 3000, 4 -> 4000 + 2000, 5 -> 1000 (last: the mean).
  samples: [2, 3, 4, 4, 5],
  timeDeltas: [0, 1000, 3000, 4000, 2000],
  startTime: 0,
  endTime: 5000,
};

test.describe('profile summary', () => {
  test('self time by function and by file or package, shares of the non-idle time', () => {
    const s = summarizeProfile(PROFILE, '/repo');
    expect(s.idleMs).toBe(1);
    expect(s.busyMs).toBe(10);
    expect(s.byFile).toEqual([
      { name: '@smithy/signature-v4', selfMs: 6, share: 0.6 },
      { name: 'lambda/src/document.ts', selfMs: 3, share: 0.3 },
      { name: '(garbage collector)', selfMs: 1, share: 0.1 },
    ]);
    expect(s.byFunction[0]).toEqual({ name: 'signRequest @smithy/signature-v4:520', selfMs: 6, share: 0.6 });
    expect(summarizeProfile(PROFILE, '/repo', 1).byFunction).toHaveLength(1);
  });

  test('handler against the SDK loop: sampled self time per document by file, largest difference first', () => {
    const handler = { documents: 100, summary: summarizeProfile(PROFILE, '/repo') };
    // The loop: the same SDK signing per document, no project code, half the garbage collection.
    const loopProfile: CpuProfile = { ...PROFILE, samples: [4, 4, 5, 2], timeDeltas: [0, 4000, 2000, 500], endTime: 6500 };
    const sdkLoop = { documents: 100, summary: summarizeProfile(loopProfile, '/repo') };
    const rows = profileDiff(handler, sdkLoop);
    expect(rows.map((r) => r.name)).toEqual(['lambda/src/document.ts', '(garbage collector)', '@smithy/signature-v4']);
    expect(rows[0]).toEqual({ name: 'lambda/src/document.ts', handlerUs: 30, sdkLoopUs: 0, differenceUs: 30 });
    expect(rows[1]).toEqual({ name: '(garbage collector)', handlerUs: 10, sdkLoopUs: 5, differenceUs: 5 });
    expect(rows[2]!.differenceUs).toBe(0);
    expect(profileDiff(handler, sdkLoop, 1)).toHaveLength(1);
  });

  test('file labels: a package for node_modules (scoped or not), the project path, node: built-ins as they are', () => {
    expect(fileLabel('file:///w/node_modules/@aws-sdk/core/dist-cjs/index.js', '/w')).toBe('@aws-sdk/core');
    expect(fileLabel('file:///w/node_modules/tslib/tslib.js', '/w')).toBe('tslib');
    expect(fileLabel('file:///w/lambda/src/s3.ts', '/w')).toBe('lambda/src/s3.ts');
    expect(fileLabel('node:_http_agent', '/w')).toBe('node:_http_agent');
    expect(fileLabel('', '/w')).toBe('(native)');
  });
});

test.describe('fault proxy latency-only mode', () => {
  const scope = (service: string) => ({ authorization: `AWS4-HMAC-SHA256 Credential=test/20261206/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x` });
  test('one latency rule that matches every S3 request and nothing else', () => {
    const [rule, ...rest] = latencyOnlyRules(100);
    expect(rest).toEqual([]);
    expect(rule!.fault).toEqual({ kind: 'latency', ms: 100 });
    const copy = classify('PUT', '/backup/backups/2031-01-01/a.txt', { ...scope('s3'), 'x-amz-copy-source': '/source/a.txt' });
    expect(matches(rule!.match, copy, '/backup/backups/2031-01-01/a.txt')).toBe(true);
    const metrics = classify('POST', '/', { ...scope('monitoring'), 'x-amz-target': 'GraniteServiceVersion20100801.PutMetricData' });
    expect(matches(rule!.match, metrics, '/')).toBe(false);
  });
});

test.describe('report', () => {
  const profile: ProfileRun = { window: 64, documents: 1000, cpuMs: 1500, cpuMsPerDocument: 1.5, summary: summarizeProfile(PROFILE, '/repo') };
  const runs: BenchRuns = {
    limit: [], limitExtras: {}, lambda: [], peers: [], headToHead: [], memory: [], rounds: 0, timeoutSeconds: 900, cpu: CPU_RUNS, profile,
    latency: [
      { contender: 'lambda', latencyMs: 0, window: 8, documents: 1000, ms: 5000, documentsPerSecond: 200, complete: true },
      { contender: 'lambda', latencyMs: 100, window: 8, documents: 1000, ms: 14_000, documentsPerSecond: 70, complete: true },
      { contender: 's5cmd', latencyMs: 100, window: 8, documents: 1000, ms: 13_000, documentsPerSecond: 76, complete: true },
    ],
  };
  const figures = benchFigures(runs);
  const result = benchResult({
    runs, figures, generatedAt: '2026-12-06T16:00:00.000Z', wallClockSeconds: 60,
    machine: { cpus: 2, loadAverageAtStart: [1, 1, 1], loadAverageAtEnd: [1, 1, 1], node: 'v24.0.0' },
    localstack: undefined, stack: undefined, docs: undefined,
  });

  test('summary rows: medians with ranges, the ratios against their targets as met or MISSED', () => {
    const rows = Object.fromEntries(cpuSummaryRows(result));
    expect(rows['CPU per document (ms)']).toBe('Lambda 1.38 (1.3 to 1.5); request loop 1.2 (1 to 1.3); SDK loop 1.2 (1.1 to 1.25); s5cmd 0.42 (0.4 to 0.45); aws CLI 4.9 (4.8 to 5): median (range) of 4 interleaved rounds, 64 copies in flight each');
    expect(rows['Lambda CPU / s5cmd']).toBe('3.286: target <= 1.0 MISSED (per round 3.286 (2.889 to 3.75))');
    expect(rows['Lambda CPU / SDK loop']).toMatch(/^1\.15: target <= 1\.1 MISSED/);
    expect(rows['Lambda CPU / request loop']).toMatch(/^1\.15: the backup's own logic beyond its requests/);
    expect(rows['latency tolerance']).toBe(
      'Lambda 0.875 of ideal (70 documents/s): target >= 0.9 MISSED; s5cmd 0.95 (76 documents/s); 100 ms added to every S3 request, window 8, ideal 80 documents/s',
    );
    expect(rows["latency, given LocalStack's own time"]).toBe(
      'LocalStack takes 40 ms (Lambda) / ? ms (s5cmd) per request at window 8 without added latency; against window / (latency + that): Lambda 1.225, s5cmd n/a',
    );
    expect(rows['handler profile']).toMatch(/^1500 ms CPU \(1\.5 ms\/document, profiled\) over 1000 documents at window 64; 10 ms sampled busy, 1 ms idle/);
    expect(result.raw.cpu).toHaveLength(CPU_RUNS.length);
  });

  test('the CPU chart has each contender\'s own CPU and LocalStack\'s; none without CPU runs', () => {
    const chart = cpuChart(runs)!;
    const data = chart.config['data'] as { labels: string[]; datasets: { data: (number | null)[] }[] };
    expect(data.labels).toEqual(['Lambda', 'request loop', 'SDK loop', 's5cmd', 'aws CLI']);
    expect(data.datasets.map((d) => d.data)).toEqual([[1.38, 1.2, 1.2, 0.42, 4.9], [5.1, 4.8, 4.9, 6.1, 4.4]]);
    expect(cpuChart({ cpu: [] })).toBeUndefined();
  });

  test('the profile tables reach the HTML, escaped', () => {
    const tables = profileTables(profile);
    expect(tables.map((t) => t.rows[0])).toEqual([['signRequest @smithy/signature-v4:520', '6', '60.0%'], ['@smithy/signature-v4', '6', '60.0%']]);
    expect(profileTables(undefined)).toEqual([]);
    const withLoop = profileTables({ ...profile, sdkLoop: { documents: 1000, cpuMs: 1000, cpuMsPerDocument: 1, summary: summarizeProfile(PROFILE, '/repo') } });
    expect(withLoop).toHaveLength(3);
    expect(withLoop[2]!.head).toEqual(['file', 'handler', 'request loop', 'difference']);
    expect(withLoop[2]!.rows[0]).toEqual(['@smithy/signature-v4', '6', '6', '0']);
    const html = renderReport({ title: 't', summary: [], charts: [], tables: [{ title: 'a<b', head: ['x'], rows: [['<script>']] }], raw: {} });
    expect(html).toContain('<h2>a&#60;b</h2>');
    expect(html).toContain('<td>&#60;script&#62;</td>');
  });
});
