// The Lambda's SDK clients (lambda/src/adapter.ts createClients) without LocalStack: a base (endpoint, region,
// credentials, path-style) goes under the function's own retry and socket settings, never over them, and
// without one the clients are what the deployed function gets from its environment.
import { recordingServer } from '../support/http-server.ts';
import type { Agent } from 'node:https';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { test, expect } from '../fixtures.ts';
import { createClients, type ClientBase } from '../../lambda/src/adapter.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';

const CONFIG = { copyConcurrency: 32, multipartPartConcurrency: 4 };

/** What a client resolved its config to (the providers the SDK calls at the first request). */
async function resolved(client: S3Client | CloudWatchClient) {
  const config = client.config as typeof client.config & { forcePathStyle?: boolean };
  const handlerConfig = (await (config.requestHandler as unknown as { configProvider: Promise<{ httpsAgent?: Agent }> }).configProvider) ?? {};
  return {
    maxAttempts: await config.maxAttempts(),
    retryMode: ((await config.retryStrategy()) as { mode?: string }).mode,
    region: await config.region(),
    endpoint: config.endpoint ? await config.endpoint() : undefined,
    forcePathStyle: config.forcePathStyle,
    accessKeyId: (await config.credentials()).accessKeyId,
    maxSockets: handlerConfig.httpsAgent?.maxSockets,
  };
}

/** A local HTTP server answering each request with `status(method)` and no body; it records each request. */
const answering = (status: (method: string) => number) => recordingServer((request) => ({ status: status(request.method) }));

test.describe('Lambda clients', () => {
  test('a base sets endpoint, region, credentials and path-style; retry and sockets stay the function\'s', async () => {
    // A base that also tries to set retries (clientConfig might one day): it must not win.
    const base: ClientBase = Object.assign(clientConfig({ endpoint: 'http://127.0.0.1:4599', region: 'eu-west-2' }), { maxAttempts: 1, retryMode: 'standard' });
    const { s3, cloudwatch } = createClients(CONFIG, {}, base);
    try {
      const endpoint = { protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: '/' };
      expect(await resolved(s3)).toMatchObject({ maxAttempts: 8, retryMode: 'adaptive', region: 'eu-west-2', endpoint, forcePathStyle: true, accessKeyId: 'test', maxSockets: 128 });
      expect(await resolved(cloudwatch)).toMatchObject({ maxAttempts: 5, retryMode: 'adaptive', region: 'eu-west-2', endpoint, accessKeyId: 'test' });
      // CloudWatch has no addressing style; the base's S3-only setting stays out of its config.
      expect((cloudwatch.config as { forcePathStyle?: boolean }).forcePathStyle).toBeUndefined();
    } finally {
      s3.destroy();
      cloudwatch.destroy();
    }
  });

  test('each client resolves a command\'s middleware once (cacheMiddleware, issue #18), and a base cannot turn that off', async () => {
    const server = await answering(() => 403);
    const base: ClientBase = Object.assign(clientConfig({ endpoint: server.endpoint, region: 'eu-west-2' }), { cacheMiddleware: false });
    const { s3, cloudwatch } = createClients(CONFIG, {}, base);
    try {
      expect((s3.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
      expect((cloudwatch.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
      await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'k' }))).rejects.toThrow();
      // The SDK keeps the resolved handler per command class only when caching is on.
      expect((s3 as unknown as { handlers?: WeakMap<object, unknown> }).handlers?.has(GetObjectCommand)).toBe(true);
    } finally {
      s3.destroy();
      cloudwatch.destroy();
      await server.close();
    }
  });

  test('without a base the clients are the handler\'s: no endpoint of their own, path-style only with AWS_ENDPOINT_URL', async () => {
    const plain = createClients(CONFIG, {});
    const emulated = createClients(CONFIG, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4599' });
    try {
      expect(plain.s3.config.endpoint).toBeUndefined();
      expect(plain.cloudwatch.config.endpoint).toBeUndefined();
      expect(await plain.s3.config.maxAttempts()).toBe(8);
      expect(await plain.cloudwatch.config.maxAttempts()).toBe(5);
      expect((plain.s3.config as { forcePathStyle?: boolean }).forcePathStyle).toBe(false);
      expect((emulated.s3.config as { forcePathStyle?: boolean }).forcePathStyle).toBe(true);
    } finally {
      for (const client of [plain.s3, plain.cloudwatch, emulated.s3, emulated.cloudwatch]) client.destroy();
    }
  });

  test('requests go to the base endpoint, path-style and signed for its region, and are retried the function\'s way', async () => {
    // 503 (retryable) for CloudWatch's POSTs, 403 (not retried) for S3's GET.
    const server = await answering((method) => (method === 'GET' ? 403 : 503));
    const { s3, cloudwatch } = createClients(CONFIG, {}, clientConfig({ endpoint: server.endpoint, region: 'eu-west-2' }));
    try {
      // CloudWatch: 5 attempts (the function's maxAttempts), every one at the base endpoint.
      await expect(cloudwatch.send(new PutMetricDataCommand({ Namespace: 'Spec', MetricData: [{ MetricName: 'M', Value: 1 }] }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 503, attempts: 5 },
      });
      expect(server.requests).toHaveLength(5);
      for (const r of server.requests) expect(r.headers.authorization).toContain('Credential=test/');
      expect(server.requests[0]!.headers.authorization).toContain('/eu-west-2/monitoring/aws4_request');

      // S3: path-style against the base endpoint; a 403 is not retried, so one request shows where it went.
      server.requests.length = 0;
      await expect(s3.send(new GetObjectCommand({ Bucket: 'spec-bucket', Key: 'a b.txt' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403, attempts: 1 } });
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/spec-bucket/a%20b.txt?x-id=GetObject' });
      expect(server.requests[0]!.headers.authorization).toContain('/eu-west-2/s3/aws4_request');
    } finally {
      s3.destroy();
      cloudwatch.destroy();
      await server.close();
    }
  });
});
