// `npm run localstack -- up|status|down` and `npm start`, interrupted or killed at awkward moments, as a user would:
// whatever the harness started is found and stopped, its data directory removed, and the next run works at once.
// Each test has its own state dir (LOCALSTACK_STATE_DIR) and ports, and its teardown stops what is left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect } from '@playwright/test';
import { freePort, portIsFree, processAlive, PROJECT_ROOT, waitForHealth } from '../../scripts/lib/localstack/launcher.ts';
import { ownedInstances, type State } from '../../scripts/lib/localstack/state.ts';

interface Fixtures {
  /** A state dir of its own; teardown runs `down` and checks that nothing of it runs any more. */
  stateDir: string;
  /** Runs an npm script to completion with this test's state dir. */
  npm: (script: string, ...args: string[]) => { code: number | null; stdout: string; stderr: string };
  /** Starts an npm script in a process group of its own (as a terminal would), for signals to the whole group. */
  launch: (script: string, ...args: string[]) => Launched;
}

interface Launched {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  /** Sends a signal to the whole group, like Ctrl-C (SIGINT) in a terminal, and waits for the exit code. */
  signal: (signal: NodeJS.Signals) => Promise<number | null>;
}

const test = base.extend<Fixtures>({
  stateDir: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'localstack-state-'));
    await use(dir);
    spawnSync('npm', ['run', '--silent', 'localstack', '--', 'down'], { cwd: PROJECT_ROOT, env: envFor(dir), timeout: 60_000 });
    const left = ownedInstances(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(left, 'no LocalStack of this test outlives it').toEqual([]);
  },
  npm: async ({ stateDir }, use) => {
    await use((script, ...args) => {
      const run = spawnSync('npm', ['run', '--silent', script, '--', ...args], {
        cwd: PROJECT_ROOT, env: envFor(stateDir), encoding: 'utf8', timeout: 180_000,
      });
      if (run.error) throw run.error;
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    });
  },
  launch: async ({ stateDir }, use) => {
    const launched: ChildProcess[] = [];
    await use((script, ...args) => {
      const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
        cwd: PROJECT_ROOT, env: envFor(stateDir), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      });
      launched.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => (stdout += d));
      child.stderr!.on('data', (d: Buffer) => (stderr += d));
      // A shell's exit status: npm itself may end by the signal it forwarded (128 + its number).
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 + constants.signals[sig] : null))));
      return {
        child,
        output: () => ({ stdout, stderr }),
        signal: async (signal) => {
          process.kill(-child.pid!, signal);
          return exited;
        },
      };
    });
    for (const child of launched) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  },
});

function envFor(stateDir: string): NodeJS.ProcessEnv {
  const { LOCALSTACK_ENDPOINT: _e, ...env } = process.env;
  return { ...env, LOCALSTACK_STATE_DIR: stateDir, LOCALSTACK_MODE: 'host' };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type HostState = Extract<State, { mode: 'host' }>;

const stateOf = (dir: string) => {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as HostState;
  } catch {
    return undefined;
  }
};

function groupAlive(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch {
    return false;
  }
}

/** Nothing of `state` is left: no process of its group (LocalStack and its Lambda processes), no port, no data directory. */
async function expectGone(state: Pick<HostState, 'pid' | 'endpoint' | 'dataDir'>) {
  await until('the process group to end', () => (processAlive(state.pid) || groupAlive(state.pid) ? undefined : true), 15_000);
  expect(existsSync(state.dataDir), `data directory ${state.dataDir}`).toBe(false);
  expect(await portIsFree(Number(new URL(state.endpoint).port)), `port of ${state.endpoint}`).toBe(true);
}

test.describe('npm run localstack', () => {
  test('Ctrl-C while `up` is starting stops LocalStack, says so in one line, and the next `up` works at once', async ({ stateDir, npm, launch }) => {
    const port = await freePort();
    const up = launch('localstack', 'up', '--port', String(port));
    // The record exists as soon as the process does: the earliest moment an interrupt can leave something behind.
    const state = await until('the state record', () => stateOf(stateDir));
    expect(processAlive(state.pid)).toBe(true);
    const code = await up.signal('SIGINT');
    expect(code).toBe(130);
    expect(up.output().stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: interrupted \(SIGINT\) while LocalStack was starting/)]);
    await expectGone(state);
    expect(stateOf(stateDir), 'no record of a stopped LocalStack').toBeUndefined();
    expect(ownedInstances(stateDir)).toEqual([]);

    const again = npm('localstack', 'up', '--port', String(port));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`LocalStack running at http://127.0.0.1:${port}`);
    expect(npm('localstack', 'status').code).toBe(0);
  });

  test('after `kill -9` of LocalStack, `status` says it is gone and removes its data directory', async ({ stateDir, npm }) => {
    const up = npm('localstack', 'up', '--port', String(await freePort()));
    expect(up.code, up.stderr).toBe(0);
    const state = stateOf(stateDir)!;
    process.kill(state.pid, 'SIGKILL');
    await until('LocalStack to die', () => (processAlive(state.pid) ? undefined : true));
    expect(existsSync(state.dataDir)).toBe(true);

    const status = npm('localstack', 'status');
    expect(status.code).toBe(1);
    expect(status.stdout).toContain(`LocalStack pid ${state.pid} (${state.endpoint}) is no longer running; removed its data directory ${state.dataDir}`);
    expect(status.stdout).toContain('No LocalStack running');
    await expectGone(state);
    const down = npm('localstack', 'down');
    expect([down.code, down.stdout]).toEqual([0, 'No LocalStack running\n']);
  });

  test('a launcher killed mid-start: `status` finds the unrecorded LocalStack and `down` stops it', async ({ stateDir, npm, launch }) => {
    const up = launch('localstack', 'up', '--port', String(await freePort()));
    const state = await until('the state record', () => stateOf(stateDir));
    await up.signal('SIGKILL'); // no handler runs: LocalStack, in a group of its own, goes on starting
    expect(processAlive(state.pid)).toBe(true);
    // The worst case: the record is lost too. The process still carries its owner in its environment.
    rmSync(join(stateDir, 'state.json'));

    const status = npm('localstack', 'status');
    expect(status.stdout).toContain(`LocalStack pid ${state.pid} at ${state.endpoint} was running without a record`);
    expect(stateOf(stateDir)?.pid).toBe(state.pid);
    const down = npm('localstack', 'down');
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain(`LocalStack at ${state.endpoint} stopped`);
    await expectGone(state);
  });

  test('`up --port N` while one runs on another port is refused instead of ignoring the port', async ({ stateDir, npm }) => {
    const [first, second] = [await freePort(), await freePort()];
    expect(npm('localstack', 'up', '--port', String(first)).code).toBe(0);
    const other = npm('localstack', 'up', '--port', String(second));
    expect(other.code).toBe(2);
    expect(other.stdout).toBe('');
    expect(other.stderr).toBe(
      `error: LocalStack already runs at http://127.0.0.1:${first} (pid ${stateOf(stateDir)!.pid}): stop it with \`npm run localstack -- down\` to start one on port ${second}\n`,
    );
    expect(await portIsFree(second)).toBe(true);
  });

  test('only the last few runs keep a log', async ({ stateDir, npm }) => {
    const old = Date.now() / 1000 - 3600;
    for (let i = 0; i < 8; i++) {
      const file = join(stateDir, `localstack-${40000 + i}.log`);
      writeFileSync(file, 'an old run\n');
      utimesSync(file, old + i, old + i);
    }
    const port = await freePort();
    expect(npm('localstack', 'up', '--port', String(port)).code).toBe(0);
    // Four older ones (the newest) and this run's.
    const logs = readdirSync(stateDir).filter((n) => n.endsWith('.log')).sort();
    expect(logs).toEqual([40004, 40005, 40006, 40007, port].map((p) => `localstack-${p}.log`).sort());
  });
});

// Ctrl-C once LocalStack runs, for each command that starts one: what it started is gone with it.
const interrupted: Array<[string, string[]]> = [
  ['start', ['--documents', '20', '--drill', '1', '--no-progress']],
  ['load', ['--documents', '20', '--no-progress']],
  ['test:local', ['specs/integration/loopback.spec.ts']],
];
for (const [script, args] of interrupted) {
  test(`\`npm run ${script}\` interrupted once LocalStack runs leaves no process, port or directory behind`, async ({ stateDir, launch }) => {
    const run = launch(script, ...args);
    const instance = await until('its LocalStack', () => ownedInstances(stateDir).find((i) => i.mode === 'host'), 120_000);
    await waitForHealth(instance.endpoint, { timeoutMs: 120_000 });
    await run.signal('SIGINT');
    if (instance.mode === 'host') await expectGone(instance);
    expect(ownedInstances(stateDir)).toEqual([]);
  });
}

test('`npm start` with a Docker engine that cannot pull names the mode and how to choose another', async ({ stateDir }) => {
  // A stand-in engine on loopback: it answers like Docker until the image has to be pulled, as on a machine
  // with Docker but no registry.
  const requests: string[] = [];
  const engine = http.createServer((req, res) => {
    const url = (req.url ?? '').replace(/^\/v[\d.]+/, '');
    requests.push(`${req.method} ${url.split('?')[0]}`);
    const json = (code: number, body: object) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.startsWith('/_ping')) return res.end('OK');
    if (url.startsWith('/info')) return json(200, { ServerVersion: '28.2.2', OperatingSystem: 'Debian', OSType: 'linux', Architecture: 'x86_64', Labels: [] });
    if (url.startsWith('/images/create')) return json(500, { message: 'Get "https://registry-1.docker.io/v2/": dial tcp: no such host' });
    return json(404, { message: 'No such image' });
  });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  try {
    const { LOCALSTACK_MODE: _m, ...env } = envFor(stateDir);
    // The base named, so the engine is asked to pull it (the official base where a registry answers).
    env.LOCALSTACK_BASE_IMAGE = 'python:3.13-slim-trixie';
    const port = (engine.address() as AddressInfo).port;
    // Not spawnSync: the engine above answers from this process's event loop.
    const child = spawn('npm', ['run', '--silent', 'start', '--', '--documents', '5'], {
      cwd: PROJECT_ROOT, env: { ...env, DOCKER_HOST: `tcp://127.0.0.1:${port}` }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const run = { status, stderr };
    expect(run.status, run.stderr).toBe(2);
    expect(requests, 'the image pull was tried').toContainEqual(expect.stringMatching(/^POST \/images\/create/));
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: container mode \(a Docker engine answers\): LOCALSTACK_BASE_IMAGE=python:3\.13-slim-trixie is not on this Docker engine and cannot be pulled \(.*no such host.*\); run on the host with LOCALSTACK_MODE=host, or point at a running LocalStack with LOCALSTACK_ENDPOINT=URL$/,
    );
    expect(ownedInstances(stateDir)).toEqual([]);
  } finally {
    await new Promise((resolve) => engine.close(resolve));
  }
});
