// Permanent per-document faults: the faults answers 403 AccessDenied to the copies of K chosen documents.
// Exactly those K are reported failed, in the manifest, the metrics and the invocation result; the rest
// succeed; once the fault is gone a re-run copies only those K.
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { createHandler, incompleteMessage } from '../../lambda/src/adapter.ts';
import { BackupIncompleteError } from '../../lambda/src/errors.ts';
import { invokeBackup } from '../../scripts/lib/invoke.ts';
import { captureLogger, readManifest, RUN_DATE, runCore } from '../lambda/helpers.ts';
import { uniqueName } from '../../scripts/lib/aws/resources.ts';
import { test, expect } from '../fixtures.ts';
import { metricSums } from './helpers.ts';
import type { FaultRule } from '../../scripts/lib/fault-proxy.ts';

const denyCopies = (keys: string[]): FaultRule[] => [
  { name: 'access denied', match: { service: 's3', operation: 'CopyObject', key: keys }, fault: { kind: 'error', status: 403, code: 'AccessDenied' } },
];

/** Every 17th document: K chosen keys spread over the listing. */
const pick = (keys: string[]) => keys.filter((_, i) => i % 17 === 5);

test.describe('permanent faults on K documents', () => {
  test('core: exactly K failed in the result, the manifest and the metrics; a re-run after the fault copies only those K', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    const docs = [...generateDocuments({ count: 120, seed: 611 })];
    await seedDocuments(s3, box.sourceBucket, docs);
    const denied = pick(docs.map((d) => d.key));
    const K = denied.length;
    expect(K).toBe(7);
    faults.setRules(denyCopies(denied));
    const faulty = lambdaClients(box.config());
    const first = await runCore({ s3: faulty.s3, cloudwatch: faulty.cloudwatch }, box.config());

    expect(first).toMatchObject({ status: 'failed', counts: { listed: 120, copied: 120 - K, unchanged: 0, failed: K }, metricsPublished: true });
    // Permanent: one request each, no retries (a 403 is not transient).
    expect(faults.stats.injected.error).toBe(K);
    const { manifest, entries } = await readManifest(s3, box.backupBucket, first.manifestKey!);
    expect(manifest).toMatchObject({ status: 'failed', counts: { listed: 120, copied: 120 - K, failed: K } });
    const failed = entries.filter((e) => e.status === 'failed');
    expect(failed.map((e) => e.key).sort()).toEqual([...denied].sort());
    for (const e of failed) expect(e.error, e.key).toMatchObject({ code: 'AccessDenied', httpStatus: 403 });
    expect(entries.filter((e) => e.status === 'copied')).toHaveLength(120 - K);
    expect(first.logs.filter((l) => l.message === 'document failed').map((l) => l['key']).sort()).toEqual([...denied].sort());
    expect(await metricSums(cloudwatch, box.metricsNamespace)).toMatchObject({ DocumentsCopied: 120 - K, DocumentsFailed: K, BackupSucceeded: 0 });

    faults.setRules([]);
    const second = await runCore({ s3: faulty.s3, cloudwatch: faulty.cloudwatch }, box.config());
    expect(second).toMatchObject({ status: 'complete', counts: { listed: 120, copied: K, unchanged: 120 - K, failed: 0 } });
    const rerun = await readManifest(s3, box.backupBucket, second.manifestKey!);
    expect(rerun.entries.filter((e) => e.status === 'copied').map((e) => e.key).sort()).toEqual([...denied].sort());
  });

  test('handler: the invocation fails with BackupIncompleteError naming K of N, after the manifest and metrics', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    const docs = [...generateDocuments({ count: 40, seed: 612 })];
    await seedDocuments(s3, box.sourceBucket, docs);
    const denied = pick(docs.map((d) => d.key));
    faults.setRules(denyCopies(denied));
    const faulty = lambdaClients(box.config());
    const handler = createHandler({ config: box.config(), s3: faulty.s3, cloudwatch: faulty.cloudwatch, logger: captureLogger() });
    const err = await handler({ date: RUN_DATE }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupIncompleteError);
    const result = (err as BackupIncompleteError).result as Parameters<typeof incompleteMessage>[0];
    expect((err as Error).message).toBe(`${denied.length} of 40 documents failed; manifest s3://${box.backupBucket}/manifests/${RUN_DATE}/${result.runId}.json`);
    expect(result).toMatchObject({ status: 'failed', counts: { failed: denied.length, copied: 40 - denied.length }, metricsPublished: true });
    expect(await metricSums(cloudwatch, box.metricsNamespace)).toMatchObject({ DocumentsFailed: denied.length, BackupSucceeded: 0 });
  });

  test('deployed function through the faults (AWS_ENDPOINT_URL): K failed in the function error, manifest and metrics; the re-run copies K', async ({ ownStack, ownFunction, target, s3, cloudwatch, faultProxy: faults, localstack }) => {
    test.skip(localstack.mode === 'container', 'the function runs inside the LocalStack container and cannot reach a proxy on the host loopback');
    const fn = ownFunction.name;
    const namespace = uniqueName('DocumentBackupReliability');
    await ownFunction.configure({ variables: { AWS_ENDPOINT_URL: faults.endpoint, METRICS_NAMESPACE: namespace } });
    const date = '2031-01-01';
    const prefix = 'permanent/';
    const docs = [...generateDocuments({ count: 60, seed: 613, prefix })];
    await seedDocuments(s3, ownStack.sourceBucket, docs);
    const denied = pick(docs.map((d) => d.key));
    const K = denied.length;
    faults.setRules(denyCopies(denied));

    const first = await invokeBackup(target, fn, { date, prefix });
    expect(first.functionError).toBe('Unhandled');
    expect(first.payload['errorType']).toBe('BackupIncompleteError');
    const message = String(first.payload['errorMessage']);
    expect(message).toMatch(new RegExp(`^${K} of 60 documents failed; manifest s3://${ownStack.backupBucket}/manifests/${date}/.+\\.json$`));
    // The function's S3 and CloudWatch traffic really went through the faults.
    expect(faults.stats.injected.error).toBe(K);
    expect(faults.stats.byOperation['monitoring:PutMetricData']?.requests).toBe(1);

    const manifestKey = message.split(`s3://${ownStack.backupBucket}/`)[1]!;
    const { manifest, entries } = await readManifest(s3, ownStack.backupBucket, manifestKey);
    expect(manifest).toMatchObject({ status: 'failed', counts: { listed: 60, copied: 60 - K, failed: K } });
    expect(entries.filter((e) => e.status === 'failed').map((e) => e.key).sort()).toEqual([...denied].sort());
    expect(await metricSums(cloudwatch, namespace)).toMatchObject({ DocumentsCopied: 60 - K, DocumentsFailed: K, BackupSucceeded: 0 });

    faults.setRules([]);
    const second = await invokeBackup(target, fn, { date, prefix });
    expect(second.functionError, JSON.stringify(second.payload)).toBeUndefined();
    expect(second.payload).toMatchObject({ status: 'complete', counts: { listed: 60, copied: K, unchanged: 60 - K, failed: 0 } });
  });
});
