// The record of a LocalStack left running in the background (`npm run localstack -- up`, `npm start -- --keep`),
// so `npm run localstack -- status|down` can find it later.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, LocalStackError, processAlive, type LocalStackHandle } from '../../specs/support/localstack.ts';

const STATE_DIR = path.join(PROJECT_ROOT, '.localstack');
const STATE_FILE = path.join(STATE_DIR, 'state.json');

export interface State {
  pid: number;
  endpoint: string;
  logFile: string;
  dataDir?: string;
  startedAt: string;
}

function readState(): State | undefined {
  if (!existsSync(STATE_FILE)) return undefined;
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as State;
  } catch {
    return undefined;
  }
}

export function forgetState(): void {
  rmSync(STATE_FILE, { force: true });
}

/** The recorded instance if its process still runs; a stale record is removed. */
export function runningState(): State | undefined {
  const state = readState();
  if (state && processAlive(state.pid)) return state;
  forgetState();
  return undefined;
}

/** Records a host-mode LocalStack started with `persist: true`. */
export function recordState(handle: LocalStackHandle): State {
  if (handle.pid === undefined || handle.logFile === undefined) throw new LocalStackError('host LocalStack did not report its pid');
  mkdirSync(STATE_DIR, { recursive: true });
  const state: State = {
    pid: handle.pid,
    endpoint: handle.endpoint,
    logFile: handle.logFile,
    ...(handle.dataDir ? { dataDir: handle.dataDir } : {}),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  return state;
}
