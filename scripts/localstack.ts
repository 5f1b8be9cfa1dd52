// `npm run localstack -- up [--port N] | status | down`
// A host-mode LocalStack (project venv + extension) that outlives this command, for running scripts and
// specs against (LOCALSTACK_ENDPOINT=...). Its pid, endpoint and log live in .localstack/state.json.
// Exit codes: 0 done, 1 `status` found none running, 2 could not do what was asked.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { forgetState, recordState, runningState } from './lib/localstack-state.ts';
import {
  LocalStackError,
  startLocalStack,
  stopProcessGroup,
  waitForHealth,
} from '../specs/support/localstack.ts';
import { failAndExit } from './lib/cli.ts';

const DEFAULT_PORT = 4566;

const exportHint = (endpoint: string) => `export LOCALSTACK_ENDPOINT=${endpoint}`;

async function up(port: number): Promise<number> {
  const existing = runningState();
  if (existing) {
    process.stdout.write(`LocalStack already running at ${existing.endpoint} (pid ${existing.pid})\n${exportHint(existing.endpoint)}\n`);
    return 0;
  }
  const handle = await startLocalStack({ mode: 'host', port, persist: true, quiet: true });
  const state = recordState(handle);
  process.stdout.write(
    `LocalStack running at ${handle.endpoint} (pid ${state.pid}, log ${path.relative(process.cwd(), state.logFile)})\n` +
      `${exportHint(handle.endpoint)}\n`,
  );
  return 0;
}

async function status(): Promise<number> {
  const state = runningState();
  if (!state) {
    process.stdout.write('No LocalStack running (start one with `npm run localstack -- up`)\n');
    return 1;
  }
  try {
    await waitForHealth(state.endpoint, { timeoutMs: 3_000 });
  } catch {
    process.stdout.write(`LocalStack pid ${state.pid} is running but ${state.endpoint} is not healthy (log: ${state.logFile})\n`);
    return 1;
  }
  process.stdout.write(`LocalStack running at ${state.endpoint} (pid ${state.pid}, since ${state.startedAt})\n${exportHint(state.endpoint)}\n`);
  return 0;
}

async function down(): Promise<number> {
  const state = runningState();
  if (!state) {
    process.stdout.write('No LocalStack running\n');
    return 0;
  }
  await stopProcessGroup(state.pid);
  if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
  forgetState();
  process.stdout.write(`LocalStack at ${state.endpoint} stopped\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let action: (() => Promise<number>) | undefined;
  const program = new Command()
    .name('localstack')
    .description('Run the project LocalStack (host mode) in the background.')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, outputError: () => {} });
  program
    .command('up')
    .description('start LocalStack in the background and print its endpoint')
    .option('-p, --port <port>', 'loopback port', String(DEFAULT_PORT))
    .action((opts: { port: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) failAndExit(`--port ${opts.port} is not a port number`, 2);
      action = () => up(port);
    });
  program.command('status').description('print the running LocalStack (exit 1 when none)').action(() => {
    action = status;
  });
  program.command('down').description('stop the running LocalStack and everything it started').action(() => {
    action = down;
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // 'commander.help' without --help: no command was given (commander's help went to the muted stderr).
      if (error.code === 'commander.help') failAndExit('no command given: use up, status or down (see --help)', 2);
      failAndExit(`${error.message.replace(/^error:\s*/, '').split('\n')[0]} (see --help)`, 2);
    }
    throw error;
  }
  if (!action) {
    process.stdout.write(program.helpInformation());
    return 2;
  }
  return action();
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof LocalStackError) failAndExit(error.message, 2);
    throw error;
  },
);
