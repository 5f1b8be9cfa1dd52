// The fault proxy itself: transparent when idle, S3-shaped errors, real connection resets, latency,
// filters and seed-determinism. The other reliability specs lean on every one of these.
import http from 'node:http';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { startFaultProxy, type FaultRule } from '../../scripts/lib/fault-proxy.ts';
import { test, expect } from '../fixtures.ts';

const client = (endpoint: string) => new S3Client({ ...clientConfig({ endpoint, region: 'us-east-1' }), maxAttempts: 1 });

/** A raw request through the proxy, signed-looking enough for it to classify as S3. */
function rawS3(endpoint: string, method: string, path: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${endpoint}${path}`, {
      method,
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00' },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test.describe('fault proxy', () => {
  test('without rules it is transparent: bytes, headers and errors pass through, every request counted', async ({ faultProxy: faults, sandboxBucket: bucket, s3 }) => {
    const via = client(faults.endpoint);
    const body = Buffer.from('x'.repeat(100_000));
    await via.send(new PutObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.txt', Body: body, ContentType: 'text/plain', Metadata: { owner: 'ops' } }));
    const got = await via.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/a b+c.txt' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect(got.Metadata).toEqual({ owner: 'ops' });
    await expect(via.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(faults.stats).toMatchObject({ requests: 3, forwarded: 3 });
    expect(faults.injected()).toBe(0);
    expect(faults.stats.byOperation).toMatchObject({ 's3:PutObject': { requests: 1 }, 's3:GetObject': { requests: 1 }, 's3:HeadObject': { requests: 1 } });
    via.destroy();
  });

  test('503 SlowDown and 500 InternalError come with S3 XML error bodies the SDK understands', async ({ faultProxy: faults }) => {
    faults.setRules([
      { match: { operation: 'GetObject', key: 'slow' }, fault: { kind: 'slowdown' } },
      { match: { operation: 'GetObject', key: 'broken' }, fault: { kind: 'internal' } },
      { match: { operation: 'GetObject', key: 'denied' }, fault: { kind: 'error', status: 403, code: 'AccessDenied' } },
    ]);
    const slow = await rawS3(faults.endpoint, 'GET', '/some-bucket/slow');
    expect(slow.status).toBe(503);
    expect(slow.headers['content-type']).toBe('application/xml');
    expect(slow.body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>SlowDown<\/Code><Message>Please reduce your request rate\.<\/Message><Resource>\/some-bucket\/slow<\/Resource><RequestId>[0-9A-F]{16}<\/RequestId>/);
    const via = client(faults.endpoint);
    await expect(via.send(new GetObjectCommand({ Bucket: 'some-bucket', Key: 'slow' }))).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    await expect(via.send(new GetObjectCommand({ Bucket: 'some-bucket', Key: 'broken' }))).rejects.toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    await expect(via.send(new GetObjectCommand({ Bucket: 'some-bucket', Key: 'denied' }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(faults.stats.injected).toMatchObject({ slowdown: 2, internal: 1, error: 1 });
    expect(faults.stats.forwarded).toBe(0);
    via.destroy();
  });

  test('resets drop the connection: before S3 sees the request, or after S3 did the work', async ({ faultProxy: faults, sandboxBucket: bucket, s3 }) => {
    faults.setRules([
      { match: { operation: 'PutObject', key: 'before' }, fault: { kind: 'reset' } },
      { match: { operation: 'PutObject', key: 'after' }, fault: { kind: 'reset', after: true } },
    ]);
    const via = client(faults.endpoint);
    for (const key of ['before', 'after']) {
      const err = await via.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key })).catch((e: unknown) => e as Error & { code?: string });
      expect(err, key).toBeInstanceOf(Error);
      expect(`${(err as { code?: string }).code} ${(err as Error).message}`, key).toMatch(/ECONNRESET|EPIPE|socket hang up/);
    }
    // The "after" write happened although its client saw only a dropped connection.
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'before' }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'after' }))).resolves.toBeTruthy();
    expect(faults.stats.injected.reset).toBe(2);
    via.destroy();
  });

  test('latency delays the matching requests only', async ({ faultProxy: faults, sandboxBucket: bucket, s3 }) => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v' }));
    faults.setRules([{ match: { operation: 'GetObject' }, fault: { kind: 'latency', ms: 400 } }]);
    const via = client(faults.endpoint);
    let started = performance.now();
    await via.send(new HeadObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(performance.now() - started).toBeLessThan(300);
    started = performance.now();
    await via.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(faults.stats.injected.latency).toBe(1);
    via.destroy();
  });

  test('decisions depend on the seed and the request, not on arrival order; filters pick exact targets', async ({ localstack }) => {
    const rules: FaultRule[] = [{ match: { service: 's3', method: 'GET', key: (k) => k.startsWith('doc-') }, fault: { kind: 'internal' }, rate: 0.3 }];
    const keys = Array.from({ length: 60 }, (_, i) => `doc-${i}`);
    const injectedKeys = async (seed: number, order: string[]) => {
      // Proxies of its own: each seed needs one.
      const faults = await startFaultProxy({ upstream: localstack.endpoint, seed, rules });
      try {
        for (const key of order) await rawS3(faults.endpoint, 'GET', `/b/${key}`);
        await rawS3(faults.endpoint, 'GET', '/b/other'); // filtered out by key
        await rawS3(faults.endpoint, 'HEAD', '/b/doc-1'); // filtered out by method
      } finally {
        await faults.close();
      }
      return faults.stats.injections.map((i) => i.target).sort();
    };
    const first = await injectedKeys(7, keys);
    const reversed = await injectedKeys(7, [...keys].reverse());
    const otherSeed = await injectedKeys(8, keys);
    expect(first).toEqual(reversed);
    expect(first).not.toEqual(otherSeed);
    // About 30 %, and only GETs of doc-* keys.
    expect(first.length).toBeGreaterThan(8);
    expect(first.length).toBeLessThan(30);
    expect(first.every((t) => /^b\/doc-\d+$/.test(t))).toBe(true);
  });
});
