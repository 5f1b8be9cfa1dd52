// `npm run bench [-- --json] [--documents N] [--full]`
// Side by side, in one run, on one LocalStack and the same documents:
//   1. the limit: a tight SDK CopyObject loop (same request as the Lambda's copy), concurrency swept
//   2. the backup Lambda through the Lambda Invoke API (manual-event concurrency override swept)
//   3. the peers a user would pick instead: `aws s3 sync` and s5cmd, each swept for its best setting
//   then head to head: --rounds interleaved rounds of every contender at its best setting, in a rotating
//   order, so drift (LocalStack's growing state, a busy neighbour) hits all alike; the ratios use the medians
//   4. `npm run check` against the official cfn-lint on the canonical template (whole commands, medians)
//   5. the handler's peak memory at 1k and 10k documents (median of --memory-repeats fresh processes), and
//      100k once with --full (else extrapolated, labelled)
// With --json the last stdout line is ONE JSON object: the ratios of this run plus the raw figures.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { startLocalStack, type LocalStackHandle } from './lib/localstack/launcher.ts';
import { DEFAULT_REGION, type AwsTarget } from './lib/aws/clients.ts';
import { createBucket, uniqueName } from './lib/aws/resources.ts';
import { DeployError, DeployInputError } from './lib/deploy.ts';
import { cliProgram, displayPath, endpointUrlArg, failAndExit, positiveIntArg, progressReporter } from './lib/cli.ts';
import { deployLoadStack, loadAverage, machineInfo, measureBackup, REPORTS_DIR, seedDocumentSet, type BackupRun, type LoadStack, type SeededSet } from './lib/load.ts';
import { copyLoop, type CopyLoopResult } from './lib/bench/limit.ts';
import { awsSync, ensureS5cmd, s5cmdCopy, type PeerRun } from './lib/bench/peers.ts';
import { compareCheckWithCfnLint } from './lib/bench/commands.ts';
import { renderReport } from './lib/bench/html.ts';

const positiveInt = positiveIntArg;
function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more)`);
  return n;
}
const list = (value: string) => value.split(',').map((v) => positiveInt(v.trim()));

const SECTIONS = ['limit', 'lambda', 'peers', 'check', 'memory'] as const;
type Section = (typeof SECTIONS)[number];
const sections = (value: string): Section[] => {
  const list = value.split(',').map((v) => v.trim());
  const unknown = list.find((v) => !(SECTIONS as readonly string[]).includes(v));
  if (unknown !== undefined) throw new InvalidArgumentError(`"${unknown}" is not one of ${SECTIONS.join(', ')}`);
  return list as Section[];
};

const program = cliProgram('npm run bench --', 'Benchmarks the backup Lambda against the raw copy limit and peer tools, in one run.')
  .option('--documents <n>', 'documents for the throughput comparison (limit, Lambda, peers)', positiveInt, 2000)
  .option('--full', 'also measure the handler at 100,000 documents (slow; otherwise 100k is extrapolated from 1k and 10k)', false)
  .option('--json', 'end with one JSON line holding the ratios and the raw figures', false)
  .option('--check-runs <n>', 'measured runs of each command in the check comparison', positiveInt, 5)
  .option('--memory-repeats <n>', 'fresh-process runs per memory point below 100k (the median is used)', positiveInt, 3)
  .option('--rounds <n>', 'interleaved head-to-head rounds at the best settings (0: ratios from the sweeps)', nonNegativeInt, 5)
  .option('--limit-concurrency <list>', 'concurrency sweep of the limit loop', list, [8, 16, 32, 64, 128])
  .option('--lambda-concurrency <list>', 'concurrency sweep of the Lambda (manual-event override)', list, [16, 32, 64, 128])
  .option('--aws-concurrency <list>', 'max_concurrent_requests sweep of aws s3 sync', list, [10, 32, 64])
  .option('--s5cmd-workers <list>', 'numworkers sweep of s5cmd', list, [16, 64, 256])
  .option('--only <sections>', `comma-separated subset of ${SECTIONS.join(',')}`, sections, [...SECTIONS])
  .option('--endpoint <url>', 'use this LocalStack instead of starting one (default: LOCALSTACK_ENDPOINT, else embedded)', endpointUrlArg)
  .option('--no-progress', 'no progress bars');
program.parse();
const opts = program.opts<{
  documents: number; full: boolean; json: boolean; checkRuns: number; rounds: number; memoryRepeats: number; limitConcurrency: number[]; lambdaConcurrency: number[];
  awsConcurrency: number[]; s5cmdWorkers: number[]; only: Section[]; endpoint?: string; progress: boolean;
}>();
if (opts.endpoint) {
  process.env.LOCALSTACK_ENDPOINT = opts.endpoint;
  process.env.LOCALSTACK_MODE = 'external';
}
const want = (s: Section) => opts.only.includes(s);

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const best = <T extends { documentsPerSecond: number }>(xs: T[]): T | undefined => xs.reduce<T | undefined>((b, x) => (!b || x.documentsPerSecond > b.documentsPerSecond ? x : b), undefined);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? +(a / b).toFixed(3) : null);
const loadNote = () => `load average ${loadAverage().join(' ')}`;

const verified = (r: BackupRun) => r.verification !== undefined && r.verification.verified === r.verification.expected;
const landedAll = (p: PeerRun) => p.documents === p.expected && p.exitCode === 0;
const bestPeerOf = (peers: PeerRun[], tool: PeerRun['tool']) => best(peers.filter((p) => p.tool === tool && landedAll(p)));
const median = (xs: number[], digits = 1): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return +(s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2).toFixed(digits);
};

type ContenderName = 'limit' | 'limit, backup request' | 'lambda' | PeerRun['tool'];
interface Contender {
  name: ContenderName;
  setting: string;
  run: (tag: string) => Promise<{ documentsPerSecond: number; complete: boolean }>;
}
interface HeadToHeadRun {
  round: number;
  /** 1 = ran first in its round. */
  position: number;
  contender: ContenderName;
  setting: string;
  documentsPerSecond: number;
  /** Every document landed (and, for the Lambda, verified); incomplete runs are not counted. */
  complete: boolean;
}

/** Run dates far from today, one per Lambda run, so every run starts on an empty backups/<date>/ as a daily run does. */
let dateCounter = 0;
const nextRunDate = () => new Date(Date.UTC(2031, 0, 1) + dateCounter++ * 86_400_000).toISOString().slice(0, 10);

interface MemoryPoint {
  documents: number;
  /** Which figure `peakMB` is: VmHWM of a fresh handler process, the sampled VmRSS peak, or the REPORT line. */
  source: 'VmHWM (fresh process)' | 'sampled VmRSS' | 'REPORT Max Memory Used' | 'extrapolated';
  peakMB: number | null;
  /** Every run's peak when the point was measured more than once (peakMB is their median). */
  repeatsMB?: (number | null)[];
  extrapolated: boolean;
  run?: BackupRun;
}

const machine = machineInfo();
const startedAt = Date.now();
let localstack: LocalStackHandle | undefined;
let exitCode = 0;
let failure: string | undefined;
try {
  log(`machine: ${machine.cpus} CPUs, ${loadNote()} at start (other engineers' test runs may share it)`);
  localstack = await startLocalStack({ quiet: !opts.progress });
  const target: AwsTarget = { endpoint: localstack.endpoint, region: localstack.region ?? DEFAULT_REGION };
  log(`LocalStack (${localstack.mode}) at ${localstack.endpoint}`);

  // prod: the template's 15-minute timeout, which the 100k measurement needs.
  const deploying = progressReporter(opts.progress, 'bench');
  const stack = await deployLoadStack(target, { environment: 'prod', onProgress: deploying.update });
  deploying.stop();
  log(`stack ${stack.stackName}: COPY_CONCURRENCY ${stack.copyConcurrency} (template, prod), timeout ${stack.timeoutSeconds} s, memory ${stack.memorySizeMB} MB`);
  const scratch = uniqueName('bench-scratch');
  await createBucket(target, scratch);

  const seed = async (spec: { count: number; prefix: string; minSize: number; maxSize: number }): Promise<SeededSet> => {
    const bar = progressReporter(opts.progress, 'seed');
    const seeded = await seedDocumentSet(target, stack.sourceBucket, { ...spec, seed: 7 }, (done, total) => bar.update({ phase: `seed ${spec.prefix}`, message: 'documents', completed: done, total }));
    bar.stop();
    log(`seeded ${spec.count} documents under ${spec.prefix} (${(seeded.bytes / 1048576).toFixed(1)} MiB) at ${(spec.count / (seeded.seedMs / 1000)).toFixed(0)} PUT/s`);
    return seeded;
  };

  const needDocs = want('limit') || want('lambda') || want('peers');
  const docs = needDocs ? await seed({ count: opts.documents, prefix: 'bench/', minSize: 256, maxSize: 64 * 1024 }) : undefined;
  const keys = docs ? [...docs.expected.keys()] : [];
  const copyAll = (destPrefix: string, concurrency: number, request?: 'plain-copy' | 'backup-copy') =>
    copyLoop(target, { sourceBucket: stack.sourceBucket, keys, destBucket: scratch, destPrefix, kmsKeyArn: stack.kmsKeyArn, concurrency, ...(request ? { request } : {}) });
  const job = docs ? { sourceBucket: stack.sourceBucket, sourcePrefix: 'bench/', destBucket: scratch, kmsKeyArn: stack.kmsKeyArn, expected: docs.expected.size } : undefined;

  // 1. the limit
  const limit: CopyLoopResult[] = [];
  const limitExtras: { plainCopy?: CopyLoopResult; backupCopy?: CopyLoopResult } = {};
  if (want('limit') && docs) {
    for (const c of opts.limitConcurrency) {
      const r = await copyAll(`limit-${c}/`, c);
      limit.push(r);
      log(`limit   concurrency ${String(c).padStart(3)}: ${r.documentsPerSecond} copies/s (${r.failed} failed; ${loadNote()})`);
    }
    // What SSE-KMS and the checksum cost: a copy without them (what the peers send), at the limit's best concurrency.
    const c = best(limit)?.concurrency ?? 32;
    limitExtras.plainCopy = await copyAll(`plain-${c}/`, c, 'plain-copy');
    log(`limit   at ${c}: plain copies (no SSE-KMS, no checksum) ${limitExtras.plainCopy.documentsPerSecond}/s`);
    // What the Lambda's own request costs the emulator: its tags and its two conditions on top of the limit's copy.
    limitExtras.backupCopy = await copyAll(`backup-copy-${c}/`, c, 'backup-copy');
    log(`limit   at ${c}: the Lambda's CopyObject (also tags, CopySourceIfMatch, If-None-Match) ${limitExtras.backupCopy.documentsPerSecond}/s`);
  }

  // 2. the Lambda
  const lambda: BackupRun[] = [];
  if (want('lambda') && docs) {
    for (const c of opts.lambdaConcurrency) {
      const r = await measureBackup(stack, { runDate: nextRunDate(), prefix: 'bench/', concurrency: c, expected: docs.expected });
      lambda.push(r);
      log(`lambda  concurrency ${String(c).padStart(3)}: ${r.documentsPerSecond} documents/s, verified ${r.verification?.verified ?? 0}/${docs.expected.size}, ${r.status ?? r.functionError} (${loadNote()})`);
    }
    const atTemplate = await measureBackup(stack, { runDate: nextRunDate(), prefix: 'bench/', expected: docs.expected });
    lambda.push(atTemplate);
    log(`lambda  template COPY_CONCURRENCY ${stack.copyConcurrency}: ${atTemplate.documentsPerSecond} documents/s (${loadNote()})`);
  }

  // 3. the peers
  const peers: PeerRun[] = [];
  if (want('peers') && job) {
    for (const c of opts.awsConcurrency) {
      const r = await awsSync(target, { ...job, destPrefix: `aws-${c}/` }, c);
      peers.push(r);
      log(`aws s3 sync max_concurrent_requests ${String(c).padStart(3)}: ${r.documentsPerSecond} documents/s (${r.documents}/${r.expected}, exit ${r.exitCode}; ${loadNote()})`);
    }
    if (ensureS5cmd(log)) {
      for (const w of opts.s5cmdWorkers) {
        const r = await s5cmdCopy(target, { ...job, destPrefix: `s5cmd-${w}/` }, w);
        peers.push(r);
        log(`s5cmd cp --numworkers ${String(w).padStart(3)}: ${r.documentsPerSecond} documents/s (${r.documents}/${r.expected}, exit ${r.exitCode}; ${loadNote()})`);
      }
    }
  }

  // Head to head: each contender again at its best setting, interleaved, the order rotating every round.
  const headToHead: HeadToHeadRun[] = [];
  if (opts.rounds > 0 && docs && job) {
    const sweepBestLambda = best(lambda.filter(verified));
    const contenders: Contender[] = [];
    const limitBest = best(limit);
    if (limitBest) {
      contenders.push({
        name: 'limit', setting: `concurrency ${limitBest.concurrency}`,
        run: async (tag) => {
          const r = await copyAll(`h2h-limit-${tag}/`, limitBest.concurrency);
          return { documentsPerSecond: r.documentsPerSecond, complete: r.failed === 0 };
        },
      });
      // Not a target: splits the Lambda's distance to the limit into its request and its machinery.
      contenders.push({
        name: 'limit, backup request', setting: `concurrency ${limitBest.concurrency}`,
        run: async (tag) => {
          const r = await copyAll(`h2h-backup-copy-${tag}/`, limitBest.concurrency, 'backup-copy');
          return { documentsPerSecond: r.documentsPerSecond, complete: r.failed === 0 };
        },
      });
    }
    if (sweepBestLambda) {
      const override = sweepBestLambda.concurrencySource === 'event override' ? sweepBestLambda.concurrency : undefined;
      contenders.push({
        name: 'lambda', setting: override !== undefined ? `event override ${override}` : `template ${stack.copyConcurrency}`,
        run: async () => {
          const r = await measureBackup(stack, { runDate: nextRunDate(), prefix: 'bench/', expected: docs.expected, ...(override !== undefined ? { concurrency: override } : {}) });
          return { documentsPerSecond: r.documentsPerSecond, complete: verified(r) };
        },
      });
    }
    for (const peer of [bestPeerOf(peers, 's5cmd cp'), bestPeerOf(peers, 'aws s3 sync')]) {
      if (!peer) continue;
      const copy = peer.tool === 's5cmd cp' ? s5cmdCopy : awsSync;
      contenders.push({
        name: peer.tool, setting: peer.setting,
        run: async (tag) => {
          const r = await copy(target, { ...job, destPrefix: `h2h-${peer.tool === 's5cmd cp' ? 's5cmd' : 'aws'}-${tag}/` }, peer.concurrency);
          return { documentsPerSecond: r.documentsPerSecond, complete: landedAll(r) };
        },
      });
    }
    for (let round = 1; round <= opts.rounds; round++) {
      const order = contenders.map((_, i) => contenders[(i + round - 1) % contenders.length]!);
      for (const [position, c] of order.entries()) {
        const r = await c.run(String(round));
        headToHead.push({ round, position: position + 1, contender: c.name, setting: c.setting, ...r });
        log(`round ${round}/${opts.rounds}  ${c.name.padEnd(21)} ${c.setting}: ${r.documentsPerSecond} documents/s${r.complete ? '' : ' (INCOMPLETE, not counted)'} (${loadNote()})`);
      }
    }
  }

  // 5. memory (before the check comparison, so LocalStack is not idle-cooling in between)
  const memory: MemoryPoint[] = [];
  const memoryStacks: string[] = [];
  if (want('memory')) {
    const sizes = opts.full ? [1000, 10_000, 100_000] : [1000, 10_000];
    for (const n of sizes) {
      // Small documents: the handler's memory is about document count, not bytes (copies are server-side).
      const set = await seed({ count: n, prefix: `mem-${n}/`, minSize: 64, maxSize: 4096 });
      // A short run's peak depends on where V8's collection cycle happens to stand when it ends (+-10 MiB
      // measured at 1k), so the cheap points are measured --memory-repeats times and the median is used.
      const repeats = n < 100_000 ? opts.memoryRepeats : 1;
      const points: MemoryPoint[] = [];
      for (let i = 1; i <= repeats; i++) {
        // A fresh stack (same source bucket) per run: its function starts a fresh handler process, so VmHWM is this run's peak.
        const fresh: LoadStack = await deployLoadStack(target, { environment: 'prod', sourceBucket: stack.sourceBucket });
        memoryStacks.push(fresh.stackName);
        const run = await measureBackup(fresh, { runDate: nextRunDate(), prefix: `mem-${n}/`, expected: set.expected });
        const m = run.memory;
        const point: MemoryPoint =
          m.hwmMB !== undefined
            ? { documents: n, source: 'VmHWM (fresh process)', peakMB: m.hwmMB, extrapolated: false, run }
            : m.reportMaxMemoryUsedMB !== undefined
              ? { documents: n, source: 'REPORT Max Memory Used', peakMB: m.reportMaxMemoryUsedMB, extrapolated: false, run }
              : { documents: n, source: 'sampled VmRSS', peakMB: m.peakRssMB ?? null, extrapolated: false, run };
        points.push(point);
        log(`memory  ${String(n).padStart(6)} documents${repeats > 1 ? ` (${i}/${repeats})` : ''}: peak ${point.peakMB} MiB (${point.source}; sampled ${m.peakRssMB ?? '?'}, REPORT ${m.reportMaxMemoryUsedMB ?? 'none'}), ${run.documentsPerSecond} documents/s, ${((run.lambdaDurationMs ?? 0) / 1000).toFixed(1)} s, ${run.status ?? run.functionError}, verified ${run.verification?.verified ?? 0}/${n}`);
      }
      // The median run stands for the point (for an even count, the upper middle one: the cautious side).
      const sorted = [...points].sort((a, b) => (a.peakMB ?? Infinity) - (b.peakMB ?? Infinity));
      memory.push({ ...sorted[Math.floor(sorted.length / 2)]!, ...(repeats > 1 ? { repeatsMB: points.map((p) => p.peakMB) } : {}) });
    }
    if (!opts.full) {
      const [p1, p10] = memory;
      if (p1?.peakMB != null && p10?.peakMB != null) {
        // Linear in the document count through the two measured points: a deliberately pessimistic guess
        // for a design whose memory should not grow with the count at all.
        const slope = (p10.peakMB - p1.peakMB) / 9000;
        memory.push({ documents: 100_000, source: 'extrapolated', peakMB: Math.round(p10.peakMB + Math.max(0, slope) * 90_000), extrapolated: true });
        log(`memory  100000 documents: ~${memory[2]!.peakMB} MiB EXTRAPOLATED linearly from 1k and 10k (run with --full to measure)`);
      }
    }
  }

  // 4. check vs cfn-lint
  const check = want('check') ? await compareCheckWithCfnLint(opts.checkRuns) : undefined;
  if (check) log(`check   npm run check median ${check.check.medianMs} ms (tsx direct ${check.checkDirect.medianMs} ms) vs cfn-lint ${check.cfnLint.medianMs} ms over ${opts.checkRuns} runs each`);

  // ---------------------------------------------------------------- ratios
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
    method: h2h ? `median of ${opts.rounds} interleaved rounds at the best settings` : 'best point of each sweep',
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
  const summary = {
    lambdaToLimit: ratio(rates.lambda, rates.limit),
    lambdaToBestPeer: ratio(rates.lambda, rates.bestPeer),
    memoryGrowth100kTo1k: ratio(m100k?.peakMB ?? undefined, m1k),
    memoryGrowth100kTo1kExtrapolated: m100k ? m100k.extrapolated : null,
    memoryGrowth100kTo10k: ratio(m100k?.peakMB ?? undefined, memory.find((m) => m.documents === 10_000)?.peakMB ?? undefined),
    checkSpeedupVsCfnLint: check ? ratio(check.cfnLint.medianMs, check.check.medianMs) : null,
    /** The same two ratios from the sweeps' single best points (noisier: one run each, in blocks). */
    sweepLambdaToLimit: ratio(bestLambda?.documentsPerSecond, bestLimit?.documentsPerSecond),
    sweepLambdaToBestPeer: ratio(bestLambda?.documentsPerSecond, bestPeer?.documentsPerSecond),
    lambdaTemplateConcurrencyToLimit: ratio(lambdaTemplate?.documentsPerSecond, bestLimit?.documentsPerSecond),
    /** The Lambda against the limit loop sending the same CopyObject: the cost of its machinery alone. */
    lambdaToLimitWithBackupRequest: ratio(rates.lambda, rates.limitWithBackupRequest),
    /** The same ratios per head-to-head round (median, range, each round's value); not the headline figures. */
    perRound,
    estimated100kSeconds: rate ? Math.round(100_000 / rate) : null,
    documentsPer15MinInvocation: rate ? Math.floor(rate * (stack.timeoutSeconds - 30)) : null,
  };
  const targets = {
    lambdaAtLeast0_9OfLimit: summary.lambdaToLimit !== null ? summary.lambdaToLimit >= 0.9 : null,
    lambdaAtLeastBestPeer: summary.lambdaToBestPeer !== null ? summary.lambdaToBestPeer >= 1 : null,
    memory100kWithin1_2xOf1k: summary.memoryGrowth100kTo1k !== null ? summary.memoryGrowth100kTo1k <= 1.2 : null,
    checkAtLeast3xFasterThanCfnLint: summary.checkSpeedupVsCfnLint !== null ? summary.checkSpeedupVsCfnLint >= 3 : null,
    hundredKInsideFifteenMinutes: m100k && !m100k.extrapolated && m100k.run ? m100k.run.status === 'complete' && (m100k.run.lambdaDurationMs ?? Infinity) < 900_000 : summary.estimated100kSeconds !== null ? summary.estimated100kSeconds < 870 : null,
  };
  const strip = (r: BackupRun) => ({ ...r, memory: { ...r.memory, samples: r.memory.samples.length } });
  const raw = {
    generatedAt: new Date().toISOString(),
    wallClockSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    localstack: { mode: localstack.mode, endpoint: localstack.endpoint },
    stack: { stackName: stack.stackName, environment: stack.environment, templateCopyConcurrency: stack.copyConcurrency, timeoutSeconds: stack.timeoutSeconds, memorySizeMB: stack.memorySizeMB },
    documents: docs ? { count: docs.spec.count, bytes: docs.bytes, minSize: docs.spec.minSize, maxSize: docs.spec.maxSize, seed: docs.spec.seed } : null,
    rates: { ...rates, limit: rates.limit ?? null, lambda: rates.lambda ?? null, bestPeer: rates.bestPeer ?? null, limitWithBackupRequest: rates.limitWithBackupRequest ?? null },
    headToHead,
    limit: { best: bestLimit ?? null, sweep: limit, plainCopy: limitExtras.plainCopy ?? null, backupCopy: limitExtras.backupCopy ?? null },
    lambda: { best: bestLambda ? strip(bestLambda) : null, templateConcurrency: lambdaTemplate ? strip(lambdaTemplate) : null, sweep: lambdaSweep.map(strip) },
    peers: { best: bestPeer ?? null, bestAwsS3Sync: bestAws ?? null, bestS5cmd: bestS5 ?? null, runs: peers },
    check: check ?? null,
    memory: memory.map(({ run, ...p }) => ({ ...p, ...(run ? { sampledPeakRssMB: run.memory.peakRssMB ?? null, reportMaxMemoryUsedMB: run.memory.reportMaxMemoryUsedMB ?? null, documentsPerSecond: run.documentsPerSecond, lambdaDurationMs: run.lambdaDurationMs ?? null, status: run.status ?? run.functionError ?? null, verified: run.verification?.verified ?? 0 } : {}) })),
  };
  const result = { ...summary, targets, raw };

  mkdirSync(REPORTS_DIR, { recursive: true });
  const name = `bench-${raw.generatedAt.replace(/[:.]/g, '-')}`;
  const jsonFile = join(REPORTS_DIR, `${name}.json`);
  const htmlFile = join(REPORTS_DIR, `${name}.html`);
  writeFileSync(jsonFile, `${JSON.stringify(result, null, 2)}\n`);
  const bars = [
    ...limit.map((r) => ({ label: `limit c=${r.concurrency}`, v: r.documentsPerSecond, color: '#6b7280' })),
    ...lambda.map((r) => ({ label: `Lambda c=${r.concurrency}${r.concurrencySource === 'template' ? ' (template)' : ''}`, v: r.documentsPerSecond, color: '#2563eb' })),
    ...peers.map((p) => ({ label: `${p.tool} ${p.setting}`, v: p.documentsPerSecond, color: p.tool === 's5cmd cp' ? '#16a34a' : '#f59e0b' })),
    ...headToHead.map((r) => ({ label: `round ${r.round}: ${r.contender}${r.complete ? '' : ' (incomplete)'}`, v: r.documentsPerSecond, color: '#111827' })),
  ];
  const fmt = (v: number | null) => (v === null ? 'n/a' : String(v));
  const spread = (label: string, r: ReturnType<typeof roundRatios>) => (r ? `${label} median ${r.median}, ${r.min} to ${r.max} over ${r.rounds.length} rounds` : `${label} n/a`);
  writeFileSync(
    htmlFile,
    renderReport({
      title: 'Document backup benchmark',
      summary: [
        ['rates', rates.method],
        ['Lambda / limit', `${fmt(summary.lambdaToLimit)} (target >= 0.9; ${rates.lambda ?? '?'} vs ${rates.limit ?? '?'} documents/s)`],
        ['Lambda / best peer', `${fmt(summary.lambdaToBestPeer)} (target >= 1; best peer ${rates.bestPeerTool ?? 'n/a'}, ${rates.bestPeer ?? '?'} documents/s)`],
        ['per round', spread('Lambda / limit', perRound.lambdaToLimit) + '; ' + spread('Lambda / best peer', perRound.lambdaToBestPeer)],
        ['memory 100k / 1k', `${fmt(summary.memoryGrowth100kTo1k)}${m100k?.extrapolated ? ' (100k EXTRAPOLATED)' : ''} (target <= 1.2)`],
        ['check vs cfn-lint', `${fmt(summary.checkSpeedupVsCfnLint)}x (target >= 3; medians ${check?.check.medianMs ?? '?'} ms vs ${check?.cfnLint.medianMs ?? '?'} ms)`],
        ['100k documents', `${summary.estimated100kSeconds ?? '?'} s estimated at the Lambda's rate (limit 900 s)`],
        ['machine', `${machine.cpus} CPUs, load average ${machine.loadAverageAtStart.join(' ')} at start, ${raw.machine.loadAverageAtEnd.join(' ')} at end; LocalStack ${localstack.mode}`],
      ],
      charts: [
        {
          title: 'Copy throughput (documents/s), every sweep point and head-to-head run',
          config: {
            type: 'bar',
            data: { labels: bars.map((b) => b.label), datasets: [{ label: 'documents/s', data: bars.map((b) => b.v), backgroundColor: bars.map((b) => b.color) }] },
            options: { maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } } },
          },
        },
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
      ],
      raw: result,
    }),
  );
  log(`report ${displayPath(jsonFile)}, ${displayPath(htmlFile)}`);
  if (h2h) log(`per round: ${spread('Lambda / limit', perRound.lambdaToLimit)}; ${spread('Lambda / best peer', perRound.lambdaToBestPeer)}`);
  log(`targets: ${Object.entries(targets).map(([k, v]) => `${k}=${v === null ? 'n/a' : v ? 'met' : 'MISSED'}`).join(', ')}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} catch (error) {
  if (error instanceof DeployError) for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
  failure = `the benchmark did not complete: ${(error as Error).message}`;
  exitCode = (error as Error).name === 'LocalStackError' || error instanceof DeployInputError ? 2 : 1;
} finally {
  if (localstack) await localstack.stop();
}
if (exitCode) failAndExit(failure ?? 'the benchmark did not complete', exitCode);
