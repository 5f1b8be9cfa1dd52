// Wall-clock of whole commands, several runs, medians: `npm run check` against the official cfn-lint on
// the canonical template, and both over many templates in one process each (compareOnCorpus). Runs alternate
// (check, cfn-lint, check, ...) so machine load hits both alike.
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { CANONICAL_TEMPLATE, ROOT } from '../deploy.ts';

export interface CommandTiming {
  command: string;
  runsMs: number[];
  medianMs: number;
  exitCodes: number[];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function timeCommand(cmd: string, args: string[]): Promise<{ ms: number; code: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0' } });
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code: code ?? 1 }));
  });
}

export async function compareCheckWithCfnLint(runs: number, template = CANONICAL_TEMPLATE): Promise<{ check: CommandTiming; checkDirect: CommandTiming; cfnLint: CommandTiming }> {
  const commands = {
    check: ['npm', ['run', '--silent', 'check', '--', template]],
    // The same check without npm and the bootstrap probe: where the remaining time goes.
    checkDirect: [join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'check.ts'), template]],
    cfnLint: [join(ROOT, '.venv', 'bin', 'cfn-lint'), [template]],
  } as const;
  const out = {} as Record<keyof typeof commands, CommandTiming>;
  for (const [name, [cmd, args]] of Object.entries(commands) as [keyof typeof commands, readonly [string, readonly string[]]][]) {
    out[name] = { command: [cmd.replace(`${ROOT}/`, ''), ...args.map((a) => a.replace(`${ROOT}/`, ''))].join(' '), runsMs: [], medianMs: 0, exitCodes: [] };
  }
  // One unmeasured warm-up each (file cache, Python bytecode), then alternate.
  for (const [cmd, args] of Object.values(commands)) await timeCommand(cmd, [...args]);
  for (let i = 0; i < runs; i++) {
    for (const [name, [cmd, args]] of Object.entries(commands) as [keyof typeof commands, readonly [string, readonly string[]]][]) {
      const t = await timeCommand(cmd, [...args]);
      out[name].runsMs.push(Math.round(t.ms));
      out[name].exitCodes.push(t.code);
    }
  }
  for (const t of Object.values(out)) t.medianMs = median(t.runsMs);
  return out;
}

/** The many-template figure's raw timings: each tool once per run over all the files, in one process. */
export interface CorpusTiming {
  /** `generated` (variants of the project's templates) or the --check-corpus directory as given. */
  source: string;
  /** The files, relative to the directory they were found in (or written to). */
  files: string[];
  check: CommandTiming;
  cfnLint: CommandTiming;
}

/**
 * `node scripts/check.ts FILES...` (what `npm run check` runs after its bootstrap probe) against
 * `cfn-lint FILES...`, each once per run over the same files, alternating; the warm-up runs each on the first
 * five files only (imports, bytecode, file cache), so it does not double the cost of a long run.
 */
export async function compareOnCorpus(files: readonly string[], runs: number, source: string, root: string): Promise<CorpusTiming> {
  const commands = {
    check: [process.execPath, [join(ROOT, 'scripts', 'check.ts')]],
    cfnLint: [join(ROOT, '.venv', 'bin', 'cfn-lint'), []],
  } as const;
  const shown = (cmd: string, args: readonly string[]) => [cmd === process.execPath ? 'node' : cmd.replace(`${ROOT}/`, ''), ...args.map((a) => a.replace(`${ROOT}/`, ''))].join(' ');
  const timing = (name: keyof typeof commands): CommandTiming => ({ command: `${shown(commands[name][0], commands[name][1])} <${files.length} files>`, runsMs: [], medianMs: 0, exitCodes: [] });
  const out = { check: timing('check'), cfnLint: timing('cfnLint') };
  for (const [cmd, args] of Object.values(commands)) await timeCommand(cmd, [...args, ...files.slice(0, 5)]);
  for (let i = 0; i < runs; i++) {
    for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
      const [cmd, args] = commands[name];
      const t = await timeCommand(cmd, [...args, ...files]);
      out[name].runsMs.push(Math.round(t.ms));
      out[name].exitCodes.push(t.code);
    }
  }
  for (const t of Object.values(out)) t.medianMs = median(t.runsMs);
  return { source, files: files.map((f) => relative(root, f)), ...out };
}
