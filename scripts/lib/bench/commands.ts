// Wall-clock of whole commands, several runs, medians: `npm run check` against the official cfn-lint on
// the canonical template. Runs alternate (check, cfn-lint, check, ...) so machine load hits both alike.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
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
