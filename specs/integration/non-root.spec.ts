// `npm start` as a user who is not root, on a machine where LocalStack once ran as root and left its shared
// directories behind: each instance keeps its state in a directory of its own, so nothing of another user's
// is in the way (LocalStack 4.14 alone fails the first upload with Errno 13 in /tmp/localstack-s3-storage).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, lchownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, expect } from '@playwright/test';
import { PROJECT_ROOT } from '../../scripts/lib/localstack/launcher.ts';
import { ownedInstances } from '../../scripts/lib/localstack/state.ts';

const USER = { uid: 65534, gid: 65534 }; // nobody
const SHARED_S3_DIR = '/tmp/localstack-s3-storage';

/** The checkout as that user would have it: its own files, the installed node_modules and .venv linked in. */
function userCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'non-root-checkout-'));
  const files = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(PROJECT_ROOT, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(PROJECT_ROOT, file), join(dir, file));
  }
  for (const shared of ['node_modules', '.venv']) symlinkSync(join(PROJECT_ROOT, shared), join(dir, shared));
  mkdirSync(join(dir, 'home'));
  chownTree(dir);
  return dir;
}

function chownTree(path: string): void {
  lchownSync(path, USER.uid, USER.gid); // never through a link: node_modules and .venv stay root's
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

/**
 * The venv's Python may live where only root can look (pyenv under /root): in a mount namespace of its own,
 * the closed directory is covered by an open one holding just that Python, as a user's own install would be.
 */
function pythonMounts(stash: string): string {
  const prefix = spawnSync(join(PROJECT_ROOT, '.venv', 'bin', 'python'), ['-c', 'import sys; print(sys.base_prefix)'], { encoding: 'utf8' }).stdout.trim();
  let closed: string | undefined;
  for (let d = dirname(prefix); d !== '/'; d = dirname(d)) if ((lstatSync(d).mode & 0o001) === 0) closed = d;
  if (!closed) return '';
  return [
    `mount --bind '${prefix}' '${stash}'`,
    `mount -t tmpfs -o mode=755 tmpfs '${closed}'`,
    `mkdir -p '${prefix}'`,
    `mount --bind '${stash}' '${prefix}'`,
  ].join(' && ') + ' && ';
}

test('npm start works for a user who is not root, beside root-owned LocalStack leftovers', async () => {
  test.setTimeout(300_000);
  const root = process.getuid?.() === 0;
  const tools = ['unshare', 'setpriv'].every((t) => spawnSync('which', [t]).status === 0);
  test.skip(root && !tools, 'running as root without unshare and setpriv (util-linux): no way to become another user');

  // Another user's LocalStack (root here) ran before and left its shared S3 directory, closed to others.
  const planted = root && !existsSync(SHARED_S3_DIR);
  if (planted) mkdirSync(SHARED_S3_DIR, { mode: 0o755 });
  const checkout = root ? userCheckout() : PROJECT_ROOT;
  const stash = mkdtempSync(join(tmpdir(), 'non-root-python-'));
  try {
    const args = ['run', '--silent', 'start', '--', '--documents', '20', '--drill', '2', '--no-progress'];
    const env: NodeJS.ProcessEnv = { ...process.env, LOCALSTACK_MODE: 'host', HOME: join(checkout, 'home'), npm_config_cache: join(checkout, 'home', '.npm') };
    delete env.LOCALSTACK_ENDPOINT;
    delete env.LOCALSTACK_STATE_DIR;
    const child = root
      ? spawn('unshare', ['-m', '--', 'sh', '-c', `${pythonMounts(stash)}exec setpriv --reuid=${USER.uid} --regid=${USER.gid} --clear-groups npm ${args.join(' ')}`], { cwd: checkout, env })
      : spawn('npm', args, { cwd: checkout, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));

    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/documents\s+copied 20, unchanged 0, failed 0 \(listed 20\)/);
    expect(stdout).toMatch(/restore drill\s+2 of 2 sampled documents restored and checksum-verified/);
    expect(stdout).toMatch(/object lock\s+GOVERNANCE, 30 days default retention on every backup version/);
    expect(stdout).toMatch(/restore verifier\s+passed: 20 entries of s3:\/\/\S+\/manifests\/\S+\.json checked against S3's SHA-256 \(no download\), 0 failed; evidence s3:\/\/\S+\/verifications\//);
    if (root) {
      expect(readdirSync(SHARED_S3_DIR).filter((n) => lstatSync(join(SHARED_S3_DIR, n)).uid === USER.uid), 'nothing of the user in the shared directory').toEqual([]);
    }
    expect(ownedInstances(join(checkout, '.localstack')), 'LocalStack stopped').toEqual([]);
  } finally {
    if (planted) rmSync(SHARED_S3_DIR, { recursive: true, force: true });
    if (root) rmSync(checkout, { recursive: true, force: true });
    rmSync(stash, { recursive: true, force: true });
  }
});
