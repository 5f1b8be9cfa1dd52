// `npm run localstack -- up [--port N] | status | down`
// A host-mode LocalStack (project venv + extension) that outlives this command, for running scripts and
// specs against (LOCALSTACK_ENDPOINT=...). Its pid, endpoint, log and data dir live in .localstack/state.json,
// written as soon as the process exists; `status` and `down` also find an instance whose record is missing
// (a launcher killed mid-start) and clean up after one that died (kill -9).
// Exit codes: 0 done, 1 `status` found none running, 2 could not do what was asked, 130 interrupted.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { forgetState, recordState, reconcile, type Reconciled } from './lib/localstack-state.ts';
import {
  LocalStackError,
  startLocalStack,
  stopProcessGroup,
  waitForHealth,
} from '../specs/support/localstack.ts';
import { failAndExit } from './lib/cli.ts';

const DEFAULT_PORT = 4566;

const exportHint = (endpoint: string) => `export LOCALSTACK_ENDPOINT=${endpoint}`;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Tells what reconciling the record found: a dead instance cleaned up, an unrecorded one adopted. */
function reportReconciled({ running, adopted, gone }: Reconciled): void {
  if (gone) say(`LocalStack pid ${gone.pid} (${gone.endpoint}) is no longer running; removed its data directory ${gone.dataDir}`);
  if (running && adopted) say(`LocalStack pid ${running.pid} at ${running.endpoint} was running without a record (an interrupted \`up\`?); recorded it`);
}

async function up(port: number, portGiven: boolean): Promise<number> {
  const found = reconcile();
  reportReconciled(found);
  const existing = found.running;
  if (existing) {
    if (portGiven && new URL(existing.endpoint).port !== String(port)) {
      failAndExit(
        `LocalStack already runs at ${existing.endpoint} (pid ${existing.pid}): stop it with \`npm run localstack -- down\` to start one on port ${port}`,
        2,
      );
    }
    say(`LocalStack already running at ${existing.endpoint} (pid ${existing.pid})\n${exportHint(existing.endpoint)}`);
    return 0;
  }
  // Until it is ready an interrupt stops it: the launcher's exit handler kills the process group and removes its
  // data dir; here the record goes and the user is told, in one line.
  const interrupted = (signal: NodeJS.Signals) => {
    forgetState();
    process.stderr.write(`error: interrupted (${signal}) while LocalStack was starting; it was stopped and nothing is left running\n`);
    process.exit(130);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, interrupted);
  const handle = await startLocalStack({ mode: 'host', port, persist: true, quiet: true, onSpawn: recordState });
  for (const s of signals) process.off(s, interrupted);
  say(
    `LocalStack running at ${handle.endpoint} (pid ${handle.pid}, log ${handle.logFile})\n` +
      exportHint(handle.endpoint),
  );
  return 0;
}

async function status(): Promise<number> {
  const found = reconcile();
  reportReconciled(found);
  const state = found.running;
  if (!state) {
    say('No LocalStack running (start one with `npm run localstack -- up`)');
    return 1;
  }
  try {
    await waitForHealth(state.endpoint, { timeoutMs: 3_000 });
  } catch {
    say(`LocalStack pid ${state.pid} is running but ${state.endpoint} is not healthy (still starting? log: ${state.logFile})`);
    return 1;
  }
  say(`LocalStack running at ${state.endpoint} (pid ${state.pid}, since ${state.startedAt})\n${exportHint(state.endpoint)}`);
  return 0;
}

async function down(): Promise<number> {
  const found = reconcile();
  reportReconciled(found);
  const state = found.running;
  if (!state) {
    if (!found.gone) say('No LocalStack running');
    return 0;
  }
  await stopProcessGroup(state.pid);
  rmSync(state.dataDir, { recursive: true, force: true });
  forgetState();
  say(`LocalStack at ${state.endpoint} stopped`);
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
    .action((opts: { port: string }, command: Command) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) failAndExit(`--port ${opts.port} is not a port number`, 2);
      action = () => up(port, command.getOptionValueSource('port') === 'cli');
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
