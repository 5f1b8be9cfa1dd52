// Peak memory of the Lambda handler's node process, watched from outside.
// In host mode the project's LocalStack executor runs each execution environment as a `node
// node_runner.mjs` process on this machine; /proc tells us its resident set at any moment (VmRSS) and
// its lifetime peak (VmHWM). The REPORT line's "Max Memory Used" (when the executor writes it and the
// log configuration lets it through) is read separately; this sampler does not depend on it.
import { readdirSync, readFileSync } from 'node:fs';

export interface MemorySample {
  /** Milliseconds since the sampler started. */
  t: number;
  rssMB: number;
}

export interface MemoryWatch {
  /** Stops sampling; peak of the VmRSS samples taken while running, and the process's VmHWM at the end. */
  stop(): MemoryResult;
}

export interface MemoryResult {
  /** Max VmRSS seen while sampling (this invocation, even in a warm process). Undefined: process never found. */
  peakRssMB?: number;
  /** VmHWM: the process's lifetime peak (includes earlier invocations of a warm environment). */
  hwmMB?: number;
  pid?: number;
  /**
   * The node options the handler process was started with (e.g. the V8 heap limits the executor derives
   * from the function's MemorySize, as AWS's runtime does): a peak means little without the limits it ran under.
   */
  nodeFlags?: string[];
  samples: MemorySample[];
}

const readStatus = (pid: number): { rss: number; hwm: number } | undefined => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
};

/** The options between the node binary and node_runner.mjs on the process's command line. */
const nodeFlagsOf = (pid: number): string[] | undefined => {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const runner = argv.findIndex((a) => a.endsWith('node_runner.mjs'));
    return runner > 0 ? argv.slice(1, runner) : undefined;
  } catch {
    return undefined;
  }
};

/** The node_runner.mjs process serving `functionName`, found through its command line and environment. */
export function findHandlerProcess(functionName: string): number | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('node_runner.mjs')) continue;
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`AWS_LAMBDA_FUNCTION_NAME=${functionName}`)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

export function watchHandlerMemory(functionName: string, intervalMs = 100): MemoryWatch {
  const started = performance.now();
  const samples: MemorySample[] = [];
  let pid: number | undefined;
  let peak: number | undefined;
  let hwm: number | undefined;
  let nodeFlags: string[] | undefined;
  let lastLookup = -Infinity;
  const tick = () => {
    const now = performance.now();
    if (pid === undefined && now - lastLookup > 250) {
      lastLookup = now;
      pid = findHandlerProcess(functionName);
      if (pid !== undefined) nodeFlags = nodeFlagsOf(pid);
    }
    if (pid === undefined) return;
    const status = readStatus(pid);
    if (!status) {
      pid = undefined; // the environment was replaced: look again
      return;
    }
    peak = Math.max(peak ?? 0, status.rss);
    hwm = status.hwm;
    // Keep the series small: one sample a second is plenty for a chart.
    if (samples.length === 0 || now - started - samples[samples.length - 1]!.t >= 1000) samples.push({ t: Math.round(now - started), rssMB: Math.round(status.rss) });
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop() {
      tick();
      clearInterval(timer);
      return {
        ...(peak !== undefined ? { peakRssMB: Math.round(peak) } : {}),
        ...(hwm !== undefined ? { hwmMB: Math.round(hwm) } : {}),
        ...(pid !== undefined ? { pid } : {}),
        ...(nodeFlags !== undefined ? { nodeFlags } : {}),
        samples,
      };
    },
  };
}
