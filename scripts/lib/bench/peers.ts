// What a user would pick instead of the Lambda: `aws s3 sync` (awscli from the project venv) and s5cmd
// (built project-locally into .tools/bin from the Go module proxy when missing). Each copies the same
// source prefix into its own destination prefix, with SSE-KMS under the stack's key, and is timed as a
// whole command (listing included, as the Lambda's run time includes its listing).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { ROOT } from '../deploy.ts';
import { ensureGoTool, S5CMD_TOOL, toolPath } from '../tools.ts';
import { runMeasured, type MeasuredCommand } from './cpu.ts';

export const AWS_CLI = join(ROOT, '.venv', 'bin', 'aws');
export const S5CMD = toolPath(S5CMD_TOOL);

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
  /** The command's own CPU (user + system, from its rusage), listing and start-up included. */
  cpuMs?: number;
  /** LocalStack's CPU over the command's run (only when the caller asked for it). */
  serverCpuMs?: number;
}

/** LocalStack's CPU so far (cpu.ts serverCpuMs), for figures of what each contender costs the server. */
export type ServerCpu = () => number;

const credentialsEnv = (target: AwsTarget) => ({
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: target.region,
  AWS_REGION: target.region,
});

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
export async function awsSync(target: AwsTarget, job: CopyJob, concurrency: number, server?: ServerCpu): Promise<PeerRun> {
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
    const out = await runMeasured(AWS_CLI, args, env, server);
    const documents = await countObjects(target, job.destBucket, job.destPrefix);
    return peerRun('aws s3 sync', `max_concurrent_requests=${concurrency}`, concurrency, documents, job.expected, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `s5cmd --numworkers N cp 's3://src/prefix/*' s3://dst/prefix/` (its bulk-copy path; sync adds a second listing). */
export async function s5cmdCopy(target: AwsTarget, job: CopyJob, numworkers: number, server?: ServerCpu): Promise<PeerRun> {
  const env = { ...process.env, ...credentialsEnv(target), AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_CONFIG_FILE: '/dev/null' };
  const args = [
    ...(target.endpoint ? ['--endpoint-url', target.endpoint] : []),
    '--numworkers', String(numworkers),
    '--log', 'error',
    'cp', '--sse', 'aws:kms', '--sse-kms-key-id', job.kmsKeyArn,
    `s3://${job.sourceBucket}/${job.sourcePrefix}*`,
    `s3://${job.destBucket}/${job.destPrefix}`,
  ];
  const out = await runMeasured(S5CMD, args, env, server);
  const documents = await countObjects(target, job.destBucket, job.destPrefix);
  return peerRun('s5cmd cp', `--numworkers ${numworkers}`, numworkers, documents, job.expected, out);
}

function peerRun(tool: PeerRun['tool'], setting: string, concurrency: number, documents: number, expected: number, out: MeasuredCommand): PeerRun {
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
    ...(out.cpuMs !== undefined ? { cpuMs: out.cpuMs } : {}),
    ...(out.serverCpuMs !== undefined ? { serverCpuMs: out.serverCpuMs } : {}),
    ...(out.code !== 0 || documents !== expected ? { stderr: out.stderr.trim().split('\n').slice(0, 5).join('\n') } : {}),
  };
}

/** s5cmd (pinned: the bench compares against one known release), built into .tools/bin when missing. */
export function ensureS5cmd(log: (m: string) => void): string | undefined {
  return ensureGoTool(S5CMD_TOOL, log);
}
