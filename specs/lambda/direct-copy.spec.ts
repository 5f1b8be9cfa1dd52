// The backup's CopyObject without the SDK's middleware (lambda/src/direct-copy.ts, issue #18), against LocalStack's
// S3 and a local server: the same request on the wire and the same answer as the SDK's, the SDK's error shapes
// (the core's 412 and 404 handling depends on them), the SDK's retries, and a CopyObject it does not send
// handed to the SDK.
import { SignatureV4 } from '@smithy/signature-v4';
import { DirectCopy, NodeSha256 } from '../../lambda/src/direct-copy.ts';
import { recordingServer, type RecordedRequest } from '../support/http-server.ts';
import { CopyObjectCommand, HeadObjectCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
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
    const server = await recordingServer((_, n) => {
      const [status, body] = answers.shift() ?? [500, '<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'];
      return { status, body, headers: { 'content-type': 'application/xml', 'x-amz-version-id': 'v-1', 'x-amz-request-id': `req-${n}` } };
    });
    let seenBefore = 0;
    const requestsSince = () => server.requests.length - seenBefore;
    const { s3 } = createClients(CONFIG, {}, { endpoint: server.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' } });
    const copy = new CopyObjectCommand({ Bucket: 'bak', Key: 'k', CopySource: 'src/k' });
    try {
      answers.push(
        [503, '<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message></Error>'],
        [500, '<Error><Code>InternalError</Code><Message>oops</Message></Error>'],
        [200, '<Error><Code>InternalError</Code><Message>failed after the headers</Message></Error>'],
        [200, '<CopyObjectResult><ETag>&quot;abc&quot;</ETag><ChecksumSHA256>c2hh</ChecksumSHA256></CopyObjectResult>'],
      );
      const out = await s3.send(copy);
      expect(requestsSince()).toBe(4);
      expect(out).toMatchObject({ VersionId: 'v-1', CopyObjectResult: { ETag: '"abc"', ChecksumSHA256: 'c2hh' }, $metadata: { httpStatusCode: 200, attempts: 4 } });

      seenBefore = server.requests.length;
      const err = await s3.send(copy).catch((e: unknown) => e);
      expect(requestsSince()).toBe(8);
      expect(err).toMatchObject({ name: 'InternalError', message: 'We encountered an internal error.', $metadata: { httpStatusCode: 500, attempts: 8 } });

      seenBefore = server.requests.length;
      answers.push([403, '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>']);
      expect(await s3.send(copy).catch((e: unknown) => e)).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      expect(requestsSince()).toBe(1);
    } finally {
      s3.destroy();
      await server.close();
    }
  });

  test("on the wire it is the SDK's request: same path, same headers, a signature S3 would accept, the session token", async () => {
    const server = await recordingServer(() => ({ status: 200, headers: { 'content-type': 'application/xml' }, body: '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>' }));
    const { endpoint, requests: seen } = server;
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
    const base = { endpoint, region: 'eu-central-1', credentials };
    const { s3: direct } = createClients(CONFIG, {}, base);
    const sdk = new S3Client({ ...base, forcePathStyle: true, requestHandler: new NodeHttpHandler() });
    const Key = 'docs/ü 100%~+(x)!.txt';
    const input = {
      Bucket: 'bak-bucket', Key, CopySource: encodeCopySource('src-bucket', Key, 'v1'), CopySourceIfMatch: '"etag"', MetadataDirective: 'COPY' as const,
      TaggingDirective: 'REPLACE' as const, Tagging: encodeTagging({ 'source-etag': 'etag', 'run-id': 'r' }), ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/k', BucketKeyEnabled: true, ChecksumAlgorithm: 'SHA256' as const, IfNoneMatch: '*',
    };
    try {
      await direct.send(new CopyObjectCommand(input));
      await sdk.send(new CopyObjectCommand(input));
      const [d, k] = seen;
      // The SDK tags its requests with ?x-id=<operation> for its own metrics; S3 ignores it.
      expect(d!.path).toBe(k!.path.replace(/\?x-id=CopyObject$/, ''));
      // What only the SDK adds about itself (user agent, invocation id, retry info) and what differs per request.
      const own = /^(authorization|x-amz-date|user-agent|x-amz-user-agent|amz-sdk-.*|connection|content-length)$/;
      const stable = (h: RecordedRequest['headers']) => Object.fromEntries(Object.entries(h).filter(([name]) => !own.test(name)).sort());
      expect(stable(d!.headers)).toEqual(stable(k!.headers));
      expect(d!.headers['x-amz-security-token']).toBe(credentials.sessionToken);
      // The signature, recomputed from what arrived (as S3 does), matches the one sent.
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(String(d!.headers.authorization))![1]!.split(';');
      expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-content-sha256', 'x-amz-copy-source', 'x-amz-date', 'x-amz-security-token', 'x-amz-tagging', 'if-none-match']));
      const date = String(d!.headers['x-amz-date']);
      const signingDate = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`);
      const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(d!.headers[h])]));
      const url = new URL(endpoint);
      const resigned = await new SignatureV4({ service: 's3', region: 'eu-central-1', credentials, sha256: NodeSha256, uriEscapePath: false, applyChecksum: false }).sign(
        { method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: d!.path, headers, query: {} },
        { signingDate },
      );
      expect(d!.headers.authorization).toBe(resigned.headers['authorization']);
    } finally {
      direct.destroy();
      sdk.destroy();
      await server.close();
    }
  });

  test('an empty 200 is retried as the SDK does (never taken for a copy); on AWS it addresses objects as the SDK does', async () => {
    const bodies = ['', '<CopyObjectResult><ETag>"e"</ETag><ChecksumSHA256>c2hh</ChecksumSHA256></CopyObjectResult>'];
    const server = await recordingServer(() => ({ status: 200, headers: { 'content-type': 'application/xml' }, body: bodies.shift() ?? '' }));
    const { s3 } = createClients(CONFIG, {}, { endpoint: server.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
    try {
      const out = await s3.send(new CopyObjectCommand({ Bucket: 'b', Key: 'k', CopySource: 'src/k' }));
      expect(server.requests).toHaveLength(2);
      expect(out.CopyObjectResult?.ChecksumSHA256).toBe('c2hh');
    } finally {
      s3.destroy();
      await server.close();
    }
    const at = async (region: string, bucket: string) => {
      const client = new S3Client({ region, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
      const { url, path } = await new DirectCopy(client, { connections: 1, maxAttempts: 1 }).address(bucket, 'a b/c.txt');
      client.destroy();
      return `${url.origin}${path}`;
    };
    expect(await at('eu-west-1', 'my-bucket')).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c.txt');
    expect(await at('cn-north-1', 'my-bucket')).toBe('https://my-bucket.s3.cn-north-1.amazonaws.com.cn/a%20b/c.txt');
    expect(await at('us-east-1', 'my.dotted.bucket')).toBe('https://s3.us-east-1.amazonaws.com/my.dotted.bucket/a%20b/c.txt');
  });
});
