// The record of a LocalStack left running in the background (`npm run localstack -- up`, `npm start -- --keep`),
// and the look in /proc (host) or at the engine's labels (container) that finds one even when the record was
// never written or its process died.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONTAINER_LABEL,
  OWNER_ENV,
  PERSIST_LABEL,
  processAlive,
  stateDir,
  stopProcessGroup,
  type Instance,
} from './launcher.ts';

export type State = Instance & { startedAt: string };

const stateFile = () => path.join(stateDir(), 'state.json');

function readState(): State | undefined {
  try {
    const state = JSON.parse(readFileSync(stateFile(), 'utf8')) as State;
    return typeof state.endpoint === 'string' ? state : undefined;
  } catch {
    return undefined; // none, or half-written by a command killed at that moment
  }
}

export function forgetState(): void {
  rmSync(stateFile(), { force: true });
}

/** Records a LocalStack meant to outlive its launcher; called as soon as its process or container exists. */
export function recordState(instance: Instance): State {
  mkdirSync(stateDir(), { recursive: true });
  const state: State = { ...instance, startedAt: new Date().toISOString() };
  // Written whole or not at all: a reader never sees half a record.
  const tmp = `${stateFile()}.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile());
  return state;
}

export type FoundInstance = Instance & {
  /** Started to outlive its launcher (`up`, `start --keep`): `down` may stop it. */
  persistent: boolean;
};

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
    found.push({
      mode: 'host',
      pid,
      endpoint: `http://127.0.0.1:${port}`,
      logFile: path.join(owner, `localstack-${port}.log`),
      dataDir: path.dirname(env.get('FILESYSTEM_ROOT') ?? ''),
      persistent: env.get('LOCALSTACK_EXIT_WITH_PARENT') === '0',
    });
  }
  return found.concat(ownedContainers(owner));
}

/** Running containers of this state dir, by label; none when no Docker engine answers. */
function ownedContainers(owner: string): FoundInstance[] {
  const ps = spawnSync('docker', ['ps', '--no-trunc', '--filter', `label=${CONTAINER_LABEL}=${owner}`, '--format', '{{.ID}} {{.Ports}} {{.Label "' + PERSIST_LABEL + '"}}'], {
    encoding: 'utf8',
  });
  if (ps.status !== 0) return [];
  return ps.stdout.split('\n').filter(Boolean).map((line) => {
    const [containerId = '', ports = '', persist = ''] = line.split(' ');
    const port = /127\.0\.0\.1:(\d+)->/.exec(ports)?.[1] ?? '';
    return { mode: 'container', containerId, endpoint: `http://127.0.0.1:${port}`, persistent: persist === '1' } as FoundInstance;
  });
}

function running(state: State, live: FoundInstance[]): boolean {
  return live.some((i) => (state.mode === 'container' ? i.mode === 'container' && i.containerId === state.containerId : i.mode === 'host' && i.pid === state.pid));
}

export interface Reconciled {
  /** The background LocalStack, from the record or adopted from /proc or the engine. */
  running?: State;
  /** It was found without a record (a launcher interrupted before it could write one). */
  adopted?: boolean;
  /** The record named a process or container that is gone (e.g. `kill -9`): what it left was removed. */
  gone?: State;
}

/** The record made true: a dead instance is cleaned up, an unrecorded live one is recorded. */
export function reconcile(): Reconciled {
  const state = readState();
  const live = ownedInstances().filter((i) => i.persistent);
  if (state && running(state, live)) return { running: state };
  const result: Reconciled = {};
  if (state) {
    // Its Lambda processes end by themselves when their control socket closes with LocalStack.
    if (state.mode === 'host' && existsSync(state.dataDir)) rmSync(state.dataDir, { recursive: true, force: true });
    if (state.mode === 'container') spawnSync('docker', ['rm', '--force', '--volumes', state.containerId], { stdio: 'ignore' });
    forgetState();
    result.gone = state;
  }
  const orphan = live[0];
  if (orphan) {
    const { persistent: _p, ...instance } = orphan;
    result.running = recordState(instance as Instance);
    result.adopted = true;
  }
  return result;
}

/** Stops a recorded LocalStack and removes what it kept; the record goes last. */
export async function stopInstance(state: State): Promise<void> {
  if (state.mode === 'container') {
    spawnSync('docker', ['rm', '--force', '--volumes', state.containerId], { stdio: 'ignore' });
  } else {
    await stopProcessGroup(state.pid);
    rmSync(state.dataDir, { recursive: true, force: true });
  }
  forgetState();
}

/** How a user refers to it: `pid N` or `container ID`. */
export const instanceLabel = (i: Instance) => (i.mode === 'container' ? `container ${i.containerId.slice(0, 12)}` : `pid ${i.pid}`);
