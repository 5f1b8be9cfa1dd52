// A run that would outlast the Lambda timeout stops taking new documents while there is still time to
// finish the ones in flight and write the manifest (TIME_SAFETY_MARGIN_MS), marks the manifest partial,
// and the next invocation for the same date resumes where it stopped.
import { generateDocuments, seedDocuments } from '../../fixtures/documents/generate.ts';
import { invokeBackup } from '../../scripts/lib/invoke.ts';
import { readManifest, request, RUN_DATE, runCore } from '../lambda/helpers.ts';
import { test, expect } from '../fixtures.ts';

const slowCopies = (ms: number) => [{ name: 'slow copies', match: { operation: 'CopyObject' }, fault: { kind: 'latency' as const, ms } }];

test.describe('stopping for time', () => {
  test('deployed function with a 12 s Timeout: stops in time, partial manifest, the next invocation resumes', async ({ ownStack, ownFunction, target, s3, faultProxy: faults, localstack }) => {
    test.skip(localstack.mode === 'container', 'the function runs inside the LocalStack container and cannot reach a proxy on the host loopback');
    const fn = ownFunction.name;
    // 4 copies in flight at 400 ms each: ~10 documents/s, so 150 documents need ~15 s, more than the 12 s
    // Timeout allows; with a 6 s margin the run must stop taking documents after ~6 s. The ownFunction
    // fixture puts Timeout and variables back after the test.
    await ownFunction.configure({
      timeoutSeconds: 12,
      variables: { AWS_ENDPOINT_URL: faults.endpoint, TIME_SAFETY_MARGIN_MS: '6000', COPY_CONCURRENCY: '4' },
    });
    const date = '2031-04-01';
    const prefix = 'timeout/';
    const docs = [...generateDocuments({ count: 150, seed: 641, prefix, maxSize: 4096 })];
    await seedDocuments(s3, ownStack.sourceBucket, docs, { concurrency: 32 });
    faults.setRules(slowCopies(400));

    const first = await invokeBackup(target, fn, { date, prefix });
    // A function error of our own making (the run is incomplete), not a timeout: the run ended in time.
    expect(first.functionError).toBe('Unhandled');
    expect(first.payload['errorType']).toBe('BackupIncompleteError');
    const message = String(first.payload['errorMessage']);
    expect(message).toMatch(new RegExp(`^stopped for time after (\\d+) documents; invoke again for ${date} to resume; manifest s3://`));
    expect(first.elapsedMs).toBeLessThan(12_000);
    const stoppedAfter = Number(/after (\d+) documents/.exec(message)![1]);
    expect(stoppedAfter).toBeGreaterThan(10);
    expect(stoppedAfter).toBeLessThan(150);

    const manifestKey = message.split(`s3://${ownStack.backupBucket}/`)[1]!;
    const { manifest, entries } = await readManifest(s3, ownStack.backupBucket, manifestKey);
    expect(manifest).toMatchObject({ status: 'partial', stoppedForTime: true, counts: { listed: stoppedAfter, copied: stoppedAfter, failed: 0 } });
    // Every document it took was finished: nothing half-done is left behind.
    expect(entries).toHaveLength(stoppedAfter);
    expect(entries.every((e) => e.status === 'copied')).toBe(true);

    faults.setRules([]);
    const second = await invokeBackup(target, fn, { date, prefix });
    expect(second.functionError, JSON.stringify(second.payload)).toBeUndefined();
    expect(second.payload).toMatchObject({ status: 'complete', stoppedForTime: false, counts: { listed: 150, copied: 150 - stoppedAfter, unchanged: stoppedAfter, failed: 0 } });
  });

  test('core with a real deadline: stops within the margin, then resumes until complete', async ({ s3, cloudwatch, faultProxy: faults, backupSandbox: box, lambdaClients }) => {
    const docs = [...generateDocuments({ count: 120, seed: 642, maxSize: 2048 })];
    await seedDocuments(s3, box.sourceBucket, docs, { concurrency: 32 });
    faults.setRules(slowCopies(250));
    const config = box.config({ TIME_SAFETY_MARGIN_MS: '1000', COPY_CONCURRENCY: '4' });
    const faulty = lambdaClients(config);
    const budgetMs = 2500;
    const deadline = Date.now() + budgetMs;
    const started = Date.now();
    const first = await runCore({ s3: faulty.s3, cloudwatch, remainingTimeMs: () => deadline - Date.now() }, config);
    expect(Date.now() - started).toBeLessThan(budgetMs);
    expect(first).toMatchObject({ status: 'partial', stoppedForTime: true, counts: { failed: 0 } });
    expect(first.counts.copied).toBe(first.counts.listed);
    expect(first.logs.some((l) => l.message.startsWith('stopped taking documents'))).toBe(true);

    faults.setRules([]);
    const second = await runCore({ s3: faulty.s3, cloudwatch }, config, request());
    expect(second).toMatchObject({ status: 'complete', counts: { listed: 120, copied: 120 - first.counts.listed, unchanged: first.counts.listed } });
    const { entries } = await readManifest(s3, box.backupBucket, second.manifestKey!);
    expect(entries).toHaveLength(120);
    expect(second.runDate).toBe(RUN_DATE);
  });
});
