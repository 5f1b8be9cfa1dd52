// The Python lock in one place: which Python it is resolved for and how it is made. Plain JavaScript with no
// imports, because the bootstrap (which runs before node_modules exists) reads it too.

/** requirements.txt is resolved for this Python minor; the venv, CI and the LocalStack image all use it. */
export const LOCK_PYTHON = '3.13';
export const LOCK_INPUT = 'requirements.in';
export const LOCK_FILE = 'requirements.txt';

/** `uv pip compile` arguments that turn requirements.in into a hashed lock at `output`. */
export function compileArgs(output, extra = []) {
  return [
    'pip', 'compile', LOCK_INPUT,
    '--generate-hashes',
    '--python-version', LOCK_PYTHON,
    '--python-platform', 'linux',
    '--custom-compile-command', 'npm run deps:lock',
    '--quiet',
    '-o', output,
    ...extra,
  ];
}

/** name -> version of every `name==version` line of a lock (names lower-cased). */
export function pins(lockText) {
  const out = new Map();
  for (const m of lockText.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)/gm)) out.set(m[1].toLowerCase(), m[2]);
  return out;
}

/** The lock's entry for one package (its version line and hash lines) as requirements text, or undefined. */
export function lockEntry(lockText, name) {
  const lines = lockText.split('\n');
  const start = lines.findIndex((l) => l.toLowerCase().startsWith(`${name}==`));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i >= start && !l.trimEnd().endsWith('\\'));
  return `${lines.slice(start, end + 1).join('\n')}\n`;
}

/** `uv` arguments that make the venv of `python` exactly `lock`, every file checked against its hash. */
export const syncArgs = (python, lock) => ['pip', 'sync', '--quiet', '--require-hashes', '--python', python, lock];

/** `uv` arguments that install the project's LocalStack extension, built with the lock's own setuptools. */
export const extensionArgs = (python) =>
  ['pip', 'install', '--quiet', '--no-deps', '--no-build-isolation', '--reinstall', '--python', python, './scripts/localstack-ext'];
