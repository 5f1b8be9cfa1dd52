// What a user would pick instead of the Lambda: `aws s3 sync` (awscli from the project venv) and s5cmd
// (built project-locally into .tools/bin from the Go module proxy when missing). Each copies the same
// source prefix into its own destination prefix, with SSE-KMS under the stack's key, and is timed as a
// whole command (listing included, as the Lambda's run time includes its listing).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../../../specs/support/aws.ts';
import { ROOT } from '../deploy.ts';

export const AWS_CLI = join(ROOT, '.venv', 'bin', 'aws');
export const TOOLS_BIN = join(ROOT, '.tools', 'bin');
export const S5CMD = join(TOOLS_BIN, 's5cmd');
/** Pinned: the bench compares against one known release. */
export const S5CMD_MODULE = 'github.com/peak/s5cmd/v2';
export const S5CMD_VERSION = 'v2.2.2';

export interface PeerRun {
  tool: 'aws s3 sync' | 's5cmd cp';
  setting: string;
  concurrency: number;
  documents: number;
  expected: number;
  ms: number;
  documentsPerSecond: number;
  exitCode: number;
  stderr?: string;
}

const credentialsEnv = (target: AwsTarget) => ({
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: target.region,
  AWS_REGION: target.region,
});

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; ms: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, ms: performance.now() - started, stderr }));
  });
}

export async function countObjects(target: AwsTarget, bucket: string, prefix: string): Promise<number> {
  const s3 = new S3Client(clientConfig(target));
  let n = 0;
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      n += page.KeyCount ?? page.Contents?.length ?? 0;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    s3.destroy();
  }
  return n;
}

interface CopyJob {
  sourceBucket: string;
  sourcePrefix: string;
  destBucket: string;
  destPrefix: string;
  kmsKeyArn: string;
  expected: number;
}

/** `aws s3 sync` with s3.max_concurrent_requests = `concurrency` (set through a private AWS_CONFIG_FILE). */
export async function awsSync(target: AwsTarget, job: CopyJob, concurrency: number): Promise<PeerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-awscli-'));
  try {
    const config = join(dir, 'config');
    writeFileSync(config, `[default]\nregion = ${target.region}\ns3 =\n  max_concurrent_requests = ${concurrency}\n  max_queue_size = ${Math.max(1000, concurrency * 10)}\n`);
    const env = { ...process.env, ...credentialsEnv(target), AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') };
    const args = [
      ...(target.endpoint ? ['--endpoint-url', target.endpoint] : []),
      's3', 'sync',
      `s3://${job.sourceBucket}/${job.sourcePrefix}`,
      `s3://${job.destBucket}/${job.destPrefix}`,
      '--sse', 'aws:kms', '--sse-kms-key-id', job.kmsKeyArn,
      '--only-show-errors', '--no-progress',
    ];
    const out = await run(AWS_CLI, args, env);
    const documents = await countObjects(target, job.destBucket, job.destPrefix);
    return peerRun('aws s3 sync', `max_concurrent_requests=${concurrency}`, concurrency, documents, job.expected, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `s5cmd --numworkers N cp 's3://src/prefix/*' s3://dst/prefix/` (its bulk-copy path; sync adds a second listing). */
export async function s5cmdCopy(target: AwsTarget, job: CopyJob, numworkers: number): Promise<PeerRun> {
  const env = { ...process.env, ...credentialsEnv(target), AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null' };
  const args = [
    ...(target.endpoint ? ['--endpoint-url', target.endpoint] : []),
    '--numworkers', String(numworkers),
    '--log', 'error',
    'cp', '--sse', 'aws:kms', '--sse-kms-key-id', job.kmsKeyArn,
    `s3://${job.sourceBucket}/${job.sourcePrefix}*`,
    `s3://${job.destBucket}/${job.destPrefix}`,
  ];
  const out = await run(S5CMD, args, env);
  const documents = await countObjects(target, job.destBucket, job.destPrefix);
  return peerRun('s5cmd cp', `--numworkers ${numworkers}`, numworkers, documents, job.expected, out);
}

function peerRun(tool: PeerRun['tool'], setting: string, concurrency: number, documents: number, expected: number, out: { code: number; ms: number; stderr: string }): PeerRun {
  return {
    tool,
    setting,
    concurrency,
    documents,
    expected,
    ms: Math.round(out.ms),
    // Only what landed counts: a tool that skips or fails documents does not get credit for them.
    documentsPerSecond: +(documents / (out.ms / 1000)).toFixed(1),
    exitCode: out.code,
    ...(out.code !== 0 || documents !== expected ? { stderr: out.stderr.trim().split('\n').slice(0, 5).join('\n') } : {}),
  };
}

/**
 * s5cmd into .tools/bin when missing. `go install module@version` first; a proxy that serves versions
 * but refuses the version list (go install reads it for deprecation notices) gets a fallback:
 * `go mod download` the pinned version and build it from the module cache.
 */
export function ensureS5cmd(log: (m: string) => void): string | undefined {
  if (existsSync(S5CMD)) return S5CMD;
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    log('s5cmd: no Go toolchain on PATH; skipping s5cmd (install Go, or put s5cmd into .tools/bin)');
    return undefined;
  }
  mkdirSync(TOOLS_BIN, { recursive: true });
  log(`s5cmd: go install ${S5CMD_MODULE}@${S5CMD_VERSION} into .tools/bin (one time)...`);
  const env = { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' };
  const install = spawnSync('go', ['install', `${S5CMD_MODULE}@${S5CMD_VERSION}`], { env, encoding: 'utf8' });
  if (install.status === 0 && existsSync(S5CMD)) return S5CMD;
  const dl = spawnSync('go', ['mod', 'download', '-json', `${S5CMD_MODULE}@${S5CMD_VERSION}`], { env, encoding: 'utf8' });
  let dir: string | undefined;
  try {
    dir = (JSON.parse(dl.stdout) as { Dir?: string }).Dir;
  } catch {
    dir = undefined;
  }
  if (dir) {
    const build = spawnSync('go', ['build', '-o', S5CMD, '.'], { cwd: dir, env, encoding: 'utf8' });
    if (build.status === 0 && existsSync(S5CMD)) return S5CMD;
    log(`s5cmd: build failed: ${build.stderr.trim().split('\n').slice(-3).join(' ')}`);
  } else {
    log(`s5cmd: could not fetch ${S5CMD_MODULE}@${S5CMD_VERSION}: ${(install.stderr || dl.stderr).trim().split('\n').slice(-2).join(' ')}`);
  }
  return undefined;
}
