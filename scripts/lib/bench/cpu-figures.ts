// Pure: the CPU-per-document and latency-tolerance figures (issue #18) from the runs cpu-sections.ts made.
// CPU per document is each contender's own CPU (kernel accounting of its own process) over the documents it
// copied; on AWS, where S3 does not share the client's vCPU, that figure caps documents per second.
import type { ProfileSummary } from './profile.ts';
import { median, ratio } from './stats.ts';

/** requestLoop: the bare loop over the Lambda's own client (its CopyObject path, direct-copy.ts); sdkLoop: over the SDK's. */
export const CPU_CONTENDERS = ['lambda', 'requestLoop', 'sdkLoop', 's5cmd', 'awsCli'] as const;
export type CpuContender = (typeof CPU_CONTENDERS)[number];

export interface CpuRun {
  round: number;
  /** 1 = ran first in its round. */
  position: number;
  contender: CpuContender;
  /** Copies in flight, the same for every contender of a run. */
  window: number;
  setting: string;
  documents: number;
  expected: number;
  ms: number;
  /** The contender's own CPU (user + system); undefined when it could not be read (then not counted). */
  cpuMs?: number;
  /** LocalStack's process tree (without handler processes) over the same run. */
  serverCpuMs?: number;
  /** Every document landed (for the Lambda: its run complete and verified). */
  complete: boolean;
}

export interface LatencyRun {
  contender: 'lambda' | 's5cmd';
  /** Added to every S3 request by the proxy; 0 for the baseline through the same proxy. */
  latencyMs: number;
  /** Copies in flight: the Lambda's concurrency override, s5cmd's --numworkers. */
  window: number;
  documents: number;
  /** The Lambda's own run time (listing to metrics); s5cmd's whole command. */
  ms: number;
  documentsPerSecond: number;
  complete: boolean;
}

export interface ProfileRun {
  window: number;
  documents: number;
  /** The profiled process's CPU over the invocation (profiling adds a little). */
  cpuMs: number;
  cpuMsPerDocument: number | null;
  summary: ProfileSummary;
  /** The bare loop over the Lambda's own client, profiled the same way at the same window: what the handler spends beyond its requests. */
  sdkLoop?: { documents: number; cpuMs: number; cpuMsPerDocument: number | null; summary: ProfileSummary };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Each counted round's value, in round order. */
  rounds: number[];
}

const spreadOf = (xs: number[]): Spread | null => (xs.length ? { median: median(xs, 3)!, min: Math.min(...xs), max: Math.max(...xs), rounds: xs } : null);
const perDoc = (ms: number | undefined, docs: number) => (ms !== undefined && docs > 0 ? +(ms / docs).toFixed(3) : undefined);

export function cpuFigures(runs: readonly CpuRun[]) {
  const counted = runs.filter((r) => r.complete);
  const per = (c: CpuContender, field: 'cpuMs' | 'serverCpuMs') =>
    spreadOf(counted.filter((r) => r.contender === c).flatMap((r) => perDoc(r[field], r.documents) ?? []));
  const table = (field: 'cpuMs' | 'serverCpuMs') => Object.fromEntries(CPU_CONTENDERS.map((c) => [c, per(c, field)])) as Record<CpuContender, Spread | null>;
  const client = table('cpuMs');
  const server = table('serverCpuMs');
  const medians = (t: Record<CpuContender, Spread | null>) => Object.fromEntries(CPU_CONTENDERS.map((c) => [c, t[c]?.median ?? null])) as Record<CpuContender, number | null>;
  // Each round's own ratio too: both runs minutes apart at most, so slow drift cancels; the spread shows the noise.
  const roundRatio = (other: CpuContender) =>
    spreadOf(
      [...new Set(counted.map((r) => r.round))].flatMap((round) => {
        const of = (c: CpuContender) => {
          const r = counted.find((x) => x.round === round && x.contender === c);
          return r ? perDoc(r.cpuMs, r.documents) : undefined;
        };
        const v = ratio(of('lambda'), of(other));
        return v === null ? [] : [v];
      }),
    );
  const cpuMsPerDocument = medians(client);
  return {
    cpuMsPerDocument,
    serverCpuMsPerDocument: medians(server),
    lambdaCpuToS5cmd: ratio(cpuMsPerDocument.lambda ?? undefined, cpuMsPerDocument.s5cmd ?? undefined),
    lambdaCpuToSdkLoop: ratio(cpuMsPerDocument.lambda ?? undefined, cpuMsPerDocument.sdkLoop ?? undefined),
    /** What the backup's own logic costs beyond its requests, sent the way it sends them. */
    lambdaCpuToRequestLoop: ratio(cpuMsPerDocument.lambda ?? undefined, cpuMsPerDocument.requestLoop ?? undefined),
    /** Median, range and every round's value, per contender, and each round's own Lambda ratios. */
    cpuSpread: { client, server, perRound: { lambdaCpuToS5cmd: roundRatio('s5cmd'), lambdaCpuToSdkLoop: roundRatio('sdkLoop'), lambdaCpuToRequestLoop: roundRatio('requestLoop') } },
  };
}

/** The ideal rate with `window` copies in flight, each taking `latencyMs`: window / latency. */
export const idealRate = (window: number, latencyMs: number) => (window * 1000) / latencyMs;

/**
 * latencyEfficiency: achieved / (window / latency), as the issue defines it. LocalStack's own time per request
 * (window / the baseline rate, from the run without added latency) comes on top of the added latency here, so
 * the figure given it, achieved / (window / (latency + service time)), shows what is left for the client to lose.
 */
export function latencyFigures(runs: readonly LatencyRun[]) {
  const run = (c: LatencyRun['contender'], delayed: boolean) => runs.find((x) => x.contender === c && x.complete && (x.latencyMs > 0) === delayed);
  const eff = (c: LatencyRun['contender']) => {
    const r = run(c, true);
    return r ? ratio(r.documentsPerSecond, idealRate(r.window, r.latencyMs)) : null;
  };
  const serviceMs = (c: LatencyRun['contender']) => {
    const b = run(c, false);
    return b && b.documentsPerSecond > 0 ? +((b.window * 1000) / b.documentsPerSecond).toFixed(1) : null;
  };
  const givenService = (c: LatencyRun['contender']) => {
    const r = run(c, true);
    const s = serviceMs(c);
    return r && s !== null ? ratio(r.documentsPerSecond, idealRate(r.window, r.latencyMs + s)) : null;
  };
  return {
    latencyEfficiency: eff('lambda'),
    s5cmdLatencyEfficiency: eff('s5cmd'),
    /** Per contender: LocalStack's time per request at the window (baseline), and the efficiency given it. */
    latencyServiceMs: { lambda: serviceMs('lambda'), s5cmd: serviceMs('s5cmd') },
    latencyEfficiencyGivenServiceTime: { lambda: givenService('lambda'), s5cmd: givenService('s5cmd') },
  };
}
