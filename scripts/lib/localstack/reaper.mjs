// Cleans up after a launcher that is gone without doing it itself (Ctrl-C handled by a parent that then killed
// it, a crash, SIGKILL of a test run). A detached Node process, one per started LocalStack:
//   node reaper.mjs container PARENT_PID LABEL=VALUE DOCKER_HOST
//     removes the containers carrying the launcher's session label (also one whose start failed half-way).
//     testcontainers' own reaper (Ryuk) is an image to pull, which a machine without a registry cannot.
//   node reaper.mjs host PARENT_PID LEADER_PID DATA_DIR
//     stops LocalStack's process group and removes its data directory.
// It exits by itself once its launcher has cleaned up.
import { existsSync, rmSync } from 'node:fs';
import http from 'node:http';

const [mode, parentArg, ...rest] = process.argv.slice(2);
const parent = Number(parentArg);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function reapHost(leader, dataDir) {
  for (;;) {
    await sleep(1000);
    if (!alive(leader) && !existsSync(dataDir)) return; // stopped and cleaned up by its launcher
    if (alive(parent)) continue;
    const group = (signal) => {
      try {
        process.kill(-leader, signal);
        return true;
      } catch {
        return false; // the group is gone
      }
    };
    group('SIGTERM');
    for (let waited = 0; waited < 10_000 && group(0); waited += 200) await sleep(200);
    group('SIGKILL');
    while (group(0)) await sleep(100);
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
}

async function reapContainers(label, dockerHost) {
  const target = dockerHost.startsWith('unix://')
    ? { socketPath: dockerHost.slice('unix://'.length) }
    : (({ hostname, port }) => ({ host: hostname, port }))(new URL(dockerHost.replace(/^tcp:/, 'http:')));
  const request = (method, path) =>
    new Promise((resolve) => {
      const req = http.request({ ...target, method, path, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve({ status: 0, body: '' }));
      req.end();
    });
  const containers = async () => {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const { status, body } = await request('GET', `/containers/json?all=true&filters=${filters}`);
    return status === 200 ? JSON.parse(body).map((c) => c.Id) : undefined;
  };
  let seen = false;
  for (;;) {
    await sleep(1000);
    if (!alive(parent)) {
      for (const id of (await containers()) ?? []) await request('DELETE', `/containers/${id}?force=true&v=true`);
      return;
    }
    const ids = await containers();
    if (ids === undefined) return; // the engine is gone
    if (ids.length > 0) seen = true;
    else if (seen) return; // stopped and removed by the launcher itself
  }
}

if (mode === 'host') await reapHost(Number(rest[0]), rest[1]);
else if (mode === 'container') await reapContainers(rest[0], rest[1] ?? 'unix:///var/run/docker.sock');
