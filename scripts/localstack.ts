// `npm run localstack -- up [--port N] [--mode host|container] | status | down | image`
// A LocalStack that outlives this command, for running scripts and specs against (LOCALSTACK_ENDPOINT=...):
// host mode (the project venv + extension) by default, or the project's image in a container. What runs is
// recorded in .localstack/state.json as soon as it exists; `status` and `down` also find one whose record is
// missing (a launcher killed mid-start) and clean up after one that died (kill -9).
// Exit codes: 0 done, 1 `status` found none running, 2 could not do what was asked, 130 interrupted.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { forgetState, instanceLabel, recordState, reconcile, stopInstance, type Reconciled } from './lib/localstack/state.ts';
import { LocalStackError, startLocalStack, waitForHealth, type LocalStackMode } from './lib/localstack/launcher.ts';
import { cliProgram, failAndExit, internalError } from './lib/cli.ts';

const DEFAULT_PORT = 4566;

const exportHint = (endpoint: string) => `export LOCALSTACK_ENDPOINT=${endpoint}`;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Tells what reconciling the record found: a dead instance cleaned up, an unrecorded one adopted. */
function reportReconciled({ running, adopted, gone }: Reconciled): void {
  if (gone) {
    const left = gone.mode === 'host' ? `removed its data directory ${gone.dataDir}` : 'removed the container';
    say(`LocalStack ${instanceLabel(gone)} (${gone.endpoint}) is no longer running; ${left}`);
  }
  if (running && adopted) say(`LocalStack ${instanceLabel(running)} at ${running.endpoint} was running without a record (an interrupted \`up\`?); recorded it`);
}

async function up(port: number, portGiven: boolean, mode: LocalStackMode): Promise<number> {
  const found = reconcile();
  reportReconciled(found);
  const existing = found.running;
  if (existing) {
    if (portGiven && new URL(existing.endpoint).port !== String(port)) {
      failAndExit(
        `LocalStack already runs at ${existing.endpoint} (${instanceLabel(existing)}): stop it with \`npm run localstack -- down\` to start one on port ${port}`,
        2,
      );
    }
    say(`LocalStack already running at ${existing.endpoint} (${instanceLabel(existing)})\n${exportHint(existing.endpoint)}`);
    return 0;
  }
  // Until it is ready an interrupt stops it: the launcher's exit handler kills the process group and removes its
  // data dir (or removes the container); here the record goes and the user is told, in one line.
  const interrupted = (signal: NodeJS.Signals) => {
    forgetState();
    process.stderr.write(`error: interrupted (${signal}) while LocalStack was starting; it was stopped and nothing is left running\n`);
    process.exit(130);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, interrupted);
  const handle = await startLocalStack({ mode, port, persist: true, quiet: mode === 'host', onSpawn: recordState });
  for (const s of signals) process.off(s, interrupted);
  const where = handle.logFile ? `pid ${handle.pid}, log ${handle.logFile}` : `container ${handle.containerId?.slice(0, 12)}`;
  say(`LocalStack running at ${handle.endpoint} (${where})\n${exportHint(handle.endpoint)}`);
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
    const log = state.mode === 'host' ? `log: ${state.logFile}` : `docker logs ${state.containerId.slice(0, 12)}`;
    say(`LocalStack ${instanceLabel(state)} is running but ${state.endpoint} is not healthy (still starting? ${log})`);
    return 1;
  }
  say(`LocalStack running at ${state.endpoint} (${instanceLabel(state)}, since ${state.startedAt})\n${exportHint(state.endpoint)}`);
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
  await stopInstance(state);
  say(`LocalStack at ${state.endpoint} stopped`);
  return 0;
}

async function image(): Promise<number> {
  const { ensureImage } = await import('./lib/localstack/image.ts');
  const name = await ensureImage((line) => process.stderr.write(`[image] ${line}\n`));
  say(`${name} built (\`docker compose up\` runs it; \`npm run localstack -- up --mode container\` too)`);
  return 0;
}

/** A loopback port, 1-65535. */
function portArg(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError(`--port ${value} is not a port number`);
  return port;
}

async function main(argv: string[]): Promise<number> {
  let action: (() => Promise<number>) | undefined;
  const program = cliProgram('npm run localstack --', 'Run the project LocalStack in the background (host mode, or the project image in a container).');
  program
    .command('up')
    .description('start LocalStack in the background and print its endpoint')
    .option('-p, --port <port>', 'loopback port', portArg, DEFAULT_PORT)
    .addOption(new Option('--mode <mode>', 'host: the project venv; container: the project image (needs Docker)').choices(['host', 'container']).default('host'))
    .action((opts: { port: number; mode: LocalStackMode }, command: Command) => {
      action = () => up(opts.port, command.getOptionValueSource('port') === 'cli', opts.mode);
    });
  program.command('status').description('print the running LocalStack (exit 1 when none)').action(() => {
    action = status;
  });
  program.command('down').description('stop the running LocalStack and everything it started').action(() => {
    action = down;
  });
  program.command('image').description('build the project LocalStack image (a cache hit when nothing changed)').action(() => {
    action = image;
  });
  program.parse(argv, { from: 'user' });
  return action ? action() : 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => (error instanceof LocalStackError ? failAndExit(error.message, 2) : internalError(error)),
);
