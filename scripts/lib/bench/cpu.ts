// CPU time from the kernel's own accounting, for the bench's CPU-per-document figures (issue #18): on AWS the
// client's CPU per document, not the wall clock on a shared 2-core machine, decides documents per second.
//   - a live process (the handler's node_runner.mjs): utime + stime from /proc/<pid>/stat, read before and after
//   - a whole command (s5cmd, the aws CLI): its rusage once reaped, as bash's `times` prints it for its children
//   - LocalStack: the same /proc figures summed over its process tree, minus the handler processes it spawned
// The parsers are pure; the readers only gather their inputs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime in clock ticks. */
  ticks: number;
}

/** Pure: /proc/<pid>/stat. The command name sits in parentheses and may itself hold spaces and ")". */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  if (close < 0 || !Number.isInteger(pid)) return undefined;
  // After the name: state(3) ppid(4) ... utime(14) stime(15), so offsets 1 and 11/12 from state.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { pid, ppid, ticks: utime + stime };
}

let ticksPerSecond: number | undefined;
/** USER_HZ (almost always 100: /proc's CPU times have 10 ms resolution, fine over thousands of documents). */
export function clockTicks(): number {
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ticksPerSecond;
}

const readStat = (pid: number | string): ProcStat | undefined => {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
};

/** CPU milliseconds a live process has used so far; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  const s = readStat(pid);
  return s ? (s.ticks * 1000) / clockTicks() : undefined;
}

/** Pure: CPU ticks of `root` and its descendants, skipping `excluded` processes and everything under them. */
export function treeTicks(procs: readonly ProcStat[], root: number, excluded: ReadonlySet<number>): number {
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let sum = 0;
  const stack = procs.filter((p) => p.pid === root);
  while (stack.length) {
    const p = stack.pop()!;
    if (excluded.has(p.pid)) continue;
    sum += p.ticks;
    stack.push(...(children.get(p.pid) ?? []));
  }
  return sum;
}

/**
 * CPU milliseconds of LocalStack's process tree (its Python, its threads, whatever it spawned), without the
 * handler processes (node_runner.mjs): those are the Lambda's own CPU, counted on the client's side.
 * A process that exits in between takes its CPU with it (it then shows in its parent's cutime, not read).
 */
export function serverCpuMs(rootPid: number): number {
  const procs: ProcStat[] = [];
  const handlers = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(entry);
    if (!s) continue;
    procs.push(s);
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('node_runner.mjs')) handlers.add(s.pid);
    } catch {
      // gone meanwhile
    }
  }
  return (treeTicks(procs, rootPid, handlers) * 1000) / clockTicks();
}

/** Pure: the children's line of bash's `times` ("0m1.234s 0m0.456s"), user + system in milliseconds. */
export function parseBashTimes(text: string): number | undefined {
  const lines = text.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines[1]?.trim() ?? '');
  if (!m) return undefined;
  return Math.round((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000);
}

export interface MeasuredCommand {
  code: number;
  ms: number;
  stderr: string;
  /** The command's own user + system CPU (its rusage, all its threads), when bash reported it. */
  cpuMs?: number;
  /** LocalStack's CPU over the command's run, when a server was given. */
  serverCpuMs?: number;
}

/**
 * Runs a command under bash, which waits for it and then prints its children's rusage (`times`) to a file:
 * the kernel's account of the command alone, whatever threads or processes it used.
 */
export function runMeasured(cmd: string, args: string[], env: NodeJS.ProcessEnv, server?: () => number): Promise<MeasuredCommand> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-times-'));
  const timesFile = join(dir, 'times');
  const script = 'out="$1"; shift; "$@"; rc=$?; times > "$out"; exit $rc';
  return new Promise((resolve, reject) => {
    const server0 = server?.();
    const started = performance.now();
    const child = spawn('bash', ['-c', script, 'bash', timesFile, cmd, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on('error', (err) => {
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const serverMs = server0 !== undefined && server ? server() - server0 : undefined;
      let cpuMs: number | undefined;
      try {
        cpuMs = parseBashTimes(readFileSync(timesFile, 'utf8'));
      } catch {
        cpuMs = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: code ?? 1, ms, stderr, ...(cpuMs !== undefined ? { cpuMs } : {}), ...(serverMs !== undefined ? { serverCpuMs: Math.round(serverMs) } : {}) });
    });
  });
}
