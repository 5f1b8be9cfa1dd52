// The project's CLIs as a user runs them: a child process on scripts/<name>.ts (through tsx), its exit code,
// stdout and stderr; and the one check every refusal must pass (the README's contract: exit 2 for unusable
// input, one line on stderr starting `error: `, nothing on stdout, no stack trace).
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { scratchDir } from './scratch.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Run as if on a machine without AWS credentials (and without LocalStack). */
  noCredentials?: boolean;
  /** Working directory of the child (default: the repository root, where `npm run` puts it). */
  cwd?: string;
  /** Variables set (a value) or removed (undefined) on top of this process's environment. */
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/**
 * Runs scripts/<script>.ts to completion on the project's Node (its type stripping; no tsx start-up), from `cwd`
 * (default the repository root) — for the static specs, which run many short commands one after another.
 */
export function runScriptSync(script: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): CliRun {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', `${script}.ts`), ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
  });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Node 20 prints this SDK notice on stderr for every AWS SDK import; it is about the machine, not the input. */
export function withoutNodeVersionNotice(stderr: string): string {
  return stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?\(Use `node --trace-warnings \.\.\.`[^\n]*\n/g, '');
}

let noCredentialsHome: string | undefined;

/** The environment a CLI child gets: no LocalStack endpoint or CI flag inherited from the run, plus `options`. */
export function cliEnv(options: CliOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['LOCALSTACK_ENDPOINT'];
  delete env['CI'];
  if (options.noCredentials) {
    noCredentialsHome ??= scratchDir('cli-no-credentials-');
    const home = noCredentialsHome;
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']) delete env[name];
    Object.assign(env, { HOME: home, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') });
  }
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Runs `scripts/<script>.ts` with `args`; killed after `timeoutMs` (default 90 s). */
export function runCli(script: string, args: string[], options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(ROOT, 'scripts', `${script}.ts`), ...args], { cwd: options.cwd ?? ROOT, env: cliEnv(options), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr: withoutNodeVersionNotice(stderr) });
    });
  });
}

/** Runs `cases` a few at a time (most of a CLI run is tsx start-up; the machine has two cores). */
export async function runAll<T>(cases: T[], run: (c: T) => Promise<void>, parallel = 2): Promise<void> {
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) await run(c);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** The refusal contract: exit `code`, nothing on stdout, exactly one stderr line, `error: ...` matching `message`. */
export function expectOneLineError(run: CliRun, code: number, message: RegExp): void {
  const report = JSON.stringify(run);
  expect(run.code, report).toBe(code);
  expect(run.stdout, report).toBe('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, report).toHaveLength(1);
  expect(lines[0], report).toMatch(/^error: /);
  expect(lines[0], report).toMatch(message);
  expect(run.stderr, report).not.toMatch(/^\s+at /m);
  // The SDK's own text for an answer it could not parse is two lines about a hidden field: never the user's.
  expect(run.stderr, report).not.toContain('$response');
}
