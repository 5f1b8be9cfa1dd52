// The pure parts of `npm run bench`: medians and ratios, the rates the headline ratios use, per-round
// ratios, memory points and the 100k extrapolation, the targets, and the JSON result and HTML summary built
// from them. Figures from the README's run B where they fit. No LocalStack.
import { test, expect } from '@playwright/test';
import type { BackupRun } from '../../scripts/lib/load/run.ts';
import type { PeerRun } from '../../scripts/lib/bench/peers.ts';
import type { CopyLoopResult } from '../../scripts/lib/bench/limit.ts';
import { best, median, ratio } from '../../scripts/lib/bench/stats.ts';
import {
  benchFigures,
  extrapolate100k,
  medianPoint,
  memoryPointOf,
  roundOrder,
  type BenchRuns,
  type ContenderName,
  type HeadToHeadRun,
  type MemoryPoint,
} from '../../scripts/lib/bench/figures.ts';
import { benchResult, benchSummaryRows, spread, targetsLine, throughputBars } from '../../scripts/lib/bench/report.ts';

const lambdaRun = (documentsPerSecond: number, over: Partial<BackupRun> = {}): BackupRun => ({
  runDate: '2031-01-01',
  prefix: 'bench/',
  concurrency: 64,
  concurrencySource: 'event override',
  status: 'complete',
  counts: { listed: 2000, copied: 2000, unchanged: 0, failed: 0 },
  bytesCopied: 23_700_000,
  lambdaDurationMs: Math.round((2000 / documentsPerSecond) * 1000),
  invokeMs: 0,
  documentsPerSecond,
  mibPerSecond: 0,
  memory: { samples: [{ t: 0, rssMB: 100 }, { t: 1000, rssMB: 120 }] },
  verification: { expected: 2000, verified: 2000, mismatched: 0, missingFromManifest: 0, missingFromBucket: 0, unexpectedInManifest: 0, problems: [] },
  series: [],
  ...over,
});
const loop = (concurrency: number, documentsPerSecond: number): CopyLoopResult => ({ concurrency, documents: 2000, failed: 0, ms: Math.round((2000 / documentsPerSecond) * 1000), documentsPerSecond });
const peer = (tool: PeerRun['tool'], concurrency: number, documentsPerSecond: number, documents = 2000): PeerRun => ({
  tool,
  setting: tool === 's5cmd cp' ? `--numworkers ${concurrency}` : `max_concurrent_requests=${concurrency}`,
  concurrency,
  documents,
  expected: 2000,
  ms: 0,
  documentsPerSecond,
  exitCode: 0,
});

/** Three rounds per contender; round 1 holds run B's medians. */
const ROUNDS: Record<ContenderName, number[]> = {
  limit: [238.8, 230, 250],
  'limit, backup request': [211.7, 200, 220],
  lambda: [165.3, 160, 170],
  's5cmd cp': [290.8, 280, 300],
  'aws s3 sync': [149, 140, 150],
};
const headToHead: HeadToHeadRun[] = [1, 2, 3].flatMap((round) =>
  (Object.keys(ROUNDS) as ContenderName[]).map((contender, i) => ({ round, position: i + 1, contender, setting: 's', documentsPerSecond: ROUNDS[contender][round - 1]!, complete: true })),
);
// An incomplete run is not counted, however fast.
headToHead.push({ round: 3, position: 6, contender: 'lambda', setting: 's', documentsPerSecond: 9999, complete: false });

const memory: MemoryPoint[] = [
  { documents: 1000, source: 'VmHWM (fresh process)', peakMB: 134, extrapolated: false },
  { documents: 10_000, source: 'VmHWM (fresh process)', peakMB: 140, extrapolated: false },
  { documents: 100_000, source: 'VmHWM (fresh process)', peakMB: 152, extrapolated: false, run: lambdaRun(198.1, { counts: { listed: 100_000, copied: 100_000, unchanged: 0, failed: 0 }, lambdaDurationMs: 505_000 }) },
];
const timing = (medianMs: number) => ({ command: 'x', runsMs: [medianMs], medianMs, exitCodes: [0] });

const runs: BenchRuns = {
  limit: [loop(16, 180.2), loop(64, 226.5), loop(128, 210)],
  limitExtras: { plainCopy: loop(64, 260), backupCopy: loop(64, 200.1) },
  lambda: [lambdaRun(150.5, { concurrency: 32 }), lambdaRun(199.2), lambdaRun(140, { concurrencySource: 'template', concurrency: 16 })],
  peers: [peer('aws s3 sync', 64, 161.1), peer('s5cmd cp', 16, 240.4), peer('s5cmd cp', 64, 400, 1990)],
  headToHead,
  memory,
  check: { check: timing(840), checkDirect: timing(610), cfnLint: timing(2970) },
  rounds: 3,
  timeoutSeconds: 900,
};

test.describe('bench statistics', () => {
  test('median, ratio and best', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([0.6523, 0.6931, 1.0212], 3)).toBe(0.693);
    expect(median([])).toBeUndefined();
    expect(ratio(165.3, 238.8)).toBe(0.692);
    expect(ratio(undefined, 238.8)).toBeNull();
    expect(ratio(165.3, 0)).toBeNull();
    expect(best([{ documentsPerSecond: 1 }, { documentsPerSecond: 3 }, { documentsPerSecond: 3, tag: 'later' }])).toEqual({ documentsPerSecond: 3 });
    expect(best([])).toBeUndefined();
  });

  test('rounds rotate the order so every contender runs in every position', () => {
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 2)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 4)).toEqual(['a', 'b', 'c']);
  });
});

test.describe('bench figures', () => {
  test('head-to-head medians give the headline ratios, run B: 0.692 to the limit, 0.568 to s5cmd', () => {
    const f = benchFigures(runs);
    expect(f.rates).toEqual({ method: 'median of 3 interleaved rounds at the best settings', limit: 238.8, lambda: 165.3, bestPeer: 290.8, bestPeerTool: 's5cmd cp', limitWithBackupRequest: 211.7 });
    expect(f.summary).toEqual({
      lambdaToLimit: 0.692,
      lambdaToBestPeer: 0.568,
      memoryGrowth100kTo1k: 1.134,
      memoryGrowth100kTo1kExtrapolated: false,
      memoryGrowth100kTo10k: 1.086,
      checkSpeedupVsCfnLint: 3.536,
      // No many-template timing in these runs (bench-corpus.spec.ts has one).
      checkCorpus: null,
      // Sweeps: best verified Lambda 199.2 against the best limit 226.5 and the best complete peer (s5cmd at 16: 240.4;
      // the 400/s run missed 10 documents and does not count).
      sweepLambdaToLimit: 0.879,
      sweepLambdaToBestPeer: 0.829,
      lambdaTemplateConcurrencyToLimit: 0.618,
      lambdaToLimitWithBackupRequest: 0.781,
      perRound: {
        lambdaToLimit: { median: 0.692, min: 0.68, max: 0.696, rounds: [0.692, 0.696, 0.68] },
        lambdaToBestPeer: { median: 0.568, min: 0.567, max: 0.571, rounds: [0.568, 0.571, 0.567] },
        lambdaToLimitWithBackupRequest: { median: 0.781, min: 0.773, max: 0.8, rounds: [0.781, 0.8, 0.773] },
      },
      estimated100kSeconds: 605,
      // README "Scaling past one invocation": 165.3/s x (900 - 30) s.
      documentsPer15MinInvocation: 143_811,
      // No CPU or latency section in these runs (bench-cpu.spec.ts has them): every such figure null.
      cpuMsPerDocument: { lambda: null, requestLoop: null, sdkLoop: null, s5cmd: null, awsCli: null },
      serverCpuMsPerDocument: { lambda: null, requestLoop: null, sdkLoop: null, s5cmd: null, awsCli: null },
      lambdaCpuToS5cmd: null,
      lambdaCpuToSdkLoop: null,
      lambdaCpuToRequestLoop: null,
      cpuSpread: {
        client: { lambda: null, requestLoop: null, sdkLoop: null, s5cmd: null, awsCli: null },
        server: { lambda: null, requestLoop: null, sdkLoop: null, s5cmd: null, awsCli: null },
        perRound: { lambdaCpuToS5cmd: null, lambdaCpuToSdkLoop: null, lambdaCpuToRequestLoop: null },
      },
      latencyEfficiency: null,
      s5cmdLatencyEfficiency: null,
      latencyServiceMs: { lambda: null, s5cmd: null },
      latencyEfficiencyGivenServiceTime: { lambda: null, s5cmd: null },
    });
    expect(f.targets).toEqual({
      lambdaAtLeast0_9OfLimit: false,
      lambdaAtLeastBestPeer: false,
      memory100kWithin1_2xOf1k: true,
      checkAtLeast3xFasterThanCfnLint: true,
      hundredKInsideFifteenMinutes: true,
      lambdaCpuAtMostS5cmd: null,
      lambdaCpuWithin1_1OfSdkLoop: null,
      latencyEfficiencyAtLeast0_9: null,
    });
    expect(f.bestPeer).toEqual(runs.peers[1]);
    expect(f.lambdaSweep).toHaveLength(2);
  });

  test('without rounds the sweeps\' best points stand in; without measurements the figures are null', () => {
    const f = benchFigures({ ...runs, headToHead: [], rounds: 0, memory: [], check: undefined });
    expect(f.rates).toMatchObject({ method: 'best point of each sweep', limit: 226.5, lambda: 199.2, bestPeer: 240.4, limitWithBackupRequest: 200.1 });
    expect(f.summary).toMatchObject({ lambdaToLimit: 0.879, memoryGrowth100kTo1k: null, memoryGrowth100kTo1kExtrapolated: null, checkSpeedupVsCfnLint: null, estimated100kSeconds: 502 });
    expect(f.summary.perRound).toEqual({ lambdaToLimit: null, lambdaToBestPeer: null, lambdaToLimitWithBackupRequest: null });
    // No measured 100k: the estimate decides (502 s < 870 s).
    expect(f.targets).toMatchObject({ memory100kWithin1_2xOf1k: null, checkAtLeast3xFasterThanCfnLint: null, hundredKInsideFifteenMinutes: true });
    const empty = benchFigures({ limit: [], limitExtras: {}, lambda: [], peers: [], headToHead: [], memory: [], rounds: 5, timeoutSeconds: 900 });
    expect(Object.values(empty.targets)).toEqual([null, null, null, null, null, null, null, null]);
    expect(empty.summary.documentsPer15MinInvocation).toBeNull();
  });

  test('memory points: VmHWM first, the median of the repeats, a pessimistic linear 100k', () => {
    expect(memoryPointOf(1000, lambdaRun(100, { memory: { hwmMB: 134, peakRssMB: 130, reportMaxMemoryUsedMB: 131, samples: [] } }))).toMatchObject({ source: 'VmHWM (fresh process)', peakMB: 134 });
    expect(memoryPointOf(1000, lambdaRun(100, { memory: { peakRssMB: 130, reportMaxMemoryUsedMB: 131, samples: [] } }))).toMatchObject({ source: 'REPORT Max Memory Used', peakMB: 131 });
    expect(memoryPointOf(1000, lambdaRun(100, { memory: { samples: [] } }))).toMatchObject({ source: 'sampled VmRSS', peakMB: null });
    const repeats = [137, 132, 134].map((peakMB): MemoryPoint => ({ documents: 1000, source: 'VmHWM (fresh process)', peakMB, extrapolated: false }));
    expect(medianPoint(repeats)).toEqual({ documents: 1000, source: 'VmHWM (fresh process)', peakMB: 134, extrapolated: false, repeatsMB: [137, 132, 134] });
    // An even count takes the upper middle run (the cautious side); one run has no repeats.
    expect(medianPoint(repeats.slice(0, 2)).peakMB).toBe(137);
    expect(medianPoint(repeats.slice(0, 1)).repeatsMB).toBeUndefined();
    expect(extrapolate100k(memory.slice(0, 2))).toEqual({ documents: 100_000, source: 'extrapolated', peakMB: 200, extrapolated: true });
    // Memory that shrank from 1k to 10k extrapolates flat, never down.
    expect(extrapolate100k([memory[1]!, memory[0]!])?.peakMB).toBe(134);
    expect(extrapolate100k(memory.slice(0, 1))).toBeUndefined();
  });
});

test.describe('bench result', () => {
  const figures = benchFigures(runs);
  const result = benchResult({
    runs,
    figures,
    generatedAt: '2026-11-29T08:30:43.255Z',
    wallClockSeconds: 1560,
    machine: { cpus: 2, loadAverageAtStart: [2.1, 3, 4], loadAverageAtEnd: [4.5, 3.9, 3.5], node: 'v24.0.0' },
    localstack: { mode: 'host', endpoint: 'http://127.0.0.1:4566' },
    stack: { stackName: 'load-prod-x', environment: 'prod', copyConcurrency: 64, timeoutSeconds: 900, memorySizeMB: 1024 },
    docs: { spec: { count: 2000, seed: 7, minSize: 256, maxSize: 65_536, prefix: 'bench/' }, expected: new Map(), bytes: 23_700_000, seedMs: 9000 },
  });

  test('the JSON field names are the interface: headline ratios, targets, raw figures', () => {
    expect(Object.keys(result)).toEqual([
      'lambdaToLimit', 'lambdaToBestPeer', 'memoryGrowth100kTo1k', 'memoryGrowth100kTo1kExtrapolated', 'memoryGrowth100kTo10k', 'checkSpeedupVsCfnLint',
      'checkCorpus', 'sweepLambdaToLimit', 'sweepLambdaToBestPeer', 'lambdaTemplateConcurrencyToLimit', 'lambdaToLimitWithBackupRequest', 'perRound',
      'estimated100kSeconds', 'documentsPer15MinInvocation', 'cpuMsPerDocument', 'serverCpuMsPerDocument', 'lambdaCpuToS5cmd', 'lambdaCpuToSdkLoop', 'lambdaCpuToRequestLoop', 'cpuSpread',
      'latencyEfficiency', 's5cmdLatencyEfficiency', 'latencyServiceMs', 'latencyEfficiencyGivenServiceTime', 'targets', 'raw',
    ]);
    expect(Object.keys(result.raw)).toEqual(['generatedAt', 'wallClockSeconds', 'machine', 'localstack', 'stack', 'documents', 'rates', 'headToHead', 'limit', 'lambda', 'peers', 'check', 'cpu', 'latency', 'profile', 'memory']);
    expect(result.raw.stack).toEqual({ stackName: 'load-prod-x', environment: 'prod', templateCopyConcurrency: 64, timeoutSeconds: 900, memorySizeMB: 1024 });
    expect(result.raw.documents).toEqual({ count: 2000, bytes: 23_700_000, minSize: 256, maxSize: 65_536, seed: 7 });
    expect(result.raw.limit).toEqual({ best: runs.limit[1], sweep: runs.limit, plainCopy: runs.limitExtras.plainCopy, backupCopy: runs.limitExtras.backupCopy });
    // Lambda runs carry their memory samples as a count.
    expect(result.raw.lambda.best).toMatchObject({ documentsPerSecond: 199.2, memory: { samples: 2 } });
    expect(result.raw.lambda.templateConcurrency).toMatchObject({ concurrency: 16, concurrencySource: 'template' });
    expect(result.raw.lambda.sweep.map((r) => r.concurrency)).toEqual([32, 64]);
    expect(result.raw.peers).toMatchObject({ best: { tool: 's5cmd cp', concurrency: 16 }, bestAwsS3Sync: { concurrency: 64 }, bestS5cmd: { concurrency: 16 } });
    expect(result.raw.memory[2]).toEqual({
      documents: 100_000, source: 'VmHWM (fresh process)', peakMB: 152, extrapolated: false,
      sampledPeakRssMB: null, reportMaxMemoryUsedMB: null, documentsPerSecond: 198.1, lambdaDurationMs: 505_000, status: 'complete', verified: 2000,
    });
    expect(result.raw.memory[0]).toEqual(memory[0]);
    expect(JSON.parse(JSON.stringify(result)).raw.rates).toEqual({ method: 'median of 3 interleaved rounds at the best settings', limit: 238.8, lambda: 165.3, bestPeer: 290.8, bestPeerTool: 's5cmd cp', limitWithBackupRequest: 211.7 });
  });

  test('the HTML summary and the log lines say the same', () => {
    expect(benchSummaryRows(result)).toEqual([
      ['rates', 'median of 3 interleaved rounds at the best settings'],
      ['Lambda / limit', '0.692 (target >= 0.9; 165.3 vs 238.8 documents/s)'],
      ['Lambda / best peer', '0.568 (target >= 1; best peer s5cmd cp, 290.8 documents/s)'],
      ['per round', 'Lambda / limit median 0.692, 0.68 to 0.696 over 3 rounds; Lambda / best peer median 0.568, 0.567 to 0.571 over 3 rounds'],
      ['memory 100k / 1k', '1.134 (target <= 1.2)'],
      ['check vs cfn-lint', '3.536x (target >= 3; medians 840 ms vs 2970 ms)'],
      ['check vs cfn-lint, many templates', 'n/a'],
      ['100k documents', "605 s estimated at the Lambda's rate (limit 900 s)"],
      ['machine', '2 CPUs, load average 2.1 3 4 at start, 4.5 3.9 3.5 at end; LocalStack host'],
    ]);
    expect(spread('Lambda / limit', null)).toBe('Lambda / limit n/a');
    expect(targetsLine(result.targets)).toBe('lambdaAtLeast0_9OfLimit=MISSED, lambdaAtLeastBestPeer=MISSED, memory100kWithin1_2xOf1k=met, checkAtLeast3xFasterThanCfnLint=met, hundredKInsideFifteenMinutes=met, lambdaCpuAtMostS5cmd=n/a, lambdaCpuWithin1_1OfSdkLoop=n/a, latencyEfficiencyAtLeast0_9=n/a');
    const bars = throughputBars(runs);
    expect(bars).toHaveLength(3 + 3 + 3 + headToHead.length);
    expect(bars.slice(3, 6).map((b) => b.label)).toEqual(['Lambda c=32', 'Lambda c=64', 'Lambda c=16 (template)']);
    expect(bars.at(-1)).toEqual({ label: 'round 3: lambda (incomplete)', v: 9999, color: '#111827' });
  });
});
