// Shared CLI plumbing for every command under scripts/: one commander setup (an unknown flag or a bad value
// is one `error: ` line and exit 2), the argument parsers, the one-line errors with the right exit code, paths
// resolved where the user ran npm, and a progress bar that stays quiet when output is not a terminal (CI logs
// get a line per phase instead).
//
// Exit codes, the same for every command: 0 success, 1 the job ran and found problems (or failed), 2 the input
// is not usable (a bad flag or value, a missing file, an endpoint that is not there): nothing was changed.
import { basename, isAbsolute, relative, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, type CommanderError } from 'commander';

export function failAndExit(message: string, code: number): never {
  process.stderr.write(`error: ${oneLine(message)}\n`);
  process.exit(code);
}

/** Collapses a message to one line (an SDK or parser message may carry more). */
export function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, ' ');
}

/**
 * An error the command did not expect (a bug, not the user's input): one line, exit 1. DEBUG=1 adds the stack.
 * For commands whose main() returns a promise: `main().then(..., internalError)`.
 */
export function internalError(error: unknown): never {
  if (process.env['DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  failAndExit(`internal error: ${message}${process.env['DEBUG'] ? '' : ' (run with DEBUG=1 for the stack trace)'}`, 1);
}

// ---------------------------------------------------------------- paths

/**
 * The directory the user ran the command from. `npm run X` changes to the package root and says where it was
 * started in INIT_CWD; that counts only when npm ran this very script (npm_lifecycle_script names it): a CLI
 * spawned by something npm started (a spec under `npm test`) inherits INIT_CWD but runs where its parent put it.
 */
export function invocationDir(): string {
  const init = process.env['INIT_CWD'];
  const lifecycle = process.env['npm_lifecycle_script'];
  const script = process.argv[1] ? basename(process.argv[1]) : undefined;
  if (init && lifecycle && script && lifecycle.split(/\s+/).some((word) => basename(word) === script)) return init;
  return process.cwd();
}

/** A path the user gave, absolute: a relative one is taken from where the user ran npm (see invocationDir). */
export function userPath(path: string): string {
  return resolve(invocationDir(), path);
}

/** A path the command made (a report), as the user should type it from where they ran npm. */
export function displayPath(path: string): string {
  const rel = relative(invocationDir(), path);
  // Outside the user's directory the absolute path reads better than a ladder of ../
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export interface ProgressEvent {
  phase: string;
  message: string;
  completed?: number;
  total?: number;
}

export interface ProgressReporter {
  update: (event: ProgressEvent) => void;
  stop: () => void;
}

export function progressReporter(enabled: boolean, label: string): ProgressReporter {
  if (!enabled) return { update: () => {}, stop: () => {} };
  const tty = process.stderr.isTTY;
  let bar: cliProgress.SingleBar | undefined;
  let lastPhase = '';
  return {
    update(event) {
      if (event.phase !== lastPhase) {
        bar?.stop();
        bar = undefined;
        lastPhase = event.phase;
        if (!tty || event.total === undefined) process.stderr.write(`[${label}] ${event.phase}: ${event.message}\n`);
      }
      if (tty && event.total !== undefined) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `[${label}] ${event.phase} {bar} {value}/{total} {message}`, stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(event.total, event.completed ?? 0, { message: event.message });
        }
        bar.setTotal(event.total);
        bar.update(event.completed ?? 0, { message: event.message });
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

// Argument parsers for commander: a bad value becomes one line naming it.
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function bucketNameArg(pattern: RegExp = S3_BUCKET_NAME) {
  return (value: string): string => {
    if (!pattern.test(value)) throw new InvalidArgumentError(`"${value}" is not a valid S3 bucket name`);
    return value;
  };
}

export function endpointUrlArg(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    return value.replace(/\/$/, '');
  } catch {
    throw new InvalidArgumentError(`"${value}" is not an http(s) URL`);
  }
}

export function wholeNumberArg(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `"${value}" is not a whole number of at least ${min}` : `"${value}" is not a whole number from ${min} to ${max}`,
      );
    }
    return n;
  };
}

export function positiveIntArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}

/** One of `choices`, named in the error (commander's .choices() says the same, for options declared with Option). */
export function choiceArg<T extends string>(option: string, choices: readonly T[]) {
  return (value: string): T => {
    const named = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(`${option} must be ${named}, not '${value}'`);
    return value as T;
  };
}

/**
 * Usage errors (unknown option, bad or missing argument, excess arguments, no subcommand) are one line,
 * `error: <what> (see --help)`, and exit 2, like every other unusable input; --help exits 0.
 */
export function usageErrorsExit2<T extends Command>(program: T): T {
  program
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (message) => process.stderr.write(`${oneLine(/^error: /.test(message) ? message : `error: ${message}`)} (see --help)\n`),
      // Help printed because of an error (a missing subcommand) would be many lines on stderr: one is said instead.
      writeErr: () => {},
    })
    .exitOverride((err: CommanderError) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) process.exit(0);
      if (err.code === 'commander.help') {
        const commands = program.commands.map((c) => c.name());
        const list = commands.length > 2 ? `${commands.slice(0, -1).join(', ')} or ${commands.at(-1)}` : commands.join(' or ');
        failAndExit(`no command given${commands.length ? `: use ${list}` : ''} (see --help)`, 2);
      }
      process.exit(2);
    });
  return program;
}

/** A command with the project's CLI contract (see usageErrorsExit2); every script under scripts/ starts from this. */
export function cliProgram(name: string, description: string): Command {
  return usageErrorsExit2(new Command().name(name).description(description));
}
