// Pure: every figure the benchmark reports, from the runs it made. The JSON field names are an interface
// (README "Benchmark", reports/bench-*.json): the headline ratios, the targets, and the rates behind them.
import type { BackupRun } from '../load/run.ts';
import type { CommandTiming, CorpusTiming } from './commands.ts';
import type { CopyLoopResult } from './limit.ts';
import type { PeerRun } from './peers.ts';
import { best, median, ratio } from './stats.ts';
import { cpuFigures, latencyFigures, type CpuRun, type LatencyRun, type ProfileRun } from './cpu-figures.ts';

export type ContenderName = 'limit' | 'limit, backup request' | 'lambda' | PeerRun['tool'];

export interface HeadToHeadRun {
  round: number;
  /** 1 = ran first in its round. */
  position: number;
  contender: ContenderName;
  setting: string;
  documentsPerSecond: number;
  /** Every document landed (and, for the Lambda, verified); incomplete runs are not counted. */
  complete: boolean;
}

export interface MemoryPoint {
  documents: number;
  /** Which figure `peakMB` is: VmHWM of a fresh handler process, the sampled VmRSS peak, or the REPORT line. */
  source: 'VmHWM (fresh process)' | 'sampled VmRSS' | 'REPORT Max Memory Used' | 'extrapolated';
  peakMB: number | null;
  /** Every run's peak when the point was measured more than once (peakMB is their median). */
  repeatsMB?: (number | null)[];
  extrapolated: boolean;
  run?: BackupRun;
}

export type CheckComparison = { check: CommandTiming; checkDirect: CommandTiming; cfnLint: CommandTiming; corpus?: CorpusTiming };

/**
 * The many-template figure: each tool's median over all the files in one process, per template, and how many
 * times faster check is. Per-template times include each process's start-up, spread over the files.
 */
export function corpusFigure(corpus: CorpusTiming | undefined) {
  if (!corpus || corpus.files.length === 0) return null;
  const n = corpus.files.length;
  const per = (ms: number) => +(ms / n).toFixed(1);
  return {
    source: corpus.source,
    templates: n,
    checkMs: corpus.check.medianMs,
    cfnLintMs: corpus.cfnLint.medianMs,
    checkPerTemplateMs: per(corpus.check.medianMs),
    cfnLintPerTemplateMs: per(corpus.cfnLint.medianMs),
    runs: corpus.check.runsMs.length,
    speedupVsCfnLint: ratio(corpus.cfnLint.medianMs, corpus.check.medianMs),
  };
}

export const verified = (r: BackupRun) => r.verification !== undefined && r.verification.verified === r.verification.expected;
export const landedAll = (p: PeerRun) => p.documents === p.expected && p.exitCode === 0;
export const bestPeerOf = (peers: readonly PeerRun[], tool: PeerRun['tool']) => best(peers.filter((p) => p.tool === tool && landedAll(p)));

/** Round `round` (from 1) runs the contenders rotated by round - 1, so each takes every position in turn. */
export const roundOrder = <T>(contenders: readonly T[], round: number): T[] => contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);

/** A memory point from one run: VmHWM of the fresh process when seen, else the REPORT line, else the sampled RSS. */
export function memoryPointOf(documents: number, run: BackupRun): MemoryPoint {
  const m = run.memory;
  if (m.hwmMB !== undefined) return { documents, source: 'VmHWM (fresh process)', peakMB: m.hwmMB, extrapolated: false, run };
  if (m.reportMaxMemoryUsedMB !== undefined) return { documents, source: 'REPORT Max Memory Used', peakMB: m.reportMaxMemoryUsedMB, extrapolated: false, run };
  return { documents, source: 'sampled VmRSS', peakMB: m.peakRssMB ?? null, extrapolated: false, run };
}

/** The median run stands for the point (for an even count, the upper middle one: the cautious side). */
export function medianPoint(points: readonly MemoryPoint[]): MemoryPoint {
  const sorted = [...points].sort((a, b) => (a.peakMB ?? Infinity) - (b.peakMB ?? Infinity));
  return { ...sorted[Math.floor(sorted.length / 2)]!, ...(points.length > 1 ? { repeatsMB: points.map((p) => p.peakMB) } : {}) };
}

/**
 * 100k documents, linear in the document count through the 1k and 10k points: a deliberately pessimistic
 * guess for a design whose memory should not grow with the count at all. Undefined without both points.
 */
export function extrapolate100k(memory: readonly MemoryPoint[]): MemoryPoint | undefined {
  const [p1, p10] = memory;
  if (p1?.peakMB == null || p10?.peakMB == null) return undefined;
  const slope = (p10.peakMB - p1.peakMB) / 9000;
  return { documents: 100_000, source: 'extrapolated', peakMB: Math.round(p10.peakMB + Math.max(0, slope) * 90_000), extrapolated: true };
}

export interface BenchRuns {
  limit: CopyLoopResult[];
  limitExtras: { plainCopy?: CopyLoopResult; backupCopy?: CopyLoopResult };
  lambda: BackupRun[];
  peers: PeerRun[];
  headToHead: HeadToHeadRun[];
  memory: MemoryPoint[];
  check?: CheckComparison;
  /** --rounds, as asked (it names the method). */
  rounds: number;
  /** The function's timeout: a 15-minute invocation less the 30 s safety margin bounds what one run can do. */
  timeoutSeconds: number;
  /** CPU rounds (issue #18): every contender's own CPU and LocalStack's, per run. */
  cpu?: CpuRun[];
  /** The handler and s5cmd behind the latency-only fault proxy. */
  latency?: LatencyRun[];
  /** The handler process's CPU profile, summarized. */
  profile?: ProfileRun;
}

export function benchFigures(runs: BenchRuns) {
  const { limit, limitExtras, lambda, peers, headToHead, memory, check } = runs;
  const bestLimit = best(limit);
  const lambdaSweep = lambda.filter((r) => r.concurrencySource === 'event override');
  const bestLambda = best(lambda.filter(verified));
  const lambdaTemplate = lambda.find((r) => r.concurrencySource === 'template');
  const bestPeer = best(peers.filter(landedAll));
  const bestAws = bestPeerOf(peers, 'aws s3 sync');
  const bestS5 = bestPeerOf(peers, 's5cmd cp');
  // The rates the ratios use: head-to-head medians when rounds ran, else the single sweep's best points.
  const medianOf = (name: ContenderName) => median(headToHead.filter((r) => r.contender === name && r.complete).map((r) => r.documentsPerSecond));
  const h2h = headToHead.length > 0;
  const peerRates = (['s5cmd cp', 'aws s3 sync'] as const).map((tool) => ({ tool, rate: h2h ? medianOf(tool) : bestPeerOf(peers, tool)?.documentsPerSecond }));
  const topPeer = peerRates.reduce<(typeof peerRates)[number] | undefined>((b, p) => (p.rate !== undefined && (!b || p.rate > b.rate!) ? p : b), undefined);
  const rates = {
    method: h2h ? `median of ${runs.rounds} interleaved rounds at the best settings` : 'best point of each sweep',
    limit: h2h ? medianOf('limit') : bestLimit?.documentsPerSecond,
    lambda: h2h ? medianOf('lambda') : bestLambda?.documentsPerSecond,
    bestPeer: topPeer?.rate,
    bestPeerTool: topPeer?.tool ?? null,
    /** The limit loop sending the Lambda's own CopyObject (tags and conditions too); not a target. */
    limitWithBackupRequest: h2h ? medianOf('limit, backup request') : limitExtras.backupCopy?.documentsPerSecond,
  };
  // Each round's own ratio: both runs a few seconds apart, so drift between rounds (steal time, LocalStack's
  // growing state) cancels. Their spread shows how far a single measurement can be trusted.
  const roundRatios = (name: ContenderName | undefined) => {
    const per = [...new Set(headToHead.map((r) => r.round))].flatMap((round) => {
      const of = (n: ContenderName | undefined) => headToHead.find((r) => r.round === round && r.contender === n && r.complete)?.documentsPerSecond;
      const value = ratio(of('lambda'), of(name));
      return value === null ? [] : [value];
    });
    return per.length ? { median: median(per, 3)!, min: Math.min(...per), max: Math.max(...per), rounds: per } : null;
  };
  const perRound = { lambdaToLimit: roundRatios('limit'), lambdaToBestPeer: roundRatios(topPeer?.tool), lambdaToLimitWithBackupRequest: roundRatios('limit, backup request') };
  const m1k = memory.find((m) => m.documents === 1000)?.peakMB ?? undefined;
  const m100k = memory.find((m) => m.documents === 100_000);
  const rate = rates.lambda;
  const cpu = cpuFigures(runs.cpu ?? []);
  const latency = latencyFigures(runs.latency ?? []);
  const summary = {
    lambdaToLimit: ratio(rates.lambda, rates.limit),
    lambdaToBestPeer: ratio(rates.lambda, rates.bestPeer),
    memoryGrowth100kTo1k: ratio(m100k?.peakMB ?? undefined, m1k),
    memoryGrowth100kTo1kExtrapolated: m100k ? m100k.extrapolated : null,
    memoryGrowth100kTo10k: ratio(m100k?.peakMB ?? undefined, memory.find((m) => m.documents === 10_000)?.peakMB ?? undefined),
    checkSpeedupVsCfnLint: check ? ratio(check.cfnLint.medianMs, check.check.medianMs) : null,
    /** check and cfn-lint each over the same many templates in one process (100 by default). */
    checkCorpus: corpusFigure(check?.corpus),
    /** The same two ratios from the sweeps' single best points (noisier: one run each, in blocks). */
    sweepLambdaToLimit: ratio(bestLambda?.documentsPerSecond, bestLimit?.documentsPerSecond),
    sweepLambdaToBestPeer: ratio(bestLambda?.documentsPerSecond, bestPeer?.documentsPerSecond),
    lambdaTemplateConcurrencyToLimit: ratio(lambdaTemplate?.documentsPerSecond, bestLimit?.documentsPerSecond),
    /** The Lambda against the limit loop sending the same CopyObject: the cost of its machinery alone. */
    lambdaToLimitWithBackupRequest: ratio(rates.lambda, rates.limitWithBackupRequest),
    /** The same ratios per head-to-head round (median, range, each round's value); not the headline figures. */
    perRound,
    estimated100kSeconds: rate ? Math.round(100_000 / rate) : null,
    documentsPer15MinInvocation: rate ? Math.floor(rate * (runs.timeoutSeconds - 30)) : null,
    ...cpu,
    ...latency,
  };
  const targets = {
    lambdaAtLeast0_9OfLimit: summary.lambdaToLimit !== null ? summary.lambdaToLimit >= 0.9 : null,
    lambdaAtLeastBestPeer: summary.lambdaToBestPeer !== null ? summary.lambdaToBestPeer >= 1 : null,
    memory100kWithin1_2xOf1k: summary.memoryGrowth100kTo1k !== null ? summary.memoryGrowth100kTo1k <= 1.2 : null,
    checkAtLeast3xFasterThanCfnLint: summary.checkSpeedupVsCfnLint !== null ? summary.checkSpeedupVsCfnLint >= 3 : null,
    hundredKInsideFifteenMinutes:
      m100k && !m100k.extrapolated && m100k.run
        ? m100k.run.status === 'complete' && (m100k.run.lambdaDurationMs ?? Infinity) < 900_000
        : summary.estimated100kSeconds !== null
          ? summary.estimated100kSeconds < 870
          : null,
    lambdaCpuAtMostS5cmd: summary.lambdaCpuToS5cmd !== null ? summary.lambdaCpuToS5cmd <= 1 : null,
    lambdaCpuWithin1_1OfSdkLoop: summary.lambdaCpuToSdkLoop !== null ? summary.lambdaCpuToSdkLoop <= 1.1 : null,
    latencyEfficiencyAtLeast0_9: summary.latencyEfficiency !== null ? summary.latencyEfficiency >= 0.9 : null,
  };
  return { bestLimit, lambdaSweep, bestLambda, lambdaTemplate, bestPeer, bestAws, bestS5, rates, perRound, m100k, summary, targets };
}

export type BenchFigures = ReturnType<typeof benchFigures>;
export type RoundRatios = BenchFigures['perRound']['lambdaToLimit'];
