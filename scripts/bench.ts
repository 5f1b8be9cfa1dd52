// `npm run bench [-- --json] [--documents N] [--full] [--only SECTIONS] [--check-corpus DIR] [--check-templates N]`
// Side by side, in one run, on one LocalStack and the same documents:
//   1. the limit: a tight SDK CopyObject loop (same request as the Lambda's copy), concurrency swept
//   2. the backup Lambda through the Lambda Invoke API (manual-event concurrency override swept)
//   3. the peers a user would pick instead: `aws s3 sync` and s5cmd, each swept for its best setting
//   then head to head: --rounds interleaved rounds of every contender at its best setting, in a rotating
//   order, so drift (LocalStack's growing state, a busy neighbour) hits all alike; the ratios use the medians
//   4. `npm run check` against the official cfn-lint on the canonical template (whole commands, medians), and
//      both over the same 100 templates in one process each (generated from the project's, or --check-corpus DIR)
//   5. the handler's peak memory at 1k and 10k documents (median of --memory-repeats fresh processes), and
//      100k once with --full (else extrapolated, labelled)
//   6. cpu: CPU per copied document of every contender from the kernel's accounting of its own process (the
//      handler's node_runner.mjs, the SDK loop in a process of its own, s5cmd, the aws CLI), and LocalStack's over
//      each run: --cpu-rounds interleaved rounds at one window (issue #18: the figure that carries over to AWS)
//   7. latency: the fault proxy adds --latency-ms to every S3 request; the handler and s5cmd at --latency-window
//      against the ideal window / latency
//   8. profile: the handler process under V8's CPU profiler, its top entries by self time
// With --json the last stdout line is ONE JSON object: the ratios of this run plus the raw figures.
import { statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { startLocalStack, type LocalStackHandle } from './lib/localstack/launcher.ts';
import { DEFAULT_REGION, type AwsTarget } from './lib/aws/clients.ts';
import { createBucket, uniqueName } from './lib/aws/resources.ts';
import { DeployError, DeployInputError } from './lib/deploy.ts';
import { cliProgram, displayPath, endpointUrlArg, failAndExit, positiveIntArg, progressReporter, userPath } from './lib/cli.ts';
import { deployLoadStack, loadAverage, machineInfo, seedDocumentSet, type SeededSet } from './lib/load.ts';
import { compareCheckWithCfnLint, compareOnCorpus } from './lib/bench/commands.ts';
import { CORPUS_SIZE, corpusFromDir, writeGeneratedCorpus } from './lib/bench/corpus.ts';
import { benchFigures, type BenchRuns } from './lib/bench/figures.ts';
import { benchResult, corpusLine, spread, targetsLine, writeBenchReport } from './lib/bench/report.ts';
import { cpuRounds, latencyRuns, profileHandler } from './lib/bench/cpu-sections.ts';
import { headToHeadRounds, loadNote, measureMemory, sweepLambda, sweepLimit, sweepPeers, throughputJob, type BenchContext } from './lib/bench/sweeps.ts';

const positiveInt = positiveIntArg;
function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more)`);
  return n;
}
const list = (value: string) => value.split(',').map((v) => positiveInt(v.trim()));

const SECTIONS = ['limit', 'lambda', 'peers', 'check', 'memory', 'cpu', 'latency', 'profile'] as const;
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
  .option('--check-corpus <dir>', `templates for the many-template check figure: up to --check-templates found under DIR (default: ${CORPUS_SIZE} generated from the project's)`)
  .option('--check-templates <n>', 'templates in the many-template check figure', positiveInt, CORPUS_SIZE)
  .option('--memory-repeats <n>', 'fresh-process runs per memory point below 100k (the median is used)', positiveInt, 3)
  .option('--rounds <n>', 'interleaved head-to-head rounds at the best settings (0: ratios from the sweeps)', nonNegativeInt, 5)
  .option('--limit-concurrency <list>', 'concurrency sweep of the limit loop', list, [8, 16, 32, 64, 128])
  .option('--lambda-concurrency <list>', 'concurrency sweep of the Lambda (manual-event override)', list, [16, 32, 64, 128])
  .option('--aws-concurrency <list>', 'max_concurrent_requests sweep of aws s3 sync', list, [10, 32, 64])
  .option('--s5cmd-workers <list>', 'numworkers sweep of s5cmd', list, [16, 64, 256])
  .option('--cpu-rounds <n>', 'interleaved rounds of the CPU section', positiveInt, 3)
  .option('--cpu-window <n>', "copies in flight for every contender in the CPU section and the profile (default: the template's COPY_CONCURRENCY)", positiveInt)
  .option('--latency-ms <n>', 'delay the fault proxy adds to every S3 request in the latency section', positiveInt, 100)
  .option('--latency-window <n>', 'copies in flight in the latency section (small, so LocalStack is not the bottleneck)', positiveInt, 8)
  .option('--only <sections>', `comma-separated subset of ${SECTIONS.join(',')}`, sections, [...SECTIONS])
  .option('--endpoint <url>', 'use this LocalStack instead of starting one (default: LOCALSTACK_ENDPOINT, else embedded)', endpointUrlArg)
  .option('--no-progress', 'no progress bars');
program.parse();
const opts = program.opts<{
  documents: number; full: boolean; json: boolean; checkRuns: number; checkCorpus?: string; checkTemplates: number; rounds: number; memoryRepeats: number; limitConcurrency: number[]; lambdaConcurrency: number[];
  awsConcurrency: number[]; s5cmdWorkers: number[]; only: Section[]; endpoint?: string; progress: boolean;
  cpuRounds: number; cpuWindow?: number; latencyMs: number; latencyWindow: number;
}>();
if (opts.endpoint) {
  process.env.LOCALSTACK_ENDPOINT = opts.endpoint;
  process.env.LOCALSTACK_MODE = 'external';
}
const want = (s: Section) => opts.only.includes(s);
// The check comparison alone needs no LocalStack (nor Docker): it times local commands.
const needLocalStack = opts.only.some((s) => s !== 'check');

// The many-template corpus is chosen before anything starts, so a bad --check-corpus is exit 2 with nothing done.
let corpus: { files: string[]; source: string; root: string; cleanup?: string } | undefined;
if (want('check')) {
  if (opts.checkCorpus !== undefined) {
    const dir = userPath(opts.checkCorpus);
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) failAndExit(`--check-corpus ${opts.checkCorpus}: not a directory`, 2);
    const found = await corpusFromDir(dir, opts.checkTemplates);
    if (found.files.length === 0) failAndExit(`--check-corpus ${opts.checkCorpus}: no template among its ${found.candidates} .yaml/.yml/.json/.template files`, 2);
    corpus = { files: found.files, source: opts.checkCorpus, root: dir };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-corpus-'));
    corpus = { files: writeGeneratedCorpus(dir, opts.checkTemplates), source: 'generated', root: dir, cleanup: dir };
  }
}

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const machine = machineInfo();
const startedAt = Date.now();
let localstack: LocalStackHandle | undefined;
let exitCode = 0;
let failure: string | undefined;
try {
  log(`machine: ${machine.cpus} CPUs, ${loadNote()} at start (other engineers' test runs may share it)`);
  const runs: BenchRuns = { limit: [], limitExtras: {}, lambda: [], peers: [], headToHead: [], memory: [], rounds: opts.rounds, timeoutSeconds: 0 };
  let stack: Awaited<ReturnType<typeof deployLoadStack>> | undefined;
  let docs: SeededSet | undefined;
  if (needLocalStack) {
    localstack = await startLocalStack({ quiet: !opts.progress });
    const target: AwsTarget = { endpoint: localstack.endpoint, region: localstack.region ?? DEFAULT_REGION };
    log(`LocalStack (${localstack.mode}) at ${localstack.endpoint}`);

    // prod: the template's 15-minute timeout, which the 100k measurement needs.
    const deploying = progressReporter(opts.progress, 'bench');
    const deployed = await deployLoadStack(target, { environment: 'prod', onProgress: deploying.update });
    stack = deployed;
    deploying.stop();
    log(`stack ${stack.stackName}: COPY_CONCURRENCY ${stack.copyConcurrency} (template, prod), timeout ${stack.timeoutSeconds} s, memory ${stack.memorySizeMB} MB`);
    runs.timeoutSeconds = stack.timeoutSeconds;
    const scratchBucket = uniqueName('bench-scratch');
    await createBucket(target, scratchBucket);

    const seed = async (spec: { count: number; prefix: string; minSize: number; maxSize: number }): Promise<SeededSet> => {
      const bar = progressReporter(opts.progress, 'seed');
      const seeded = await seedDocumentSet(target, deployed.sourceBucket, { ...spec, seed: 7 }, (done, total) => bar.update({ phase: `seed ${spec.prefix}`, message: 'documents', completed: done, total }));
      bar.stop();
      log(`seeded ${spec.count} documents under ${spec.prefix} (${(seeded.bytes / 1048576).toFixed(1)} MiB) at ${(spec.count / (seeded.seedMs / 1000)).toFixed(0)} PUT/s`);
      return seeded;
    };
    const ctx: BenchContext = { target, stack: deployed, scratchBucket, log, seed };

    const needDocs = (['limit', 'lambda', 'peers', 'cpu', 'latency', 'profile'] as const).some(want);
    docs = needDocs ? await seed({ count: opts.documents, prefix: 'bench/', minSize: 256, maxSize: 64 * 1024 }) : undefined;
    if (docs) {
      const job = throughputJob(ctx, docs);
      if (want('limit')) Object.assign(runs, await sweepLimit(ctx, job, opts.limitConcurrency));
      if (want('lambda')) runs.lambda = await sweepLambda(ctx, job, opts.lambdaConcurrency);
      if (want('peers')) runs.peers = await sweepPeers(ctx, job, opts.awsConcurrency, opts.s5cmdWorkers);
      if (opts.rounds > 0) runs.headToHead = await headToHeadRounds(ctx, job, runs, opts.rounds);
      // 6-8: after the throughput sections, so the function's environment is warm.
      const window = opts.cpuWindow ?? deployed.copyConcurrency;
      if (want('cpu')) {
        if (localstack.pid === undefined) log('cpu     LocalStack is not a local process (external or container): no LocalStack CPU figures');
        runs.cpu = await cpuRounds(ctx, job, { rounds: opts.cpuRounds, window, ...(localstack.pid !== undefined ? { serverPid: localstack.pid } : {}) });
      }
      if (want('latency')) runs.latency = await latencyRuns(ctx, job, { latencyMs: opts.latencyMs, window: opts.latencyWindow });
      if (want('profile')) {
        runs.profile = await profileHandler(ctx, job, { window });
        log(`profile handler process: ${runs.profile.cpuMsPerDocument ?? '?'} ms CPU/document (profiled); top: ${runs.profile.summary.byFile.slice(0, 5).map((e) => `${e.name} ${(e.share * 100).toFixed(0)}%`).join(', ')}`);
      }
    }
    // 5. memory (before the check comparison, so LocalStack is not idle-cooling in between)
    if (want('memory')) runs.memory = (await measureMemory(ctx, { full: opts.full, repeats: opts.memoryRepeats })).memory;
  }
  // 4. check vs cfn-lint
  if (want('check')) {
    runs.check = await compareCheckWithCfnLint(opts.checkRuns);
    log(`check   npm run check median ${runs.check.check.medianMs} ms (tsx direct ${runs.check.checkDirect.medianMs} ms) vs cfn-lint ${runs.check.cfnLint.medianMs} ms over ${opts.checkRuns} runs each`);
    if (corpus) {
      runs.check.corpus = await compareOnCorpus(corpus.files, opts.checkRuns, corpus.source, corpus.root);
      log(`check   ${corpusLine(benchFigures(runs).summary.checkCorpus)}`);
    }
  }

  const figures = benchFigures(runs);
  const result = benchResult({
    runs,
    figures,
    generatedAt: new Date().toISOString(),
    wallClockSeconds: Math.round((Date.now() - startedAt) / 1000),
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    localstack: localstack ? { mode: localstack.mode, endpoint: localstack.endpoint } : undefined,
    stack,
    docs,
  });
  const files = writeBenchReport(result, runs, figures.bestLambda);
  log(`report ${displayPath(files.json)}, ${displayPath(files.html)}`);
  if (runs.headToHead.length > 0) log(`per round: ${spread('Lambda / limit', figures.perRound.lambdaToLimit)}; ${spread('Lambda / best peer', figures.perRound.lambdaToBestPeer)}`);
  log(`targets: ${targetsLine(result.targets)}`);
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(figures.summary, null, 2)}\n`);
} catch (error) {
  if (error instanceof DeployError) for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
  failure = `the benchmark did not complete: ${(error as Error).message}`;
  exitCode = (error as Error).name === 'LocalStackError' || error instanceof DeployInputError ? 2 : 1;
} finally {
  if (localstack) await localstack.stop();
  if (corpus?.cleanup) rmSync(corpus.cleanup, { recursive: true, force: true });
}
if (exitCode) failAndExit(failure ?? 'the benchmark did not complete', exitCode);
