// Removes the containers of a launcher once its process is gone (Ctrl-C, a crash, SIGKILL of a test run).
// testcontainers' own reaper (Ryuk) is an image to pull, which a machine without a registry cannot; this is a
// detached Node process talking to the engine's API. It finds the containers by the session label the launcher
// puts on them, so one that failed half-way through its start is removed too.
// Usage: node reaper.mjs PARENT_PID LABEL=VALUE DOCKER_HOST
import http from 'node:http';

const [parentArg, label, dockerHost = 'unix:///var/run/docker.sock'] = process.argv.slice(2);
const parent = Number(parentArg);
const target = dockerHost.startsWith('unix://')
  ? { socketPath: dockerHost.slice('unix://'.length) }
  : (({ hostname, port }) => ({ host: hostname, port }))(new URL(dockerHost.replace(/^tcp:/, 'http:')));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function request(method, path) {
  return new Promise((resolve) => {
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
}

async function containers() {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const { status, body } = await request('GET', `/containers/json?all=true&filters=${filters}`);
  return status === 200 ? JSON.parse(body).map((c) => c.Id) : undefined;
}

let seen = false;
for (;;) {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  if (!alive(parent)) {
    for (const id of (await containers()) ?? []) await request('DELETE', `/containers/${id}?force=true&v=true`);
    break;
  }
  const ids = await containers();
  if (ids === undefined) break; // the engine is gone
  if (ids.length > 0) seen = true;
  else if (seen) break; // stopped and removed by the launcher itself
}
