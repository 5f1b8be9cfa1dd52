// What every LocalStack mode shares: the handle and instance types, the project's paths and state dir, the
// services it needs, the error callers print as one line, a free loopback port and the health wait.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
/** Cleans up after a launcher that is gone (reaper.mjs): containers, or a host instance's group and data dir. */
export const REAPER = path.join(PROJECT_ROOT, 'scripts', 'lib', 'localstack', 'reaper.mjs');

/** Where host instances keep their logs and `localstack up` its record; LOCALSTACK_STATE_DIR moves it (specs do). */
export function stateDir(): string {
  return path.resolve(process.env.LOCALSTACK_STATE_DIR ?? path.join(PROJECT_ROOT, '.localstack'));
}

/**
 * Set in every host LocalStack's environment to its state dir: `status` and `down` find the instances of this
 * checkout by it in /proc even when no record was written (a launcher killed mid-start).
 */
export const OWNER_ENV = 'DOCUMENT_BACKUP_STACK_LOCALSTACK';

export const HEALTH_TIMEOUT_MS = 90_000;

/** An expected failure: callers print the message alone, without a stack trace. */
export class LocalStackError extends Error {
  override name = 'LocalStackError';
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

/** Whether a port on 127.0.0.1 can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
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

