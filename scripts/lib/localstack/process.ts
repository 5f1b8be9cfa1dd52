// Process groups: LocalStack runs in its own, so stopping it also stops the Lambda processes it started, and
// an exit or a signal of the launcher stops it.
import { readFileSync } from 'node:fs';

const STOP_GRACE_MS = 10_000;

export function registerEmergencyStop(cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    // Re-raise only when nobody else handles the signal (Playwright's workers do, and exit on their own).
    if (process.listenerCount(signal) === 1) {
      unregister();
      process.kill(process.pid, signal);
    }
  };
  const onExit = () => cleanup();
  process.on('exit', onExit);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const unregister = () => {
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  };
  return unregister;
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0); // signal 0 probes without signalling
}

export function killGroupNow(pid: number): void {
  signalGroup(pid, 'SIGKILL');
}

/** SIGTERM the process group, give LocalStack time to shut down, then SIGKILL whatever is left. */
export async function stopProcessGroup(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!signalGroup(pid, 'SIGTERM')) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && processAlive(pid)) await sleep(100);
  // The leader is gone (or stuck): nothing in the group may outlive it.
  killGroupNow(pid);
  while (groupAlive(pid)) await sleep(50);
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped by its parent) still answers signal 0.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}


function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
