// Container mode: the project's image under testcontainers, published on 127.0.0.1 only, removed afterwards
// (by the launcher, or by the reaper process when the launcher is gone).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_REGION } from '../aws/clients.ts';
import { HEALTH_TIMEOUT_MS, LocalStackError, REAPER, freePort, stateDir, waitForHealth, type LocalStackHandle, type StartOptions } from './common.ts';
import { registerEmergencyStop } from './process.ts';

export async function startContainer(opts: StartOptions, log: (msg: string) => void): Promise<LocalStackHandle> {
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
  if (!opts.persist) {
    // Whatever ends this process (Ctrl-C, a crash, SIGKILL), the reaper removes its containers after it,
    // also one whose start failed half-way.
    spawn(process.execPath, [REAPER, 'container', String(process.pid), session, process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'], {
      detached: true,
      stdio: 'ignore',
    }).unref();
  }
  // Also for a container meant to persist: until it is ready (and recorded), an interrupt must not leave it.
  const unregister = registerEmergencyStop(remove);
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
  if (opts.persist) unregister(); // from here on it is `localstack down`'s
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

/** Removes the containers labelled `label=value` (synchronous: it also runs from exit and signal handlers). */
function removeContainers(labelFilter: string): void {
  const ids = spawnSync('docker', ['ps', '--all', '--quiet', '--filter', `label=${labelFilter}`], { encoding: 'utf8' }).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length > 0) spawnSync('docker', ['rm', '--force', '--volumes', ...ids], { stdio: 'ignore' });
}
const OTHER_MODES = 'run on the host with LOCALSTACK_MODE=host, or point at a running LocalStack with LOCALSTACK_ENDPOINT=URL';

