// The record of a LocalStack left running in the background (`npm run localstack -- up`, `npm start -- --keep`),
// and the look in /proc that finds one even when the record was never written or its process died.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  OWNER_ENV,
  processAlive,
  stateDir,
  type HostInstance,
} from '../../specs/support/localstack.ts';

export interface State extends HostInstance {
  startedAt: string;
}

const stateFile = () => path.join(stateDir(), 'state.json');

function readState(): State | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as State;
    return Number.isInteger(state.pid) && typeof state.endpoint === 'string' ? state : undefined;
  } catch {
    return undefined; // none, or half-written by a command killed at that moment
  }
}

export function forgetState(): void {
  rmSync(stateFile(), { force: true });
}

/** Records a host-mode LocalStack meant to outlive its launcher; called as soon as its process exists. */
export function recordState(instance: HostInstance): State {
  mkdirSync(stateDir(), { recursive: true });
  const state: State = {
    pid: instance.pid,
    endpoint: instance.endpoint,
    logFile: instance.logFile,
    dataDir: instance.dataDir,
    startedAt: new Date().toISOString(),
  };
  // Written whole or not at all: a reader never sees half a record.
  const tmp = `${stateFile()}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile());
  return state;
}

interface FoundInstance extends HostInstance {
  /** Started to outlive its launcher (`up`, `start --keep`): `down` may stop it. */
  persistent: boolean;
}

/** Host LocalStacks of this state dir, found by the owner variable in their environment (group leaders only). */
export function ownedInstances(owner: string = stateDir()): FoundInstance[] {
  const found: FoundInstance[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const pid = Number(name);
    let env: Map<string, string>;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pid) continue; // not a group leader
      env = new Map(
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]),
      );
    } catch {
      continue; // gone meanwhile, or another user's process
    }
    if (env.get(OWNER_ENV) !== owner || !processAlive(pid)) continue;
    const port = (env.get('GATEWAY_LISTEN') ?? '').split(':').pop() ?? '';
    const fsRoot = env.get('FILESYSTEM_ROOT') ?? '';
    found.push({
      pid,
      endpoint: `http://127.0.0.1:${port}`,
      logFile: path.join(owner, `localstack-${port}.log`),
      dataDir: path.dirname(fsRoot),
      persistent: env.get('LOCALSTACK_EXIT_WITH_PARENT') === '0',
    });
  }
  return found;
}

export interface Reconciled {
  /** The background LocalStack, from the record or adopted from /proc. */
  running?: State;
  /** It was found in /proc without a record (a launcher interrupted before it could write one). */
  adopted?: boolean;
  /** The record named a process that is gone (e.g. `kill -9`): its data directory was removed. */
  gone?: State;
}

/** The record made true: a dead instance is cleaned up, an unrecorded live one is recorded. */
export function reconcile(): Reconciled {
  const state = readState();
  const live = ownedInstances().filter((i) => i.persistent);
  if (state && live.some((i) => i.pid === state.pid)) return { running: state };
  const result: Reconciled = {};
  if (state) {
    // Its Lambda processes end by themselves when their control socket closes with LocalStack.
    if (state.dataDir && existsSync(state.dataDir)) rmSync(state.dataDir, { recursive: true, force: true });
    forgetState();
    result.gone = state;
  }
  const orphan = live[0];
  if (orphan) {
    result.running = recordState(orphan);
    result.adopted = true;
  }
  return result;
}
