// The limit: the best copy rate a tight SDK loop reaches against this LocalStack. CopyObject only (SSE-KMS
// with the stack's key and a SHA-256 checksum, as the Lambda sends it), keys known up front, no listing,
// no tags, no conditions, no manifest, no metrics. Anything the Lambda does beyond this is its overhead.
import { CopyObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientConfig, type AwsTarget } from '../../../specs/support/aws.ts';
import { encodeCopySource } from '../../../lambda/src/backup.ts';

export interface CopyLoopResult {
  concurrency: number;
  documents: number;
  failed: number;
  ms: number;
  documentsPerSecond: number;
}

export async function copyLoop(
  target: AwsTarget,
  opts: {
    sourceBucket: string; keys: string[]; destBucket: string; destPrefix: string; kmsKeyArn: string; concurrency: number;
    /** 'copy' (default): CopyObject with SSE-KMS and a checksum. 'plain-copy': neither, as the peers send it. */
    request?: 'copy' | 'plain-copy';
  },
): Promise<CopyLoopResult> {
  const request = opts.request ?? 'copy';
  const s3 = new S3Client({
    ...clientConfig(target),
    maxAttempts: 8,
    requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: opts.concurrency, keepAlive: true } }),
  });
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < opts.keys.length) {
      const key = opts.keys[next++]!;
      try {
        await s3.send(
          new CopyObjectCommand({
            Bucket: opts.destBucket,
            Key: opts.destPrefix + key,
            CopySource: encodeCopySource(opts.sourceBucket, key),
            ...(request === 'copy' ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: opts.kmsKeyArn, BucketKeyEnabled: true, ChecksumAlgorithm: 'SHA256' as const } : {}),
          }),
        );
      } catch {
        failed++;
      }
    }
  };
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.keys.length) }, worker));
  } finally {
    s3.destroy();
  }
  const ms = performance.now() - started;
  return { concurrency: opts.concurrency, documents: opts.keys.length - failed, failed, ms: Math.round(ms), documentsPerSecond: +((opts.keys.length - failed) / (ms / 1000)).toFixed(1) };
}
