#!/usr/bin/env node
// Installs what the project needs on a fresh machine and does nothing on a second run.
// It must run before node_modules exists, so it uses only Node's standard library.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const log = (msg) => { if (!quiet) process.stderr.write(`[bootstrap] ${msg}\n`); };
const say = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (res.error || res.status !== 0) {
    say(`failed: ${cmd} ${args.join(' ')}${res.error ? ` (${res.error.message})` : ''}`);
    process.exit(res.status || 1);
  }
}

function hashFiles(paths) {
  const h = createHash('sha256');
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    const st = statSync(full);
    if (st.isDirectory()) {
      for (const entry of walk(full)) { h.update(entry); h.update(readFileSync(entry)); }
    } else {
      h.update(p); h.update(readFileSync(full));
    }
  }
  return h.digest('hex');
}

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    if (name === '__pycache__' || name.endsWith('.egg-info') || name === 'build') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full); else yield full;
  }
}

function stamped(stampFile, hash) {
  return existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === hash;
}

// npm: install when node_modules is missing or does not match package-lock.json. npm records what it
// installed in node_modules/.package-lock.json, so comparing the two needs no stamp of our own.
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
  say('installing npm packages (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
}

// Python: a venv with the pinned tools and the project's LocalStack extension.
// localstack-core 4.14.0 uses Python 3.12 syntax (its metadata claims 3.10), so the venv needs >= 3.12
// even where the machine's default python3 is older.
const MIN_PYTHON = [3, 12];
const venv = join(root, '.venv');
const py = join(venv, 'bin', 'python');

function pythonVersion(exe) {
  const res = spawnSync(exe, ['-c', 'import sys; print(sys.version_info[0], sys.version_info[1])'], { encoding: 'utf8' });
  if (res.status !== 0 || !res.stdout) return undefined;
  return res.stdout.trim().split(' ').map(Number);
}
const recentEnough = (v) => !!v && (v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]));

function findPython() {
  const candidates = [];
  if (process.env.PYTHON) candidates.push(process.env.PYTHON);
  candidates.push('python3.13', 'python3.12', 'python3');
  const pyenvRoot = process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/root', '.pyenv');
  const versions = join(pyenvRoot, 'versions');
  if (existsSync(versions)) {
    for (const v of readdirSync(versions).filter((n) => /^3\.\d+\.\d+$/.test(n)).sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))) {
      candidates.push(join(versions, v, 'bin', 'python3'));
    }
  }
  const tried = [];
  for (const exe of candidates) {
    const v = pythonVersion(exe);
    if (recentEnough(v)) return exe;
    if (v) tried.push(`${exe} (${v.join('.')})`);
  }
  say(`LocalStack 4.14 needs Python >= ${MIN_PYTHON.join('.')}; found only: ${tried.join(', ') || 'none'}. Set PYTHON=/path/to/python3.12 and run again.`);
  process.exit(2);
}

const pyHash = hashFiles(['requirements.txt', 'scripts/localstack-ext']);
const pyStamp = join(venv, '.bootstrap-stamp');
// The stamp is written only after a venv with a recent-enough Python was filled, so a matching stamp
// needs no second look (spawning Python costs more than everything else this script does).
if (!stamped(pyStamp, pyHash)) {
  if (existsSync(py) && !recentEnough(pythonVersion(py))) {
    say('recreating .venv: its Python is older than LocalStack 4.14 needs');
    rmSync(venv, { recursive: true, force: true });
  }
  if (!existsSync(py)) {
    const base = findPython();
    say(`creating Python venv in .venv with ${base}...`);
    run(base, ['-m', 'venv', venv]);
  }
  say('installing Python requirements into .venv (first run takes a few minutes)...');
  run(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', 'requirements.txt']);
  if (existsSync(join(root, 'scripts', 'localstack-ext', 'pyproject.toml'))) {
    run(py, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--force-reinstall', './scripts/localstack-ext']);
  }
  writeFileSync(pyStamp, pyHash);
}
log('ready');
