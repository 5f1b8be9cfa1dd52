// `npm run load -- --documents N [--size MIN..MAX] [--concurrency C] [--seed S] [--endpoint URL]`
// Embedded LocalStack up (or the one at --endpoint / LOCALSTACK_ENDPOINT), the stack deployed, N
// deterministic documents seeded, the backup invoked through the Lambda API, every document verified
// against the manifest (key, size, SHA-256), and a report: documents/s, MB/s, Lambda duration, the
// handler's peak memory and errors, as JSON and as an HTML page with a throughput chart under reports/.
// Exit codes: 0 every document verified, 1 the run or the verification failed, 2 bad arguments or no LocalStack.
import { InvalidArgumentError, Option } from 'commander';
import { startLocalStack, type LocalStackHandle } from './lib/localstack/launcher.ts';
import { DEFAULT_REGION, type AwsTarget } from './lib/aws/clients.ts';
import { DeployError, DeployInputError, ENVIRONMENTS, type EnvironmentName } from './lib/deploy.ts';
import { cliProgram, displayPath, endpointUrlArg, failAndExit, positiveIntArg, progressReporter } from './lib/cli.ts';
import { buildLoadReport, deployLoadStack, formatLoadReport, loadAverage, machineInfo, measureBackup, seedDocumentSet, writeLoadReport } from './lib/load.ts';

const positiveInt = positiveIntArg;

/** "512", "4k", "64KiB", "1.5MB", "2m" -> bytes. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib)?\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError(`"${text}" is not a size (bytes, or with k/KiB/M/MiB)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Math.round(Number(m[1]) * factor);
}

function sizeRange(value: string): [number, number] {
  const [min, max, ...rest] = value.split('..');
  if (min === undefined || max === undefined || rest.length) throw new InvalidArgumentError(`"${value}" is not MIN..MAX (e.g. 1k..256k)`);
  const range: [number, number] = [parseBytes(min), parseBytes(max)];
  if (range[0] > range[1]) throw new InvalidArgumentError(`"${value}": MIN is larger than MAX`);
  if (range[1] > 256 * 1024 * 1024) throw new InvalidArgumentError(`"${value}": load documents go up to 256 MiB`);
  return range;
}

const program = cliProgram('npm run load --', 'Seed N fixture documents, back them up through the deployed Lambda, verify every one and report throughput.')
  .requiredOption('--documents <n>', 'how many documents to seed and back up', positiveInt)
  .option('--size <min..max>', 'document sizes, log-uniform between MIN and MAX (bytes, k, M)', sizeRange, [256, 64 * 1024] as [number, number])
  .option('--concurrency <c>', "documents in flight in the Lambda (a manual-event override; default: the template's COPY_CONCURRENCY)", positiveInt)
  .option('--seed <s>', 'seed of the deterministic document generator', positiveInt, 1)
  .option('--endpoint <url>', 'use this LocalStack instead of starting one (default: LOCALSTACK_ENDPOINT, else embedded)', endpointUrlArg)
  .addOption(new Option('--environment <env>', "stack environment: picks the template's timeout and COPY_CONCURRENCY").choices(ENVIRONMENTS).default('dev'))
  .option('--json', 'print the report as one JSON line on stdout (the text report then goes to stderr)', false)
  .option('--no-progress', 'no progress bars');
program.parse();
const opts = program.opts<{
  documents: number; size: [number, number]; concurrency?: number; seed: number; endpoint?: string; environment: string; json: boolean; progress: boolean;
}>();
if (opts.concurrency !== undefined && opts.concurrency > 1000) failAndExit('--concurrency must be at most 1000', 2);
if (opts.endpoint) {
  process.env.LOCALSTACK_ENDPOINT = opts.endpoint;
  process.env.LOCALSTACK_MODE = 'external';
}

const log = (message: string) => process.stderr.write(`[load] ${message}\n`);
const machine = machineInfo();
let localstack: LocalStackHandle | undefined;
let exitCode = 0;
let failure: string | undefined;
try {
  log('starting LocalStack...');
  localstack = await startLocalStack({ quiet: !opts.progress });
  const target: AwsTarget = { endpoint: localstack.endpoint, region: localstack.region ?? DEFAULT_REGION };
  log(`LocalStack (${localstack.mode}) at ${localstack.endpoint}`);

  const deploying = progressReporter(opts.progress, 'load');
  const stack = await deployLoadStack(target, { environment: opts.environment as EnvironmentName, onProgress: deploying.update });
  deploying.stop();
  log(`stack ${stack.stackName} deployed in ${(stack.deployMs / 1000).toFixed(1)} s; ${stack.functionName}: COPY_CONCURRENCY ${stack.copyConcurrency}, timeout ${stack.timeoutSeconds} s`);

  const spec = { count: opts.documents, seed: opts.seed, minSize: opts.size[0], maxSize: opts.size[1], prefix: 'load/' };
  const seeding = progressReporter(opts.progress, 'seed');
  const seeded = await seedDocumentSet(target, stack.sourceBucket, spec, (done, total) =>
    seeding.update({ phase: 'seed', message: 'documents', completed: done, total }),
  );
  seeding.stop();
  log(`seeded ${spec.count} documents (${(seeded.bytes / 1024 / 1024).toFixed(1)} MiB) in ${(seeded.seedMs / 1000).toFixed(1)} s`);

  log(`invoking ${stack.functionName} (concurrency ${opts.concurrency ?? `${stack.copyConcurrency} from the template`})...`);
  const runDate = new Date().toISOString().slice(0, 10);
  const run = await measureBackup(stack, { runDate, prefix: spec.prefix, expected: seeded.expected, ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) });
  const { target: _t, ...stackInfo } = stack;
  const report = buildLoadReport({
    generatedAt: new Date().toISOString(),
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    localstack: { endpoint: localstack.endpoint, mode: localstack.mode },
    stack: stackInfo,
    documents: { ...spec, bytes: seeded.bytes, seedMs: Math.round(seeded.seedMs), seedDocumentsPerSecond: +(spec.count / (seeded.seedMs / 1000)).toFixed(1) },
    run,
  });
  const files = writeLoadReport(report);
  const lines = formatLoadReport(report, { json: displayPath(files.json), html: displayPath(files.html) });
  // The report is the command's output (stdout); progress went to stderr. With --json, stdout is the one JSON
  // line a program reads, and the text report goes to stderr for the person watching.
  if (opts.json) {
    process.stderr.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!report.ok) exitCode = 1;
} catch (error) {
  if (error instanceof DeployError) {
    for (const f of error.failures) process.stderr.write(`  ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}\n`);
  }
  failure = (error as Error).message;
  // LocalStack that cannot start or be reached, or a deployment refused for its input: nothing was run.
  exitCode = (error as Error).name === 'LocalStackError' || error instanceof DeployInputError ? 2 : 1;
} finally {
  if (localstack) await localstack.stop();
}
if (exitCode) failAndExit(failure ?? 'the load run did not verify (see the report above)', exitCode);
