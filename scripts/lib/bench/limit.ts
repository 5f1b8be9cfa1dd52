// The limit: the best copy rate a tight SDK loop reaches against this LocalStack. CopyObject only (SSE-KMS
// with the stack's key and a SHA-256 checksum, as the Lambda sends it), keys known up front, no listing,
// no tags, no conditions, no manifest, no metrics. Anything the Lambda does beyond this is its overhead.
// Two variants price the request itself: 'plain-copy' (neither SSE-KMS nor checksum, as the peers send it)
// and 'backup-copy' (the Lambda's whole CopyObject: also its tags and its two conditions).
import { createClients } from '../../../lambda/src/adapter.ts';
import { CopyObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { clientConfig, type AwsTarget } from '../aws/clients.ts';
import { BACKUP_TAGS } from '../../../lambda/src/backup.ts';
import { encodeCopySource, encodeTagging } from '../../../lambda/src/s3.ts';

export interface CopyLoopResult {
  concurrency: number;
  documents: number;
  failed: number;
  ms: number;
  documentsPerSecond: number;
  /**
   * This process's CPU (user + system, getrusage) over the copies alone: the loop's own cost only when it runs
   * in a process of its own (sdk-loop-process.ts), as the bench's CPU figures run it.
   */
  cpuMs?: number;
  /** LocalStack's CPU over the copies, when opts.server was given. */
  serverCpuMs?: number;
}

export async function copyLoop(
  target: AwsTarget,
  opts: {
    sourceBucket: string; keys: string[]; destBucket: string; destPrefix: string; kmsKeyArn: string; concurrency: number;
    /** 'copy' (default): CopyObject with SSE-KMS and a checksum. 'plain-copy': neither. 'backup-copy': the Lambda's. */
    request?: 'copy' | 'plain-copy' | 'backup-copy';
    /** LocalStack's CPU so far (cpu.ts serverCpuMs): read right before and after the copies. */
    server?: () => number;
    /** 'sdk' (default): an SDK client set up as the Lambda's. 'lambda': the Lambda's own client (createClients), its direct CopyObject included. */
    client?: 'sdk' | 'lambda';
  },
): Promise<CopyLoopResult> {
  const request = opts.request ?? 'copy';
  const s3 =
    opts.client === 'lambda'
      ? createClients({ copyConcurrency: opts.concurrency, multipartPartConcurrency: 1 }, {}, clientConfig(target)).s3
      : new S3Client({
          ...clientConfig(target),
          // As the Lambda's clients (lambda/src/adapter.ts): the loop is the best an SDK client does, not a handicapped one.
          cacheMiddleware: true,
          maxAttempts: 8,
          requestHandler: new NodeHttpHandler({ httpAgent: { maxSockets: opts.concurrency, keepAlive: true } }),
        });
  // The backup copy's condition and tag need each source ETag: read once, before the clock starts.
  const etags = request === 'backup-copy' ? await sourceEtags(s3, opts.sourceBucket) : new Map<string, string>();
  const encryption = { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: opts.kmsKeyArn, BucketKeyEnabled: true, ChecksumAlgorithm: 'SHA256' as const };
  const extra = (key: string) => {
    if (request === 'plain-copy') return {};
    if (request === 'copy') return encryption;
    const etag = etags.get(key) ?? '';
    return {
      ...encryption,
      CopySourceIfMatch: `"${etag}"`,
      IfNoneMatch: '*',
      MetadataDirective: 'COPY' as const,
      TaggingDirective: 'REPLACE' as const,
      Tagging: encodeTagging({ [BACKUP_TAGS.sourceEtag]: etag, [BACKUP_TAGS.runId]: 'bench-limit' }),
    };
  };
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
            ...extra(key),
          }),
        );
      } catch {
        failed++;
      }
    }
  };
  const server0 = opts.server?.();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  try {
    await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.keys.length) }, worker));
  } finally {
    s3.destroy();
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const serverMs = server0 !== undefined && opts.server ? opts.server() - server0 : undefined;
  return {
    concurrency: opts.concurrency,
    documents: opts.keys.length - failed,
    failed,
    ms: Math.round(ms),
    documentsPerSecond: +((opts.keys.length - failed) / (ms / 1000)).toFixed(1),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    ...(serverMs !== undefined ? { serverCpuMs: Math.round(serverMs) } : {}),
  };
}

export async function sourceEtags(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key && o.ETag) etags.set(o.Key, o.ETag.replace(/"/g, ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return etags;
}
