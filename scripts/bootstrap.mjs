#!/usr/bin/env node
// Installs what the project needs on a fresh machine and does nothing on a second run.
// It must run before node_modules exists, so it uses only Node's standard library.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
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

// npm: reinstall when the lock file changed since the last install.
const npmHash = hashFiles(['package-lock.json']);
const npmStamp = join(root, 'node_modules', '.bootstrap-stamp');
if (!stamped(npmStamp, npmHash)) {
  say('installing npm packages (npm ci)...');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(npmStamp, npmHash);
}

// Python: a venv with the pinned tools and the project's LocalStack extension.
const venv = join(root, '.venv');
const py = join(venv, 'bin', 'python');
const pyHash = hashFiles(['requirements.txt', 'scripts/localstack-ext']);
const pyStamp = join(venv, '.bootstrap-stamp');
if (!stamped(pyStamp, pyHash)) {
  const base = process.env.PYTHON ?? 'python3';
  if (!existsSync(py)) {
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
