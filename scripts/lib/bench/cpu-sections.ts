// The bench's CPU and latency sections (issue #18), I/O only; the figures are cpu-figures.ts (pure).
//   cpu:     interleaved rounds of the Lambda (through the Lambda API; its node_runner.mjs process's CPU), the bare
//            SDK loop (a process of its own), s5cmd and the aws CLI (their rusage), all at the same window, with
//            LocalStack's own CPU over each run
//   latency: the fault proxy adds L to every S3 request; the handler and s5cmd at a small window C, against C / L
//   profile: the handler process under V8's CPU profiler (as --cpu-prof, over the invocation), top entries by self time
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { clientConfig } from '../aws/clients.ts';
import { ROOT } from '../deploy.ts';
import { latencyOnlyRules, startFaultProxy } from '../fault-proxy.ts';
import { invokeBackup } from '../invoke.ts';
import { verifyRun, type InvocationPayload } from '../load/run.ts';
import { findHandlerProcess } from './memory.ts';
import { processCpuMs, serverCpuMs } from './cpu.ts';
import { type CpuContender, type CpuRun, type LatencyRun, type ProfileRun } from './cpu-figures.ts';
import { roundOrder } from './figures.ts';
import type { CopyLoopResult } from './limit.ts';
import { awsSync, ensureS5cmd, s5cmdCopy, type ServerCpu } from './peers.ts';
import { summarizeProfile, type CpuProfile } from './profile.ts';
import { nextRunDate, type BenchContext, type ThroughputJob } from './sweeps.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/** A TypeScript entry under Node with tsx (lambda/src is not erasable-only); the last stdout line is its JSON. */
function runTs<T>(file: string, arg: unknown, env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', here(file), JSON.stringify(arg)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-200_000)));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${file} exited ${code}: ${err.trim().split('\n').slice(-3).join(' ') || last.slice(0, 300)}`));
      }
    });
  });
}

/** The deployed function's environment, for the handler run as a process of its own, with its clients at `endpoint`. */
async function handlerEnv(ctx: BenchContext, endpoint: string): Promise<NodeJS.ProcessEnv> {
  const lambda = new LambdaClient(clientConfig(ctx.target));
  try {
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: ctx.stack.functionName }));
    const { NODE_OPTIONS: _heap, ...vars } = fn.Environment?.Variables ?? {};
    return {
      PATH: process.env.PATH,
      ...vars,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: ctx.target.region,
      AWS_DEFAULT_REGION: ctx.target.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_LAMBDA_FUNCTION_NAME: ctx.stack.functionName,
    };
  } finally {
    lambda.destroy();
  }
}

interface HandlerProcessResult {
  payload: InvocationPayload & { durationMs?: number };
  cpuMs: number;
  ms: number;
}

/** One Lambda run through the Lambda API, its handler process's CPU and LocalStack's read right around the Invoke. */
async function lambdaCpuRun(ctx: BenchContext, t: ThroughputJob, window: number, server: ServerCpu | undefined) {
  let pid = findHandlerProcess(ctx.stack.functionName);
  if (pid === undefined) {
    // The environment was replaced since the warm-up: its init must not be charged to this round.
    await invokeBackup(ctx.target, ctx.stack.functionName, { date: nextRunDate(), prefix: 'bench-warm-up-nothing/' });
    pid = findHandlerProcess(ctx.stack.functionName);
  }
  const runDate = nextRunDate();
  const cpu0 = pid !== undefined ? processCpuMs(pid) : undefined;
  const server0 = server?.();
  const started = performance.now();
  const outcome = await invokeBackup(ctx.target, ctx.stack.functionName, { date: runDate, prefix: 'bench/', concurrency: window });
  const ms = performance.now() - started;
  const serverMs = server0 !== undefined && server ? server() - server0 : undefined;
  const cpu1 = pid !== undefined ? processCpuMs(pid) : undefined;
  const payload = outcome.payload as InvocationPayload;
  let complete = false;
  if (payload.manifestKey) {
    const { verification } = await verifyRun(ctx.target, ctx.stack.backupBucket, payload.manifestKey, runDate, t.docs.expected);
    complete = verification.verified === verification.expected;
  }
  // Same process before and after (a replaced environment would leave cpu1 undefined): the delta is this run's.
  const cpuMs = cpu0 !== undefined && cpu1 !== undefined ? Math.round(cpu1 - cpu0) : undefined;
  return { documents: payload.counts?.copied ?? 0, ms, complete, ...(cpuMs !== undefined ? { cpuMs } : {}), ...(serverMs !== undefined ? { serverCpuMs: Math.round(serverMs) } : {}) };
}

type Measured = Omit<CpuRun, 'round' | 'position' | 'contender' | 'window' | 'setting' | 'expected'>;

/** Interleaved rounds of the four contenders at the same window, the order rotating every round. */
export async function cpuRounds(ctx: BenchContext, t: ThroughputJob, opts: { rounds: number; window: number; serverPid?: number }): Promise<CpuRun[]> {
  const server: ServerCpu | undefined = opts.serverPid !== undefined ? () => serverCpuMs(opts.serverPid!) : undefined;
  const w = opts.window;
  const haveS5cmd = ensureS5cmd(ctx.log) !== undefined;
  const job = (tag: string) => ({ ...t.job, destPrefix: `cpu-${tag}/` });
  const contenders: { name: CpuContender; setting: string; run: (tag: string) => Promise<Measured> }[] = [
    { name: 'lambda', setting: `event override ${w}`, run: () => lambdaCpuRun(ctx, t, w, server) },
    ...(['requestLoop', 'sdkLoop'] as const).map((name) => ({
      name,
      setting: `concurrency ${w}, the Lambda's CopyObject through ${name === 'sdkLoop' ? "the SDK's client" : "the Lambda's client"}`,
      run: async (tag: string): Promise<Measured> => {
        const client = name === 'sdkLoop' ? 'sdk' : 'lambda';
        const r = await runTs<CopyLoopResult>('./sdk-loop-process.ts', { target: ctx.target, ...job(`${client}-${tag}`), concurrency: w, client, ...(opts.serverPid !== undefined ? { serverPid: opts.serverPid } : {}) }, process.env);
        return { documents: r.documents, ms: r.ms, complete: r.failed === 0, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}), ...(r.serverCpuMs !== undefined ? { serverCpuMs: r.serverCpuMs } : {}) };
      },
    })),
    ...(haveS5cmd
      ? [{
          name: 's5cmd' as const, setting: `--numworkers ${w}`,
          run: async (tag: string): Promise<Measured> => {
            const r = await s5cmdCopy(ctx.target, job(`s5cmd-${tag}`), w, server);
            return { documents: r.documents, ms: r.ms, complete: r.documents === r.expected && r.exitCode === 0, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}), ...(r.serverCpuMs !== undefined ? { serverCpuMs: r.serverCpuMs } : {}) };
          },
        }]
      : []),
    {
      name: 'awsCli', setting: `s3 sync, max_concurrent_requests ${w}`,
      run: async (tag) => {
        const r = await awsSync(ctx.target, job(`aws-${tag}`), w, server);
        return { documents: r.documents, ms: r.ms, complete: r.documents === r.expected && r.exitCode === 0, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}), ...(r.serverCpuMs !== undefined ? { serverCpuMs: r.serverCpuMs } : {}) };
      },
    },
  ];
  // Steady states are compared, as a long run spends nearly all its time in one: an unmeasured whole run warms the
  // function's environment (its init and V8's JIT on the copy path; a first round was 10-20 % dearer without it), as
  // the SDK loop warms itself before its window (sdk-loop-process.ts). s5cmd (Go) and the aws CLI have no JIT.
  if (contenders.some((c) => c.name === 'lambda')) await invokeBackup(ctx.target, ctx.stack.functionName, { date: nextRunDate(), prefix: 'bench/', concurrency: w });
  const runs: CpuRun[] = [];
  for (let round = 1; round <= opts.rounds; round++) {
    for (const [position, c] of roundOrder(contenders, round).entries()) {
      const r = await c.run(String(round));
      runs.push({ round, position: position + 1, contender: c.name, window: w, setting: c.setting, expected: t.docs.expected.size, ...r, ms: Math.round(r.ms) });
      const per = (v: number | undefined) => (v !== undefined && r.documents ? (v / r.documents).toFixed(3) : '?');
      ctx.log(`cpu ${round}/${opts.rounds}  ${c.name.padEnd(7)} ${c.setting}: ${per(r.cpuMs)} ms CPU/document (LocalStack ${per(r.serverCpuMs)}), ${r.documents} documents${r.complete ? '' : ' (INCOMPLETE, not counted)'}`);
    }
  }
  return runs;
}

/**
 * The handler and s5cmd through the latency-only fault proxy (every S3 request delayed by `latencyMs`), at
 * `window`; each first through the same proxy without delay (latencyMs 0), which prices LocalStack's own time per
 * request at that window, so the report can tell the client's shortfall from the emulator's.
 */
export async function latencyRuns(ctx: BenchContext, t: ThroughputJob, opts: { latencyMs: number; window: number }): Promise<LatencyRun[]> {
  const proxy = await startFaultProxy({ upstream: ctx.target.endpoint!, rules: [] });
  const runs: LatencyRun[] = [];
  const expected = t.docs.expected.size;
  try {
    const env = await handlerEnv(ctx, proxy.endpoint);
    const haveS5cmd = ensureS5cmd(ctx.log) !== undefined;
    for (const latencyMs of [0, opts.latencyMs]) {
      proxy.setRules(latencyMs ? latencyOnlyRules(latencyMs) : []);
      const base = { latencyMs, window: opts.window };
      const h = await runTs<HandlerProcessResult>('./handler-process.ts', { date: nextRunDate(), prefix: 'bench/', concurrency: opts.window }, env);
      const copied = h.payload.counts?.copied ?? 0;
      const durationMs = h.payload.durationMs ?? h.ms;
      runs.push({ contender: 'lambda', ...base, documents: copied, ms: durationMs, documentsPerSecond: +(copied / (durationMs / 1000)).toFixed(1), complete: copied === expected });
      if (haveS5cmd) {
        const r = await s5cmdCopy({ ...ctx.target, endpoint: proxy.endpoint }, { ...t.job, destPrefix: `latency-${latencyMs}-s5cmd/` }, opts.window);
        runs.push({ contender: 's5cmd', ...base, documents: r.documents, ms: r.ms, documentsPerSecond: r.documentsPerSecond, complete: r.documents === r.expected && r.exitCode === 0 });
      }
      const of = (c: LatencyRun['contender']) => runs.find((r) => r.contender === c && r.latencyMs === latencyMs)?.documentsPerSecond ?? '?';
      ctx.log(`latency +${latencyMs} ms per S3 request, window ${opts.window}: handler ${of('lambda')}, s5cmd ${of('s5cmd')} documents/s${latencyMs ? ` (ideal ${(opts.window * 1000) / latencyMs})` : ''}`);
    }
  } finally {
    await proxy.close();
  }
  return runs;
}

/** The handler process, profiled over its invocation (see handler-process.ts), against LocalStack directly, at `window`, on a fresh run date; then the SDK loop alike. */
export async function profileHandler(ctx: BenchContext, t: ThroughputJob, opts: { window: number }): Promise<ProfileRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  try {
    const env = await handlerEnv(ctx, ctx.target.endpoint!);
    const profileFile = join(dir, 'handler.cpuprofile');
    const h = await runTs<HandlerProcessResult>('./handler-process.ts', { date: nextRunDate(), prefix: 'bench/', concurrency: opts.window, profileFile }, env);
    const summary = summarizeProfile(JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile, ROOT);
    const documents = h.payload.counts?.copied ?? 0;
    const perDoc = (cpuMs: number, docs: number) => (docs ? +(cpuMs / docs).toFixed(3) : null);
    // The bare loop over the Lambda's own client the same way, for the difference: what the handler spends beyond its requests.
    const loopFile = join(dir, 'request-loop.cpuprofile');
    const loop = await runTs<CopyLoopResult>('./sdk-loop-process.ts', { target: ctx.target, ...t.job, destPrefix: 'profile-request-loop/', concurrency: opts.window, client: 'lambda', profileFile: loopFile }, process.env);
    const sdkLoop = { documents: loop.documents, cpuMs: loop.cpuMs ?? 0, cpuMsPerDocument: perDoc(loop.cpuMs ?? 0, loop.documents), summary: summarizeProfile(JSON.parse(readFileSync(loopFile, 'utf8')) as CpuProfile, ROOT) };
    return { window: opts.window, documents, cpuMs: h.cpuMs, cpuMsPerDocument: perDoc(h.cpuMs, documents), summary, sdkLoop };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
