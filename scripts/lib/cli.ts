// Shared CLI plumbing: one-line errors with the right exit code, and a progress bar that stays quiet
// when output is not a terminal (CI logs get a line per phase instead).
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command, type CommanderError } from 'commander';

export function failAndExit(message: string, code: number): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(code);
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

/** Usage errors (unknown option, bad or missing argument) exit 2, like every other unusable input; help exits 0. */
export function usageErrorsExit2<T extends Command>(program: T): T {
  return program.exitOverride((err: CommanderError) => {
    process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2);
  }) as T;
}
