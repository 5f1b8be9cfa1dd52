// Shared CLI plumbing: one-line errors with the right exit code, and a progress bar that stays quiet
// when output is not a terminal (CI logs get a line per phase instead).
import cliProgress from 'cli-progress';

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
