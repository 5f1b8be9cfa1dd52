// The backup's CopyObject without the SDK's middleware (lambda/src/direct-copy.ts, issue #18), against LocalStack's
// S3 and a local server: the same request on the wire and the same answer as the SDK's, the SDK's error shapes
// (the core's 412 and 404 handling depends on them), the SDK's retries, and a CopyObject it does not send
// handed to the SDK.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CopyObjectCommand, HeadObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { test, expect } from '../fixtures.ts';
import { createClients } from '../../lambda/src/adapter.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { encodeCopySource, encodeTagging } from '../../lambda/src/s3.ts';

const CONFIG = { copyConcurrency: 8, multipartPartConcurrency: 1 };

/** Counts the commands that went through the SDK's middleware stack (the direct path never enters it). */
function countSdkCommands(client: S3Client): string[] {
  const seen: string[] = [];
  client.middlewareStack.add((next, context) => (args) => {
    seen.push(String(context.commandName));
    return next(args);
  }, { step: 'initialize', name: 'countSdkCommands' });
  return seen;
}

test.describe('direct CopyObject', () => {
  test('sends the backup copy itself and answers as the SDK does: version, SHA-256, ETag; the object is the same', async ({ s3, target, backupSandbox: box }) => {
    await s3.send(new PutBucketVersioningCommand({ Bucket: box.backupBucket, VersioningConfiguration: { Status: 'Enabled' } }));
    const put = await s3.send(new PutObjectCommand({ Bucket: box.sourceBucket, Key: 'docs/a b+c.txt', Body: 'hello direct copy' }));
    const { s3: lambdaS3 } = createClients(CONFIG, {}, clientConfig(target));
    const viaSdk = countSdkCommands(lambdaS3);
    const input = {
      Bucket: box.backupBucket,
      CopySource: encodeCopySource(box.sourceBucket, 'docs/a b+c.txt'),
      CopySourceIfMatch: put.ETag!,
      MetadataDirective: 'COPY' as const,
      TaggingDirective: 'REPLACE' as const,
      Tagging: encodeTagging({ 'source-etag': put.ETag!.replace(/"/g, ''), 'run-id': 'spec' }),
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: box.kmsKeyArn,
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'SHA256' as const,
      IfNoneMatch: '*',
    };
    try {
      const direct = await lambdaS3.send(new CopyObjectCommand({ ...input, Key: 'direct/a b+c.txt' }));
      const sdk = await s3.send(new CopyObjectCommand({ ...input, Key: 'sdk/a b+c.txt' }));
      expect(viaSdk).toEqual([]);
      expect(direct.VersionId).toMatch(/\S/);
      expect(direct.CopyObjectResult?.ChecksumSHA256).toBe(sdk.CopyObjectResult?.ChecksumSHA256);
      expect(direct.CopyObjectResult?.ETag).toBe(sdk.CopyObjectResult?.ETag);
      const [a, b] = await Promise.all(['direct/a b+c.txt', 'sdk/a b+c.txt'].map((Key) => s3.send(new HeadObjectCommand({ Bucket: box.backupBucket, Key, ChecksumMode: 'ENABLED' }))));
      expect(a!.VersionId).toBe(direct.VersionId);
      expect({ sse: a!.ServerSideEncryption, key: a!.SSEKMSKeyId, sha: a!.ChecksumSHA256, len: a!.ContentLength }).toEqual({ sse: b!.ServerSideEncryption, key: b!.SSEKMSKeyId, sha: b!.ChecksumSHA256, len: b!.ContentLength });
      expect(a!.SSEKMSKeyId).toBe(box.kmsKeyArn);

      // The SDK's error shapes: a write condition that fails is 412 PreconditionFailed, a source that is gone 404 NoSuchKey.
      const again = await lambdaS3.send(new CopyObjectCommand({ ...input, Key: 'direct/a b+c.txt' })).catch((e: unknown) => e);
      expect(again).toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
      const gone = await lambdaS3.send(new CopyObjectCommand({ ...input, Key: 'direct/gone', CopySource: encodeCopySource(box.sourceBucket, 'no/such/key') })).catch((e: unknown) => e);
      expect(gone).toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      expect(viaSdk).toEqual([]);

      // A field the direct path does not send goes through the SDK, so nothing is silently dropped.
      await lambdaS3.send(new CopyObjectCommand({ ...input, Key: 'sdk/with-storage-class', StorageClass: 'STANDARD_IA' }));
      expect(viaSdk).toEqual(['CopyObjectCommand']);
    } finally {
      lambdaS3.destroy();
    }
  });

  test('retries what the SDK retries (503 SlowDown, 500, a 200 carrying an error) and gives up after maxAttempts', async () => {
    test.setTimeout(90_000);
    const answers: Array<[number, string]> = [];
    let requests = 0;
    const server = createServer((req, res) => {
      requests++;
      req.resume();
      const [status, body] = answers.shift() ?? [500, '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'];
      res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-version-id': 'v-1', 'x-amz-request-id': `req-${requests}` }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { s3 } = createClients(CONFIG, {}, { endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    const copy = new CopyObjectCommand({ Bucket: 'bak', Key: 'k', CopySource: 'src/k' });
    try {
      answers.push(
        [503, '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>'],
        [500, '<Error><Code>InternalError</Code><Message>oops</Message></Error>'],
        [200, '<Error><Code>InternalError</Code><Message>failed after the headers</Message></Error>'],
        [200, '<CopyObjectResult><ETag>&quot;abc&quot;</ETag><ChecksumSHA256>c2hh</ChecksumSHA256></CopyObjectResult>'],
      );
      const out = await s3.send(copy);
      expect(requests).toBe(4);
      expect(out).toMatchObject({ VersionId: 'v-1', CopyObjectResult: { ETag: '"abc"', ChecksumSHA256: 'c2hh' }, $metadata: { httpStatusCode: 200, attempts: 4 } });

      requests = 0;
      const err = await s3.send(copy).catch((e: unknown) => e);
      expect(requests).toBe(8);
      expect(err).toMatchObject({ name: 'InternalError', message: 'We encountered an internal error.', $metadata: { httpStatusCode: 500, attempts: 8 } });

      requests = 0;
      answers.push([403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>']);
      expect(await s3.send(copy).catch((e: unknown) => e)).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect(requests).toBe(1);
    } finally {
      s3.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
