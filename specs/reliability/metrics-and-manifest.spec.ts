// CloudWatch unreachable, and manifest writes that fail: the backup itself must not depend on metrics,
// and a reader must never find a manifest that claims more than the run did.
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { createHandler } from '../../lambda/src/adapter.ts';
import { BackupIncompleteError } from '../../lambda/src/errors.ts';
import { invokeBackup } from '../../scripts/lib/invoke.ts';
import { clientConfig } from '../../scripts/lib/aws/clients.ts';
import { captureLogger, listKeys, readManifest, RUN_DATE, runCore } from '../lambda/helpers.ts';
import { test, expect } from '../fixtures.ts';
import { metricSums } from './helpers.ts';
import type { FaultRule } from '../../scripts/lib/fault-proxy.ts';

const cloudWatchDown: FaultRule[] = [{ name: 'cloudwatch down', match: { service: 'monitoring' }, fault: { kind: 'reset' } }];

test.describe('CloudWatch unreachable', () => {
  test('core: the backup completes, the publish failure is logged and reported as metricsPublished: false', async ({ s3, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    const docs = [...generateDocuments({ count: 25, seed: 621 })];
    await seedDocuments(s3, box.sourceBucket, docs);
    faults.setRules(cloudWatchDown);
    const faulty = lambdaClients(box.config());
    const result = await runCore({ s3, cloudwatch: faulty.cloudwatch }, box.config());

    expect(result).toMatchObject({ status: 'complete', counts: { listed: 25, copied: 25, failed: 0 }, metricsPublished: false });
    expect(result.metricsError).toMatch(/ECONNRESET|socket hang up|TimeoutError/);
    // Every one of the client's five attempts was cut off.
    expect(faults.stats.injected.reset).toBe(5);
    const warn = result.logs.filter((l) => l.message === 'metrics publish failed');
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatchObject({ level: 'warn', runId: result.runId, error: result.metricsError });
    const summary = result.logs.find((l) => l.message === 'backup run summary');
    expect(summary).toMatchObject({ metricsPublished: false, status: 'complete' });
    const { manifest, entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(manifest.status).toBe('complete');
    expect(entries).toHaveLength(25);
  });

  test('handler: a metrics failure alone does not fail the invocation', async ({ s3, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 5, seed: 622 }));
    faults.setRules(cloudWatchDown);
    const faulty = lambdaClients(box.config());
    const handler = createHandler({ config: box.config(), s3, cloudwatch: faulty.cloudwatch, logger: captureLogger() });
    const result = await handler({ date: RUN_DATE });
    expect(result).toMatchObject({ status: 'complete', metricsPublished: false, counts: { copied: 5 } });
  });

  test('deployed function: CloudWatch down, backup complete, metricsPublished false and the warning in its log group', async ({ ownStack, ownFunction, target, s3, faultProxy: faults, localstack }) => {
    test.skip(localstack.mode === 'container', 'the function runs inside the LocalStack container and cannot reach a proxy on the host loopback');
    const fn = ownFunction.name;
    await ownFunction.configure({ variables: { AWS_ENDPOINT_URL: faults.endpoint } });
    const prefix = 'cw-down/';
    await seedDocuments(s3, ownStack.sourceBucket, generateDocuments({ count: 10, seed: 623, prefix }));
    faults.setRules(cloudWatchDown);
    const out = await invokeBackup(target, fn, { date: '2031-02-01', prefix });
    expect(out.functionError, JSON.stringify(out.payload)).toBeUndefined();
    expect(out.payload).toMatchObject({ status: 'complete', metricsPublished: false, counts: { copied: 10, failed: 0 } });
    expect(faults.stats.injected.reset).toBeGreaterThan(0);
    expect(await listKeys(s3, ownStack.backupBucket, 'backups/2031-02-01/')).toHaveLength(10);

    const logs = new CloudWatchLogsClient(clientConfig(target));
    const group = ownStack.outputs['BackupLogGroupName']!;
    await expect
      .poll(async () => {
        const page = await logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"metrics publish failed"' }));
        return (page.events ?? []).map((e) => e.message ?? '').find((m) => m.includes(String(out.payload['runId'])));
      })
      .toBeTruthy();
    logs.destroy();
  });
});

test.describe('manifest write failures', () => {
  test('a manifest PUT that keeps failing leaves no manifest, a failed result and BackupSucceeded 0', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 12, seed: 624 }));
    faults.setRules([{ name: 'manifest down', match: { operation: 'PutObject', key: (k) => k.startsWith('manifests/') }, fault: { kind: 'internal' } }]);
    const faulty = lambdaClients(box.config());
    const handler = createHandler({ config: box.config(), s3: faulty.s3, cloudwatch, logger: captureLogger() });
    const err = await handler({ date: RUN_DATE }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(BackupIncompleteError);
    expect((err as Error).message).toMatch(/^ManifestWriteError: writing manifest s3:\/\/.+ failed: .*; no manifest written$/);
    const result = (err as BackupIncompleteError).result as Record<string, unknown>;
    expect(result).toMatchObject({ status: 'failed', counts: { copied: 12 }, error: { code: 'ManifestWriteError' }, metricsPublished: true });
    expect(result['manifestKey']).toBeUndefined();
    // The SDK retried (8 attempts), then gave up; nothing is left under manifests/.
    expect(faults.stats.injected.internal).toBe(8);
    expect(await listKeys(s3, box.backupBucket, 'manifests/')).toEqual([]);
    expect(await metricSums(cloudwatch, box.metricsNamespace)).toMatchObject({ BackupSucceeded: 0, DocumentsCopied: 12 });
  });

  test('streamed entries (JSON Lines) that cannot be written: no summary manifest and no leftover upload', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 15, seed: 625 }));
    faults.setRules([{ name: 'entries down', match: { service: 's3', key: (k) => k.endsWith('.entries.jsonl'), method: ['PUT', 'POST'] }, fault: { kind: 'error', status: 403, code: 'AccessDenied' } }]);
    const config = box.config({ MANIFEST_INLINE_LIMIT: '0' });
    const faulty = lambdaClients(config);
    const result = await runCore({ s3: faulty.s3, cloudwatch }, config);

    expect(faults.injected()).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'ManifestWriteError' }, counts: { copied: 15 } });
    expect(result.manifestKey).toBeUndefined();
    expect(await listKeys(s3, box.backupBucket, 'manifests/')).toEqual([]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: box.backupBucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });

  test('a manifest that did land is the complete truth: a lost PUT answer is recognised, never rewritten', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    await seedDocuments(s3, box.sourceBucket, generateDocuments({ count: 8, seed: 626 }));
    faults.setRules([{ name: 'manifest answer lost', match: { operation: 'PutObject', key: (k) => k.startsWith('manifests/') }, fault: { kind: 'reset', after: true }, limit: 1 }]);
    const faulty = lambdaClients(box.config());
    const result = await runCore({ s3: faulty.s3, cloudwatch }, box.config());
    expect(faults.stats.injected.reset).toBe(1);
    // Two PUTs reached S3: the one whose answer was lost, and the retry that If-None-Match turned away.
    expect(faults.stats.byOperation['s3:PutObject']?.requests).toBe(2);
    expect(result).toMatchObject({ status: 'complete', manifestKey: `manifests/${RUN_DATE}/${result.runId}.json` });
    const { manifest, entries } = await readManifest(s3, box.backupBucket, result.manifestKey!);
    expect(manifest).toMatchObject({ runId: result.runId, status: 'complete', counts: result.counts });
    expect(entries).toHaveLength(8);
  });
});
