// The bare SDK copy loop as a process of its own (run by cpu-sections.ts under `node --import tsx`), so the
// kernel's account of this process's CPU is the loop's alone. It sends the Lambda's own CopyObject (SSE-KMS
// with the stack key, the SHA-256 checksum, the bookkeeping tags, CopySourceIfMatch and If-None-Match) at the
// given concurrency. Keys and ETags are listed, and 300 copies made, before the clock. Prints one JSON line.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { serverCpuMs } from './cpu.ts';
import { copyLoop, sourceEtags } from './limit.ts';

export interface SdkLoopArgs {
  target: AwsTarget;
  sourceBucket: string;
  sourcePrefix: string;
  destBucket: string;
  destPrefix: string;
  kmsKeyArn: string;
  concurrency: number;
  /** LocalStack's pid: its CPU over the copies is read from here, right next to the loop. */
  serverPid?: number;
  /** Profile the measured copies (V8's sampling profiler, as handler-process.ts) into this file. */
  profileFile?: string;
  /** Whose client sends the copies (limit.ts copyLoop): the SDK's (default) or the Lambda's own. */
  client?: 'sdk' | 'lambda';
}

const args = JSON.parse(process.argv[2] ?? '{}') as SdkLoopArgs;
const s3 = new S3Client(clientConfig(args.target));
const keys = [...(await sourceEtags(s3, args.sourceBucket)).keys()].filter((k) => k.startsWith(args.sourcePrefix));
s3.destroy();
const serverPid = args.serverPid;
const client = args.client ?? 'sdk';
const request = { sourceBucket: args.sourceBucket, destBucket: args.destBucket, kmsKeyArn: args.kmsKeyArn, concurrency: args.concurrency, request: 'backup-copy' as const, client };
// Unmeasured warm-up (V8's JIT on the copy path), as the bench warms the Lambda's environment: steady states compared.
await copyLoop(args.target, { ...request, keys: keys.slice(0, 300), destPrefix: `${args.destPrefix}warm-up/` });
const session = new Session();
if (args.profileFile) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
}
const result = await copyLoop(args.target, {
  sourceBucket: args.sourceBucket,
  keys,
  destBucket: args.destBucket,
  destPrefix: args.destPrefix,
  kmsKeyArn: args.kmsKeyArn,
  concurrency: args.concurrency,
  request: 'backup-copy',
  client,
  ...(serverPid !== undefined ? { server: () => serverCpuMs(serverPid) } : {}),
});
if (args.profileFile) {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(args.profileFile, JSON.stringify(profile));
  session.disconnect();
}
process.stdout.write(`${JSON.stringify(result)}\n`);
