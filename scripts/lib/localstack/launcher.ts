// Starts (or finds) the LocalStack every LocalStack-backed spec, script and CLI uses.
// Modes, in this order unless LOCALSTACK_MODE says otherwise:
//   external  LOCALSTACK_ENDPOINT is set: wait for its health, never stop it
//   container a Docker engine answers: testcontainers with the project's image (container.ts)
//   host      the project's venv runs LocalStack on a free loopback port (host.ts)
// Lambda runs on the project extension's local-node executor in both.
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DEFAULT_REGION } from '../aws/clients.ts';
import { LocalStackError, waitForHealth, type LocalStackHandle, type LocalStackMode, type StartOptions } from './common.ts';
import { startContainer } from './container.ts';
import { startHost } from './host.ts';

export * from './common.ts';
export { processAlive, stopProcessGroup } from './process.ts';
export { CONTAINER_LABEL, PERSIST_LABEL } from './container.ts';
export { hostEnvironment } from './host.ts';

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

