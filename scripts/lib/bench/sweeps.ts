// The benchmark's measurements (I/O): each contender swept for its best setting, the head-to-head rounds at
// those settings, and the handler's memory at 1k/10k(/100k) documents. The figures are computed from what
// these return by figures.ts (pure).
import type { AwsTarget } from '../aws/clients.ts';
import { deployLoadStack, type LoadStack } from '../load/stack.ts';
import { measureBackup, type BackupRun } from '../load/run.ts';
import type { SeededSet } from '../load/documents.ts';
import { loadAverage } from '../load/report.ts';
import { copyLoop, type CopyLoopResult } from './limit.ts';
import { awsSync, ensureS5cmd, s5cmdCopy, type PeerRun } from './peers.ts';
import { best } from './stats.ts';
import { bestPeerOf, extrapolate100k, landedAll, medianPoint, memoryPointOf, roundOrder, verified, type BenchRuns, type ContenderName, type HeadToHeadRun, type MemoryPoint } from './figures.ts';

export interface BenchContext {
  target: AwsTarget;
  stack: LoadStack;
  /** Where the limit loop and the peers copy to. */
  scratchBucket: string;
  log: (message: string) => void;
  /** Seeds documents into the stack's source bucket (seed 7), with progress. */
  seed: (spec: { count: number; prefix: string; minSize: number; maxSize: number }) => Promise<SeededSet>;
}

export const loadNote = () => `load average ${loadAverage().join(' ')}`;

/** Run dates far from today, one per Lambda run, so every run starts on an empty backups/<date>/ as a daily run does. */
let dateCounter = 0;
export const nextRunDate = () => new Date(Date.UTC(2031, 0, 1) + dateCounter++ * 86_400_000).toISOString().slice(0, 10);

/** The throughput set: its keys and the peers' job description. */
export function throughputJob(ctx: BenchContext, docs: SeededSet) {
  const keys = [...docs.expected.keys()];
  const copyAll = (destPrefix: string, concurrency: number, request?: 'plain-copy' | 'backup-copy') =>
    copyLoop(ctx.target, { sourceBucket: ctx.stack.sourceBucket, keys, destBucket: ctx.scratchBucket, destPrefix, kmsKeyArn: ctx.stack.kmsKeyArn, concurrency, ...(request ? { request } : {}) });
  const job = { sourceBucket: ctx.stack.sourceBucket, sourcePrefix: 'bench/', destBucket: ctx.scratchBucket, kmsKeyArn: ctx.stack.kmsKeyArn, expected: docs.expected.size };
  return { docs, copyAll, job };
}
export type ThroughputJob = ReturnType<typeof throughputJob>;

/** 1. the limit, swept; then at its best concurrency what SSE-KMS and the checksum cost, and what the Lambda's own request costs. */
export async function sweepLimit(ctx: BenchContext, t: ThroughputJob, concurrencies: number[]): Promise<Pick<BenchRuns, 'limit' | 'limitExtras'>> {
  const limit: CopyLoopResult[] = [];
  for (const c of concurrencies) {
    const r = await t.copyAll(`limit-${c}/`, c);
    limit.push(r);
    ctx.log(`limit   concurrency ${String(c).padStart(3)}: ${r.documentsPerSecond} copies/s (${r.failed} failed; ${loadNote()})`);
  }
  // What SSE-KMS and the checksum cost: a copy without them (what the peers send), at the limit's best concurrency.
  const c = best(limit)?.concurrency ?? 32;
  const plainCopy = await t.copyAll(`plain-${c}/`, c, 'plain-copy');
  ctx.log(`limit   at ${c}: plain copies (no SSE-KMS, no checksum) ${plainCopy.documentsPerSecond}/s`);
  // What the Lambda's own request costs the emulator: its tags and its two conditions on top of the limit's copy.
  const backupCopy = await t.copyAll(`backup-copy-${c}/`, c, 'backup-copy');
  ctx.log(`limit   at ${c}: the Lambda's CopyObject (also tags, CopySourceIfMatch, If-None-Match) ${backupCopy.documentsPerSecond}/s`);
  return { limit, limitExtras: { plainCopy, backupCopy } };
}

/** 2. the Lambda through the Lambda API, swept by the manual event's override, then once at the template's setting. */
export async function sweepLambda(ctx: BenchContext, t: ThroughputJob, concurrencies: number[]): Promise<BackupRun[]> {
  const lambda: BackupRun[] = [];
  for (const c of concurrencies) {
    const r = await measureBackup(ctx.stack, { runDate: nextRunDate(), prefix: 'bench/', concurrency: c, expected: t.docs.expected });
    lambda.push(r);
    ctx.log(`lambda  concurrency ${String(c).padStart(3)}: ${r.documentsPerSecond} documents/s, verified ${r.verification?.verified ?? 0}/${t.docs.expected.size}, ${r.status ?? r.functionError} (${loadNote()})`);
  }
  const atTemplate = await measureBackup(ctx.stack, { runDate: nextRunDate(), prefix: 'bench/', expected: t.docs.expected });
  lambda.push(atTemplate);
  ctx.log(`lambda  template COPY_CONCURRENCY ${ctx.stack.copyConcurrency}: ${atTemplate.documentsPerSecond} documents/s (${loadNote()})`);
  return lambda;
}

/** 3. the peers: aws s3 sync by max_concurrent_requests, s5cmd by numworkers (when it can be had). */
export async function sweepPeers(ctx: BenchContext, t: ThroughputJob, awsConcurrency: number[], s5cmdWorkers: number[]): Promise<PeerRun[]> {
  const peers: PeerRun[] = [];
  for (const c of awsConcurrency) {
    const r = await awsSync(ctx.target, { ...t.job, destPrefix: `aws-${c}/` }, c);
    peers.push(r);
    ctx.log(`aws s3 sync max_concurrent_requests ${String(c).padStart(3)}: ${r.documentsPerSecond} documents/s (${r.documents}/${r.expected}, exit ${r.exitCode}; ${loadNote()})`);
  }
  if (ensureS5cmd(ctx.log)) {
    for (const w of s5cmdWorkers) {
      const r = await s5cmdCopy(ctx.target, { ...t.job, destPrefix: `s5cmd-${w}/` }, w);
      peers.push(r);
      ctx.log(`s5cmd cp --numworkers ${String(w).padStart(3)}: ${r.documentsPerSecond} documents/s (${r.documents}/${r.expected}, exit ${r.exitCode}; ${loadNote()})`);
    }
  }
  return peers;
}

interface Contender {
  name: ContenderName;
  setting: string;
  run: (tag: string) => Promise<{ documentsPerSecond: number; complete: boolean }>;
}

/** Head to head: each contender again at its best setting, interleaved, the order rotating every round. */
export async function headToHeadRounds(ctx: BenchContext, t: ThroughputJob, swept: Pick<BenchRuns, 'limit' | 'lambda' | 'peers'>, rounds: number): Promise<HeadToHeadRun[]> {
  const contenders: Contender[] = [];
  const limitBest = best(swept.limit);
  if (limitBest) {
    contenders.push({
      name: 'limit', setting: `concurrency ${limitBest.concurrency}`,
      run: async (tag) => {
        const r = await t.copyAll(`h2h-limit-${tag}/`, limitBest.concurrency);
        return { documentsPerSecond: r.documentsPerSecond, complete: r.failed === 0 };
      },
    });
    // Not a target: splits the Lambda's distance to the limit into its request and its machinery.
    contenders.push({
      name: 'limit, backup request', setting: `concurrency ${limitBest.concurrency}`,
      run: async (tag) => {
        const r = await t.copyAll(`h2h-backup-copy-${tag}/`, limitBest.concurrency, 'backup-copy');
        return { documentsPerSecond: r.documentsPerSecond, complete: r.failed === 0 };
      },
    });
  }
  const sweepBestLambda = best(swept.lambda.filter(verified));
  if (sweepBestLambda) {
    const override = sweepBestLambda.concurrencySource === 'event override' ? sweepBestLambda.concurrency : undefined;
    contenders.push({
      name: 'lambda', setting: override !== undefined ? `event override ${override}` : `template ${ctx.stack.copyConcurrency}`,
      run: async () => {
        const r = await measureBackup(ctx.stack, { runDate: nextRunDate(), prefix: 'bench/', expected: t.docs.expected, ...(override !== undefined ? { concurrency: override } : {}) });
        return { documentsPerSecond: r.documentsPerSecond, complete: verified(r) };
      },
    });
  }
  for (const peer of [bestPeerOf(swept.peers, 's5cmd cp'), bestPeerOf(swept.peers, 'aws s3 sync')]) {
    if (!peer) continue;
    const copy = peer.tool === 's5cmd cp' ? s5cmdCopy : awsSync;
    contenders.push({
      name: peer.tool, setting: peer.setting,
      run: async (tag) => {
        const r = await copy(ctx.target, { ...t.job, destPrefix: `h2h-${peer.tool === 's5cmd cp' ? 's5cmd' : 'aws'}-${tag}/` }, peer.concurrency);
        return { documentsPerSecond: r.documentsPerSecond, complete: landedAll(r) };
      },
    });
  }
  const headToHead: HeadToHeadRun[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const [position, c] of roundOrder(contenders, round).entries()) {
      const r = await c.run(String(round));
      headToHead.push({ round, position: position + 1, contender: c.name, setting: c.setting, ...r });
      ctx.log(`round ${round}/${rounds}  ${c.name.padEnd(21)} ${c.setting}: ${r.documentsPerSecond} documents/s${r.complete ? '' : ' (INCOMPLETE, not counted)'} (${loadNote()})`);
    }
  }
  return headToHead;
}

/**
 * 5. memory: each point on a fresh stack (same source bucket), whose function starts a fresh handler process,
 * so VmHWM is that run's peak. Points below 100k are measured `repeats` times and the median stands for them;
 * without `full`, 100k is extrapolated (and labelled so).
 */
export async function measureMemory(ctx: BenchContext, opts: { full: boolean; repeats: number }): Promise<{ memory: MemoryPoint[]; stacks: string[] }> {
  const memory: MemoryPoint[] = [];
  const stacks: string[] = [];
  const sizes = opts.full ? [1000, 10_000, 100_000] : [1000, 10_000];
  for (const n of sizes) {
    // Small documents: the handler's memory is about document count, not bytes (copies are server-side).
    const set = await ctx.seed({ count: n, prefix: `mem-${n}/`, minSize: 64, maxSize: 4096 });
    // A short run's peak depends on where V8's collection cycle happens to stand when it ends (+-10 MiB
    // measured at 1k), so the cheap points are measured --memory-repeats times and the median is used.
    const repeats = n < 100_000 ? opts.repeats : 1;
    const points: MemoryPoint[] = [];
    for (let i = 1; i <= repeats; i++) {
      const fresh = await deployLoadStack(ctx.target, { environment: 'prod', sourceBucket: ctx.stack.sourceBucket });
      stacks.push(fresh.stackName);
      const run = await measureBackup(fresh, { runDate: nextRunDate(), prefix: `mem-${n}/`, expected: set.expected });
      const m = run.memory;
      const point = memoryPointOf(n, run);
      points.push(point);
      ctx.log(`memory  ${String(n).padStart(6)} documents${repeats > 1 ? ` (${i}/${repeats})` : ''}: peak ${point.peakMB} MiB (${point.source}; sampled ${m.peakRssMB ?? '?'}, REPORT ${m.reportMaxMemoryUsedMB ?? 'none'}), ${run.documentsPerSecond} documents/s, ${((run.lambdaDurationMs ?? 0) / 1000).toFixed(1)} s, ${run.status ?? run.functionError}, verified ${run.verification?.verified ?? 0}/${n}`);
    }
    memory.push(medianPoint(points));
  }
  if (!opts.full) {
    const guess = extrapolate100k(memory);
    if (guess) {
      memory.push(guess);
      ctx.log(`memory  100000 documents: ~${guess.peakMB} MiB EXTRAPOLATED linearly from 1k and 10k (run with --full to measure)`);
    }
  }
  return { memory, stacks };
}
